"""A quiz: one right answer, marked by the moderator with a * and told to no one until the
moderator reveals it after closing; then everyone sees it, with the first who were right among
those who agreed to be named."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dialogue import messages
from dialogue import services as dialogue_services
from dialogue.models import Poll, PollAnswer
from dialogue.selectors import public_snapshot, summarise_polls
from erasure.services import erase_participant
from events.models import Event
from live.errors import InvalidMessage, NotAllowed
from moderation import services
from tests.factories import EventFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def quiz(moderator):  # type: ignore[no-untyped-def]
    event = EventFactory(status=Event.Status.LIVE)
    event.roles.create(user=moderator, role="moderator")
    poll = services.create_poll(
        actor=moderator,
        event=event,
        question="Luật Đất đai 2024 có hiệu lực từ ngày nào?",
        kind="quiz",
        options=["01/01/2025", "*01/08/2024", "01/07/2024"],
    )
    services.open_poll(actor=moderator, event=event, poll_id=poll.pk)
    return poll


def option(poll: Poll, label: str) -> int:
    return poll.options.get(label=label).pk


def answer(poll: Poll, label: str, *, name: str, leaderboard: bool = True) -> PollAnswer:
    return dialogue_services.answer_poll(
        participant=ParticipantFactory(event=poll.event, nickname=name),
        poll_id=poll.pk,
        option_ids=[option(poll, label)],
        on_leaderboard=leaderboard,
    )


def shown(poll: Poll) -> dict:  # type: ignore[type-arg]
    return public_snapshot(event=poll.event)["poll"]


def test_the_star_marks_the_one_right_answer_and_is_not_part_of_its_label(quiz):
    assert [(o.label, o.correct) for o in quiz.options.all()] == [
        ("01/01/2025", False),
        ("01/08/2024", True),
        ("01/07/2024", False),
    ]


@pytest.mark.parametrize("options", [["A", "B"], ["*A", "*B"], ["*A"]])
def test_a_quiz_needs_exactly_one_starred_answer_among_two_or_more(moderator, options):
    event = EventFactory(status=Event.Status.LIVE)
    event.roles.create(user=moderator, role="moderator")
    with pytest.raises(InvalidMessage):
        services.create_poll(
            actor=moderator, event=event, question="?", kind="quiz", options=options
        )
    assert not Poll.objects.filter(event=event).exists()


def test_the_right_answer_is_told_to_no_one_until_revealed(quiz, moderator):
    answer(quiz, "01/08/2024", name="Lan")
    assert shown(quiz)["correct"] is None
    assert shown(quiz)["leaderboard"] == []
    services.close_poll(actor=moderator, event=quiz.event, poll_id=quiz.pk)
    quiz.refresh_from_db()
    assert shown(quiz)["correct"] is None
    frame = messages.poll_updated(quiz, {"total": 1, "counts": {}, "words": []})
    assert frame["poll"]["correct"] is None
    [summary] = summarise_polls([quiz])
    assert summary.revealed == ""
    assert summary.right_label == "01/08/2024"  # for its moderators

    services.reveal_quiz(actor=moderator, event=quiz.event, poll_id=quiz.pk)
    quiz.refresh_from_db()
    assert shown(quiz)["correct"] == option(quiz, "01/08/2024")
    assert shown(quiz)["leaderboard"] == ["Lan"]


def test_the_leaderboard_names_those_right_who_agreed_first_answered_first(quiz, moderator):
    answer(quiz, "01/08/2024", name="Lan")
    answer(quiz, "01/01/2025", name="Sai")  # wrong
    answer(quiz, "01/08/2024", name="Ẩn danh", leaderboard=False)  # did not agree
    answer(quiz, "01/08/2024", name="Hoa")
    erased = answer(quiz, "01/08/2024", name="Đã xoá")
    erase_participant(participant=erased.participant, session=None)
    services.close_poll(actor=moderator, event=quiz.event, poll_id=quiz.pk)
    services.reveal_quiz(actor=moderator, event=quiz.event, poll_id=quiz.pk)
    quiz.refresh_from_db()
    assert shown(quiz)["leaderboard"] == ["Lan", "Hoa"]
    [summary] = summarise_polls([quiz])
    assert summary.leaderboard == ["Lan", "Hoa"]


def test_only_a_closed_quiz_is_revealed_once_by_its_moderators(quiz, moderator):
    with pytest.raises(InvalidMessage):
        services.reveal_quiz(actor=moderator, event=quiz.event, poll_id=quiz.pk)  # still open
    services.close_poll(actor=moderator, event=quiz.event, poll_id=quiz.pk)
    with pytest.raises(NotAllowed):
        services.reveal_quiz(actor=UserFactory(), event=quiz.event, poll_id=quiz.pk)
    services.reveal_quiz(actor=moderator, event=quiz.event, poll_id=quiz.pk)
    with pytest.raises(InvalidMessage):
        services.reveal_quiz(actor=moderator, event=quiz.event, poll_id=quiz.pk)
    single = services.create_poll(
        actor=moderator, event=quiz.event, question="?", kind="single", options=["A", "B"]
    )
    with pytest.raises(InvalidMessage):
        services.reveal_quiz(actor=moderator, event=quiz.event, poll_id=single.pk)


def test_the_polls_page_reveals_with_its_button(client, quiz, moderator):
    from tests.factories import enable_totp

    services.close_poll(actor=moderator, event=quiz.event, poll_id=quiz.pk)
    enable_totp(moderator)
    client.force_login(moderator)
    page = client.get(reverse("moderation:polls", args=[quiz.event.slug])).content.decode()
    assert 'value="reveal"' in page
    url = reverse("moderation:poll", args=[quiz.event.slug, quiz.pk])
    assert client.post(url, {"action": "reveal"}).status_code == 302
    quiz.refresh_from_db()
    assert quiz.revealed_at is not None


def test_the_leaderboard_choice_is_kept_only_for_a_quiz(moderator):
    event = EventFactory(status=Event.Status.LIVE)
    event.roles.create(user=moderator, role="moderator")
    single = services.create_poll(
        actor=moderator, event=event, question="?", kind="single", options=["A", "B"]
    )
    services.open_poll(actor=moderator, event=event, poll_id=single.pk)
    stored = dialogue_services.answer_poll(
        participant=ParticipantFactory(event=event),
        poll_id=single.pk,
        option_ids=[single.options.first().pk],
        on_leaderboard=True,
    )
    assert stored.on_leaderboard is False
