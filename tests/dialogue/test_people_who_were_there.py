"""Votes, poll answers and ratings count only from the people who were there.

Anyone may join a public dialogue after it has ended, with a nickname and a fresh cookie jar; a
script did, twenty times from one address, and rated its answers twenty times. Now joining an
ended dialogue is read-only: the late joiner reads it and follows its archive, and every ballot
(a vote, a poll answer, a rating) is refused with a clear message and not counted. A standing
Q&A is open all year, so anyone joins it "while open": its answers are rated only by the person
who asked and by people with an account (docs/security.md, "People who were there").
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue import permissions, selectors, services
from dialogue.models import AnswerRating, Participant, PollAnswer, Question, Vote
from events.models import Event
from live.errors import NotAllowed
from moderation import services as moderation_services
from reports.selectors import dialogue_report
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
    join_form,
)

pytestmark = pytest.mark.django_db

LATE_JOINERS = 20


def answered(event: Event, author: Participant | None = None) -> Question:
    question = QuestionFactory(
        event=event,
        status=Question.Status.ANSWERED,
        answered_at=timezone.now(),
        answered_how=Question.AnsweredHow.WRITTEN,
        **({"author": author} if author else {}),
    )
    AnswerFactory(
        question=question,
        body="Theo Điều 220 …",
        published_at=timezone.now(),
    )
    return question


def end(event: Event) -> Event:
    Event.objects.filter(pk=event.pk).update(status=Event.Status.ENDED)
    event.refresh_from_db()
    return event


def reopen(event: Event) -> Event:
    Event.objects.filter(pk=event.pk).update(status=Event.Status.LIVE)
    event.refresh_from_db()
    return event


def join_late(event: Event, nickname: str = "Người đến muộn") -> tuple[Client, Participant]:
    """A fresh cookie jar joins the dialogue through its page, as the script did."""
    client = Client()
    response = client.post(reverse("dialogue:join", args=[event.slug]), join_form(event, nickname))
    assert response.status_code == 302
    return client, Participant.objects.latest("pk")


def figures(event: Event, question: Question) -> tuple[object, ...]:
    """Every figure that shows ratings: the archive's, the report's (which the API serves)."""
    summary = selectors.rating_summaries(answer_ids=[question.answer.pk]).get(question.answer.pk)
    return summary, dialogue_report(event).satisfaction


def test_none_of_twenty_late_joiners_ratings_count(event):
    question = answered(event)
    there = ParticipantFactory(event=event)
    end(event)
    services.rate_answer(participant=there, question_id=question.pk, score=5)
    before = figures(event, question)
    assert before[0] == selectors.RatingSummary(1, 5.0)

    refused = 0
    for n in range(LATE_JOINERS):
        client, late = join_late(event, f"Người đến muộn {n}")
        assert late.joined_while_open is False
        response = client.post(
            reverse("dialogue:rate", args=[event.slug, question.pk]), {"score": "1"}, follow=True
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "took part while it was open" in page or "khi cuộc đối thoại đang mở" in page
        refused += not AnswerRating.objects.filter(participant=late).exists()
    assert refused == LATE_JOINERS
    assert AnswerRating.objects.count() == 1
    assert figures(event, question) == before

    # Ratings stored before the rule (or by any other path) are not counted either.
    for late in Participant.objects.filter(joined_while_open=False):
        AnswerRating.objects.create(answer=question.answer, participant=late, score=1)
    assert AnswerRating.objects.count() == 1 + LATE_JOINERS
    assert figures(event, question) == before


def test_the_api_s_satisfaction_counts_no_late_joiner(client, event, moderator):
    question = answered(event)
    there = ParticipantFactory(event=event)
    end(event)
    services.rate_answer(participant=there, question_id=question.pk, score=4)
    for n in range(3):
        _client, late = join_late(event, f"Muộn {n}")
        AnswerRating.objects.create(answer=question.answer, participant=late, score=1)
    enable_totp(moderator)
    client.force_login(moderator)
    response = client.get(reverse("api:event_report", args=[event.slug]))
    assert response.json()["satisfaction"] == {
        "ratings": 1,
        "average": 4.0,
        "distribution": [0, 0, 0, 1, 0],
    }


def test_joining_an_ended_dialogue_is_read_only_with_a_clear_message(event):
    question = answered(event)
    end(event)
    client = Client()
    response = client.post(
        reverse("dialogue:join", args=[event.slug]), join_form(event, "Khách"), follow=True
    )
    assert response.status_code == 200
    assert "theo dõi phần lưu trữ" in response.content.decode()
    archive = client.get(reverse("dialogue:archive", args=[event.slug])).content.decode()
    assert 'id="joined-late"' in archive
    assert "rate-form" not in archive
    assert question.text in archive
    assert client.get(event.get_absolute_url()).status_code == 200


def test_a_late_joiner_s_vote_is_refused_even_when_the_dialogue_opens_again(event):
    question = QuestionFactory(event=event, status=Question.Status.APPROVED)
    end(event)
    client, late = join_late(event)
    reopen(event)
    with pytest.raises(NotAllowed) as refused:
        services.vote(participant=late, question_id=question.pk)
    assert refused.value.code == "joined_late"
    response = client.post(
        reverse("dialogue:vote", args=[event.slug, question.pk]), {"action": "vote"}
    )
    assert response.status_code == 302
    assert not Vote.objects.exists()
    question.refresh_from_db()
    assert question.vote_count == 0

    # Joining again while it is open makes them someone who was there.
    client.post(reverse("dialogue:join", args=[event.slug]), join_form(event, "Đã có mặt"))
    late.refresh_from_db()
    assert late.joined_while_open is True
    services.vote(participant=late, question_id=question.pk)
    assert Vote.objects.count() == 1


def test_a_late_joiner_s_poll_answer_is_refused(event, moderator):
    enable_totp(moderator)
    poll = moderation_services.create_poll(
        actor=moderator, event=event, question="Biết qua đâu?", kind="single", options=["A", "B"]
    )
    end(event)
    _client, late = join_late(event)
    reopen(event)
    moderation_services.open_poll(actor=moderator, event=event, poll_id=poll.pk)
    option = poll.options.values_list("pk", flat=True)[0]
    with pytest.raises(NotAllowed) as refused:
        services.answer_poll(participant=late, poll_id=poll.pk, option_ids=[option])
    assert refused.value.code == "joined_late"
    assert not PollAnswer.objects.exists()
    there = ParticipantFactory(event=event)
    services.answer_poll(participant=there, poll_id=poll.pk, option_ids=[option])
    assert PollAnswer.objects.count() == 1


def test_an_account_that_joins_an_ended_dialogue_cannot_rate_either(event):
    question = answered(event)
    end(event)
    account = UserFactory()
    client = Client()
    client.force_login(account)
    client.post(reverse("dialogue:rate", args=[event.slug, question.pk]), {"score": "5"})
    # Not a participant yet: refused; joining now makes a late joiner, refused too.
    participant = services.join_event(event=event, user=account, session=None)
    assert participant.joined_while_open is False
    with pytest.raises(NotAllowed):
        services.rate_answer(participant=participant, question_id=question.pk, score=5)
    assert not AnswerRating.objects.exists()


@pytest.fixture
def standing() -> Event:
    return EventFactory(agency=AgencyFactory(), kind=Event.Kind.STANDING, status=Event.Status.LIVE)


def test_in_a_standing_q_and_a_the_asker_s_rating_and_an_account_s_rating_count(standing):
    asker = ParticipantFactory(event=standing)
    question = answered(standing, author=asker)
    account = services.join_event(event=standing, user=UserFactory(), session=None)
    services.rate_answer(participant=asker, question_id=question.pk, score=5)
    services.rate_answer(participant=account, question_id=question.pk, score=3)
    assert selectors.rating_summaries(answer_ids=[question.answer.pk]) == {
        question.answer.pk: selectors.RatingSummary(2, 4.0)
    }
    assert dialogue_report(standing).satisfaction.ratings == 2


def test_in_a_standing_q_and_a_a_nickname_who_did_not_ask_cannot_rate(standing):
    question = answered(standing)
    for n in range(LATE_JOINERS):
        _client, nickname = join_late(standing, f"Khách {n}")
        assert nickname.joined_while_open is True  # a standing Q&A is always open
        with pytest.raises(NotAllowed) as refused:
            services.rate_answer(participant=nickname, question_id=question.pk, score=1)
        assert refused.value.code == "rating_not_allowed"
        # Stored by another path, it is not counted.
        AnswerRating.objects.create(answer=question.answer, participant=nickname, score=1)
    assert selectors.rating_summaries(answer_ids=[question.answer.pk]) == {}
    assert dialogue_report(standing).satisfaction.ratings == 0


@pytest.mark.parametrize("standing_qa", [False, True])
@pytest.mark.parametrize("was_there", [False, True])
@pytest.mark.parametrize("who", ["asker", "account", "nickname"])
def test_the_rule_in_python_and_in_sql_agree(standing_qa, was_there, who):
    kind = Event.Kind.STANDING if standing_qa else Event.Kind.DIALOGUE
    event = EventFactory(kind=kind, status=Event.Status.LIVE if standing_qa else Event.Status.ENDED)
    asker = ParticipantFactory(event=event)
    question = answered(event, author=asker)
    rater = {
        "asker": asker,
        "account": ParticipantFactory(event=event, user=UserFactory(), nickname=""),
        "nickname": ParticipantFactory(event=event),
    }[who]
    Participant.objects.filter(pk=rater.pk).update(joined_while_open=was_there)
    rater.refresh_from_db()
    rating = AnswerRating.objects.create(answer=question.answer, participant=rater, score=4)
    counted = selectors.counted_ratings().filter(pk=rating.pk).exists()
    assert permissions.may_rate(rater, question) is counted
