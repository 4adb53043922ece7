from __future__ import annotations

import pytest

from dialogue.models import Question, Vote
from live.errors import InvalidMessage, NotAllowed, NotFound
from moderation import services
from moderation.models import ModerationLog
from tests.factories import (
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
    VoteFactory,
)

pytestmark = pytest.mark.django_db


def pending(event, text="Thủ tục cấp sổ đỏ lần đầu?"):  # type: ignore[no-untyped-def]
    return QuestionFactory(
        event=event,
        author=ParticipantFactory(event=event),
        text=text,
        status=Question.Status.PENDING,
    )


def test_approving_publishes_logs_and_bumps_the_version(live_event, moderator):
    question = pending(live_event)
    approved = services.approve_question(
        actor=moderator, event=live_event, question_id=question.pk, version=1
    )
    assert approved.status == Question.Status.APPROVED
    assert approved.version == 2
    live_event.refresh_from_db()
    assert live_event.public_seq == 1
    entry = ModerationLog.objects.get()
    assert (entry.actor, entry.action, entry.before["status"], entry.after["status"]) == (
        moderator,
        "approve",
        "pending",
        "approved",
    )


def test_a_stale_version_is_refused_with_a_conflict_and_changes_nothing(
    live_event, moderator, second_moderator
):
    question = pending(live_event)
    services.approve_question(actor=moderator, event=live_event, question_id=question.pk, version=1)
    with pytest.raises(services.StaleVersion) as error:
        services.reject_question(
            actor=second_moderator,
            event=live_event,
            question_id=question.pk,
            version=1,
            reason="off_topic",
        )
    assert error.value.code == "conflict"
    assert error.value.question.status == Question.Status.APPROVED
    question.refresh_from_db()
    assert (question.status, question.version) == (Question.Status.APPROVED, 2)
    assert ModerationLog.objects.count() == 1


def test_rejecting_needs_a_reason_from_the_list(live_event, moderator):
    question = pending(live_event)
    with pytest.raises(InvalidMessage):
        services.reject_question(
            actor=moderator, event=live_event, question_id=question.pk, version=1, reason="because"
        )
    rejected = services.reject_question(
        actor=moderator,
        event=live_event,
        question_id=question.pk,
        version=1,
        reason="personal_case",
        note="Gửi hồ sơ tới Sở",
    )
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "personal_case")


def test_editing_keeps_the_original_words_and_logs_both(live_event, moderator):
    question = pending(live_event, text="so do cap lai mat bao lau")
    services.edit_question(
        actor=moderator,
        event=live_event,
        question_id=question.pk,
        version=1,
        text="Sổ đỏ cấp lại mất bao lâu?",
    )
    services.edit_question(
        actor=moderator,
        event=live_event,
        question_id=question.pk,
        version=2,
        text="Cấp lại sổ đỏ bị mất mất bao lâu?",
    )
    question.refresh_from_db()
    assert question.original_text == "so do cap lai mat bao lau"
    assert question.text == "Cấp lại sổ đỏ bị mất mất bao lâu?"
    first, second = ModerationLog.objects.order_by("pk")
    assert (first.before["text"], first.after["text"]) == (
        "so do cap lai mat bao lau",
        "Sổ đỏ cấp lại mất bao lâu?",
    )
    assert second.before["text"] == "Sổ đỏ cấp lại mất bao lâu?"


def test_merging_carries_votes_over_without_counting_a_voter_twice(live_event, moderator):
    target = QuestionFactory(event=live_event)
    source = QuestionFactory(event=live_event)
    both, only_source, only_target = (ParticipantFactory(event=live_event) for _ in range(3))
    for participant, question in [
        (both, target),
        (both, source),
        (only_source, source),
        (only_target, target),
    ]:
        VoteFactory(participant=participant, question=question)
    Question.objects.filter(pk=target.pk).update(vote_count=2)
    Question.objects.filter(pk=source.pk).update(vote_count=2)
    services.merge_questions(
        actor=moderator,
        event=live_event,
        question_id=target.pk,
        version=1,
        sources=[(source.pk, 1)],
    )
    target.refresh_from_db()
    source.refresh_from_db()
    assert target.vote_count == 3 == Vote.objects.filter(question=target).count()
    assert not Vote.objects.filter(question=source).exists()
    assert (source.status, source.merged_into_id, source.vote_count) == ("merged", target.pk, 0)


def test_putting_a_question_on_stage_marks_the_previous_one_answered(live_event, moderator):
    first = QuestionFactory(event=live_event)
    second = pending(live_event)
    services.set_stage(
        actor=moderator, event=live_event, question_id=first.pk, version=1, stage="now"
    )
    changed = services.set_stage(
        actor=moderator, event=live_event, question_id=second.pk, version=1, stage="now"
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.stage) == ("answered", "")
    assert first.answered_at is not None
    assert (second.status, second.stage) == ("approved", "now")
    assert {q.pk for q in changed} == {first.pk, second.pk}


def test_queueing_next_orders_the_queue(live_event, moderator):
    a, b = QuestionFactory(event=live_event), QuestionFactory(event=live_event)
    services.set_stage(actor=moderator, event=live_event, question_id=b.pk, version=1, stage="next")
    services.set_stage(actor=moderator, event=live_event, question_id=a.pk, version=1, stage="next")
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.queue_position < a.queue_position


def test_routing_only_to_an_official_of_this_dialogue(live_event, moderator, official):
    question = QuestionFactory(event=live_event)
    stranger = UserFactory()
    with pytest.raises(NotFound):
        services.route_question(
            actor=moderator,
            event=live_event,
            question_id=question.pk,
            version=1,
            official_id=stranger.pk,
        )
    routed = services.route_question(
        actor=moderator,
        event=live_event,
        question_id=question.pk,
        version=1,
        official_id=official.pk,
    )
    assert routed.routed_to == official


def test_modes_switch_during_the_event(live_event, moderator):
    services.set_modes(
        actor=moderator, event=live_event, moderation="post", intake_open=False, voting_open=False
    )
    live_event.refresh_from_db()
    assert live_event.moderation_mode == "post"
    assert not live_event.intake_is_open()
    assert not live_event.voting_is_open()


def test_people_who_are_not_moderators_of_this_dialogue_are_refused(
    live_event, moderator, official
):
    question = pending(live_event)
    other_event_moderator = UserFactory()
    other = EventFactory()
    from events.models import EventRole

    EventRole.objects.create(event=other, user=other_event_moderator, role="moderator")
    for person in (official, other_event_moderator, UserFactory()):
        with pytest.raises(NotAllowed):
            services.approve_question(
                actor=person, event=live_event, question_id=question.pk, version=1
            )
    question.refresh_from_db()
    assert question.status == "pending"
    assert not ModerationLog.objects.exists()


def test_a_ban_refuses_the_participant_from_then_on(live_event, moderator):
    from dialogue import services as dialogue_services

    question = QuestionFactory(event=live_event)
    troll = ParticipantFactory(event=live_event)
    services.ban_participant(actor=moderator, event=live_event, participant_id=troll.pk)
    with pytest.raises(NotAllowed) as error:
        dialogue_services.vote(participant=troll, question_id=question.pk)
    assert error.value.code == "banned"


def test_an_agency_ban_follows_the_person_to_the_agency_s_next_dialogue(
    live_event, moderator, citizen
):
    from dialogue import services as dialogue_services

    participant = dialogue_services.join_event(event=live_event, user=citizen, session=None)
    services.ban_participant(
        actor=moderator, event=live_event, participant_id=participant.pk, scope="agency"
    )
    later = EventFactory(agency=live_event.agency)
    joined = dialogue_services.join_event(event=later, user=citizen, session=None)
    joined.refresh_from_db()
    assert joined.banned_at is not None


def test_a_modes_change_that_names_no_setting_is_refused_and_writes_nothing(live_event, moderator):
    from live.errors import InvalidMessage
    from moderation.models import ModerationLog

    with pytest.raises(InvalidMessage):
        services.set_modes(actor=moderator, event=live_event)
    assert not ModerationLog.objects.exists()
