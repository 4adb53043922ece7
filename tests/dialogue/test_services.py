from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from dialogue import services
from dialogue.models import Question, Vote
from erasure.services import erase_participant
from events.models import Event, EventRole
from live.errors import (
    InvalidMessage,
    NotAllowed,
    NotFound,
    QuestionsClosed,
    RateLimited,
    VotingClosed,
)
from moderation import services as moderation
from moderation.models import ModerationLog
from tests.factories import (
    EventFactory,
    EventRoleFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def limit(settings, action: str, *, participant: str, ip: str) -> None:  # type: ignore[no-untyped-def]
    """Set the rate limits of one action ("ask" or "vote") for a test."""
    limits = {**settings.DIALOGUE["RATE_LIMITS"], action: {"participant": participant, "ip": ip}}
    settings.DIALOGUE = {**settings.DIALOGUE, "RATE_LIMITS": limits}


def test_asking_twice_with_the_same_client_id_stores_one_question(participant):
    client_id = uuid.uuid4()
    first = services.ask_question(
        participant=participant, text="Thủ tục tách thửa thế nào?", client_id=client_id
    )
    again = services.ask_question(
        participant=participant, text="Thủ tục tách thửa thế nào?", client_id=client_id
    )
    assert first.pk == again.pk
    assert Question.objects.count() == 1


def test_post_moderation_publishes_at_once_and_numbers_the_delta(participant):
    question = services.ask_question(
        participant=participant, text="Bảng giá đất mới?", client_id=uuid.uuid4()
    )
    assert question.status == Question.Status.APPROVED
    participant.event.refresh_from_db()
    assert participant.event.public_seq == 1


def test_pre_moderation_holds_the_question_until_it_is_published():
    participant = ParticipantFactory(event=EventFactory(moderation_mode=Event.Moderation.PRE))
    question = services.ask_question(
        participant=participant, text="Đất không giấy tờ?", client_id=uuid.uuid4()
    )
    assert question.status == Question.Status.PENDING
    participant.event.refresh_from_db()
    assert participant.event.public_seq == 0
    moderator = UserFactory()
    EventRoleFactory(event=participant.event, user=moderator, role=EventRole.Role.MODERATOR)
    moderation.approve_question(
        actor=moderator, event=participant.event, question_id=question.pk, version=None
    )
    question.refresh_from_db()
    participant.event.refresh_from_db()
    assert question.status == Question.Status.APPROVED
    entry = ModerationLog.objects.get(question=question)
    assert (entry.actor, entry.action) == (moderator, ModerationLog.Action.APPROVE)
    assert question.published_at is not None
    assert participant.event.public_seq == 1


def test_question_text_is_normalised_and_bounded(participant):
    question = services.ask_question(
        participant=participant, text="  Hỏi\u200b   về  đa\u0302\u0301t  ", client_id=uuid.uuid4()
    )
    assert question.text == "Hỏi về đất"
    # A control character is refused, as every form refuses it (events/text.py).
    with pytest.raises(InvalidMessage) as error:
        services.ask_question(participant=participant, text="Hỏi \x07đất", client_id=uuid.uuid4())
    assert error.value.code == "invalid_text"
    with pytest.raises(InvalidMessage) as error:
        services.ask_question(participant=participant, text="x" * 501, client_id=uuid.uuid4())
    assert error.value.code == "too_long"
    with pytest.raises(InvalidMessage):
        services.ask_question(participant=participant, text=" \n\t ", client_id=uuid.uuid4())
    assert Question.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"status": Event.Status.ENDED}, QuestionsClosed),
        ({"intake_closed": True}, QuestionsClosed),
        ({"status": Event.Status.DRAFT}, QuestionsClosed),
    ],
)
def test_closed_intake_refuses_questions_and_writes_nothing(participant, changes, error):
    Event.objects.filter(pk=participant.event_id).update(**changes)
    with pytest.raises(error):
        services.ask_question(
            participant=participant, text="Còn hỏi được không?", client_id=uuid.uuid4()
        )
    assert not Question.objects.exists()


def test_a_participant_votes_once_and_can_take_it_back(participant):
    question = QuestionFactory(event=participant.event)
    services.vote(participant=participant, question_id=question.pk)
    voted, state = services.vote(participant=participant, question_id=question.pk)
    assert (voted.vote_count, state) == (1, True)
    assert Vote.objects.count() == 1
    unvoted, state = services.unvote(participant=participant, question_id=question.pk)
    assert (unvoted.vote_count, state) == (0, False)
    again, _ = services.unvote(participant=participant, question_id=question.pk)
    assert again.vote_count == 0


def test_votes_on_hidden_or_foreign_questions_are_refused(participant):
    pending = QuestionFactory(event=participant.event, status=Question.Status.PENDING)
    foreign = QuestionFactory()
    for question in (pending, foreign):
        with pytest.raises(NotFound):
            services.vote(participant=participant, question_id=question.pk)
    assert not Vote.objects.exists()


def test_an_erased_askers_question_takes_no_vote_and_loses_none(participant):
    asker = ParticipantFactory(event=participant.event, nickname="Chị Lan")
    question = QuestionFactory(event=participant.event, author=asker)
    services.vote(participant=participant, question_id=question.pk)
    erase_participant(participant=asker, session=None)
    other = ParticipantFactory(event=participant.event)
    with pytest.raises(NotFound):
        services.vote(participant=other, question_id=question.pk)
    with pytest.raises(NotFound):
        services.unvote(participant=participant, question_id=question.pk)
    question.refresh_from_db()
    assert (question.vote_count, Vote.objects.filter(question=question).count()) == (1, 1)


def test_votes_are_refused_after_the_event_ends(participant):
    question = QuestionFactory(event=participant.event)
    Event.objects.filter(pk=participant.event_id).update(status=Event.Status.ENDED)
    with pytest.raises(VotingClosed):
        services.vote(participant=participant, question_id=question.pk)


def test_withdrawing_a_public_question_tells_the_public(participant):
    question = QuestionFactory(event=participant.event)
    moderator = UserFactory()
    EventRoleFactory(event=participant.event, user=moderator, role=EventRole.Role.MODERATOR)
    moderation.reject_question(
        actor=moderator,
        event=participant.event,
        question_id=question.pk,
        version=None,
        reason=Question.RejectionReason.OFF_TOPIC,
    )
    question.refresh_from_db()
    participant.event.refresh_from_db()
    assert question.status == Question.Status.REJECTED
    assert participant.event.public_seq == 1
    entry = ModerationLog.objects.get(question=question)
    assert (entry.actor, entry.action) == (moderator, ModerationLog.Action.REJECT)


def test_anonymous_browsers_join_with_a_nickname_kept_in_their_session(event):
    session = SessionStore()
    first = services.join_event(
        event=event, user=AnonymousUser(), session=session, nickname=" Chị Lan ", consented=True
    )
    again = services.join_event(
        event=event, user=AnonymousUser(), session=session, nickname="Chị Lan Anh", consented=True
    )
    assert first.pk == again.pk
    again.refresh_from_db()
    assert again.nickname == "Chị Lan Anh"


def test_events_without_anonymous_participation_require_sign_in(citizen):
    event = EventFactory(allow_anonymous=False)
    with pytest.raises(NotAllowed):
        services.join_event(
            event=event, user=AnonymousUser(), session=SessionStore(), nickname="Lan"
        )
    participant = services.join_event(event=event, user=citizen, session=None)
    assert services.join_event(event=event, user=citizen, session=None).pk == participant.pk


def test_asking_too_often_is_refused_and_stores_nothing(participant, settings):
    limit(settings, "ask", participant="2/minute", ip="50/minute")
    for n in range(2):
        services.ask_question(participant=participant, text=f"Câu {n}", client_id=uuid.uuid4())
    with pytest.raises(RateLimited):
        services.ask_question(participant=participant, text="Câu thứ ba", client_id=uuid.uuid4())
    assert Question.objects.count() == 2


def test_votes_are_limited_per_address_across_participants(event, settings):
    limit(settings, "vote", participant="50/minute", ip="3/minute")
    questions = [QuestionFactory(event=event) for _ in range(4)]
    voters = [ParticipantFactory(event=event) for _ in range(4)]
    for voter, question in zip(voters[:3], questions, strict=False):
        services.vote(participant=voter, question_id=question.pk, ip="203.0.113.7")
    with pytest.raises(RateLimited):
        services.vote(participant=voters[3], question_id=questions[3].pk, ip="203.0.113.7")
    services.vote(participant=voters[3], question_id=questions[3].pk, ip="203.0.113.8")
    assert Vote.objects.count() == 4


def test_a_batch_of_ballots_gets_one_outcome_each_and_counts_equal_rows(event):
    questions = [QuestionFactory(event=event) for _ in range(3)]
    hidden = QuestionFactory(event=event, status=Question.Status.PENDING)
    voters = [ParticipantFactory(event=event) for _ in range(3)]
    banned = ParticipantFactory(event=event, banned_at=timezone.now())
    services.vote(participant=voters[2], question_id=questions[2].pk)
    Ballot = services.Ballot
    outcomes = services.cast_ballots(
        ballots=[
            Ballot(voters[0].pk, questions[0].pk, up=True),
            Ballot(voters[1].pk, questions[0].pk, up=True),
            Ballot(voters[0].pk, questions[1].pk, up=True),
            Ballot(voters[0].pk, questions[1].pk, up=False),  # taken back in the same batch
            Ballot(voters[0].pk, questions[1].pk, up=True),  # and given again
            Ballot(voters[2].pk, questions[2].pk, up=True),  # already there: changes nothing
            Ballot(voters[2].pk, questions[0].pk, up=False),  # not there: changes nothing
            Ballot(banned.pk, questions[0].pk, up=True),
            Ballot(voters[1].pk, hidden.pk, up=True),
        ]
    )
    results = [
        (o.question_id, o.voted, o.votes) if isinstance(o, services.Cast) else o.code
        for o in outcomes
    ]
    assert results == [
        (questions[0].pk, True, 2),
        (questions[0].pk, True, 2),
        (questions[1].pk, True, 1),
        (questions[1].pk, False, 1),
        (questions[1].pk, True, 1),
        (questions[2].pk, True, 1),
        (questions[0].pk, False, 2),
        "banned",
        "not_found",
    ]
    for question in Question.objects.filter(event=event):
        assert question.vote_count == Vote.objects.filter(question=question).count()
    assert Vote.objects.filter(participant=banned).count() == 0


def test_a_refused_ballot_in_a_batch_leaves_the_others_stored(event, settings):
    limit(settings, "vote", participant="2/minute", ip="100/minute")
    questions = [QuestionFactory(event=event) for _ in range(3)]
    voter = ParticipantFactory(event=event)
    outcomes = services.cast_ballots(
        ballots=[services.Ballot(voter.pk, q.pk, up=True, ip="203.0.113.9") for q in questions]
    )
    assert [getattr(o, "code", "stored") for o in outcomes] == ["stored", "stored", "rate_limited"]
    assert set(Vote.objects.values_list("question_id", flat=True)) == {
        questions[0].pk,
        questions[1].pk,
    }


def test_an_empty_batch_does_nothing():
    assert services.cast_ballots(ballots=[]) == []


def test_batched_rate_limits_count_like_single_votes(event, settings):
    # With Redis the batch counts every key in one pipeline; single votes count one by one.
    # Both must agree: here the address allows 5 votes in all, each participant 2.
    limit(settings, "vote", participant="2/minute", ip="5/minute")
    questions = [QuestionFactory(event=event) for _ in range(3)]
    voters = [ParticipantFactory(event=event) for _ in range(3)]
    services.vote(participant=voters[0], question_id=questions[0].pk, ip="198.51.100.1")
    outcomes = services.cast_ballots(
        ballots=[
            services.Ballot(voter.pk, question.pk, up=True, ip="198.51.100.1")
            for voter in voters
            for question in questions
        ]
    )
    codes = [getattr(o, "code", "stored") for o in outcomes]
    # voters[0]: one vote already counted, so one more; the others two each, until the
    # address's fifth vote.
    assert codes == [
        "stored", "rate_limited", "rate_limited",
        "stored", "stored", "rate_limited",
        "stored", "rate_limited", "rate_limited",
    ]  # fmt: skip
    assert Vote.objects.count() == 4  # voters[0]'s vote on questions[0] was there already
