"""A ranking poll: each participant puts every option in order once; an option's score is its
Borda points (first of n options n − 1, last 0), shown against the most it could have had."""

from __future__ import annotations

import pytest

from dialogue import services as dialogue_services
from dialogue.models import PollAnswer, PollRank
from dialogue.selectors import poll_results, summarise_polls
from events.models import Event
from live.errors import InvalidMessage
from moderation import services
from tests.factories import EventFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db
CHOICES = ["Đất đai", "Hộ tịch", "Thừa kế"]


@pytest.fixture
def ranking():  # type: ignore[no-untyped-def]
    event = EventFactory(status=Event.Status.LIVE)
    moderator = UserFactory()
    event.roles.create(user=moderator, role="moderator")
    poll = services.create_poll(
        actor=moderator,
        event=event,
        question="Xếp các lĩnh vực theo mức quan tâm",
        kind="ranking",
        options=CHOICES,
    )
    services.open_poll(actor=moderator, event=event, poll_id=poll.pk)
    return poll


def ids(poll, *labels: str) -> list[int]:  # type: ignore[no-untyped-def]
    by_label = {option.label: option.pk for option in poll.options.all()}
    return [by_label[label] for label in labels]


def rank(poll, *labels: str) -> PollAnswer:  # type: ignore[no-untyped-def]
    return dialogue_services.answer_poll(
        participant=ParticipantFactory(event=poll.event),
        poll_id=poll.pk,
        option_ids=ids(poll, *labels),
    )


def test_the_scores_are_borda_points_and_the_summary_ranks_them(ranking):
    rank(ranking, "Hộ tịch", "Đất đai", "Thừa kế")
    rank(ranking, "Hộ tịch", "Thừa kế", "Đất đai")
    rank(ranking, "Đất đai", "Hộ tịch", "Thừa kế")
    results = poll_results(poll_ids=[ranking.pk])[ranking.pk]
    points = dict(zip(CHOICES, ids(ranking, *CHOICES), strict=True))
    assert results["total"] == 3
    assert {label: results["counts"][str(pk)] for label, pk in points.items()} == {
        "Đất đai": 1 + 0 + 2,
        "Hộ tịch": 2 + 2 + 1,
        "Thừa kế": 0 + 1 + 0,
    }
    [summary] = summarise_polls([ranking])
    # Against the most possible: 3 answers × 2 points for a first place.
    assert summary.options == [("Hộ tịch", 5, 83), ("Đất đai", 3, 50), ("Thừa kế", 1, 17)]
    assert summary.ranked


@pytest.mark.parametrize(
    "order",
    [
        ("Hộ tịch", "Đất đai"),  # one left out
        ("Hộ tịch", "Hộ tịch", "Đất đai"),  # one twice, one left out
        (),
    ],
)
def test_a_ranking_that_leaves_out_or_repeats_an_option_is_refused(ranking, order):
    with pytest.raises(InvalidMessage) as refused:
        rank(ranking, *order)
    assert refused.value.code in ("rank_all", "no_option")
    assert not PollAnswer.objects.exists()
    assert not PollRank.objects.exists()


def test_an_option_of_another_poll_is_refused(ranking):
    other = services.create_poll(
        actor=ranking.event.roles.get().user,
        event=ranking.event,
        question="Khác",
        kind="single",
        options=["A", "B"],
    )
    stranger = other.options.first().pk
    mine = ids(ranking, "Hộ tịch", "Đất đai")
    with pytest.raises(InvalidMessage):
        dialogue_services.answer_poll(
            participant=ParticipantFactory(event=ranking.event),
            poll_id=ranking.pk,
            option_ids=[*mine, stranger],
        )
    assert not PollRank.objects.exists()


def test_without_the_script_one_list_per_place_answers_in_that_order(client, ranking):
    from django.urls import reverse

    from dialogue import selectors

    participant = ParticipantFactory(event=ranking.event)
    session = client.session
    session[selectors.SESSION_KEY] = {str(ranking.event.pk): participant.pk}
    session.save()
    page = client.get(ranking.event.get_absolute_url()).content.decode()
    assert page.count('<select name="option">') == 3  # one per place
    url = reverse("dialogue:poll_answer", args=[ranking.event.slug, ranking.pk])
    same_twice = [str(pk) for pk in ids(ranking, "Hộ tịch", "Hộ tịch", "Đất đai")]
    client.post(url, {"option": same_twice})
    assert not PollAnswer.objects.exists()
    order = [str(pk) for pk in ids(ranking, "Thừa kế", "Đất đai", "Hộ tịch")]
    assert client.post(url, {"option": order}).status_code == 302
    points = dict(PollRank.objects.values_list("option__label", "points"))
    assert points == {"Thừa kế": 2, "Đất đai": 1, "Hộ tịch": 0}
