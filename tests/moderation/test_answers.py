"""Officials, the stage, written answers and the lifecycle of a dialogue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from dialogue.models import Answer, Question
from events.models import Event, EventRole
from live.errors import InvalidMessage, NotAllowed
from moderation import lifecycle, selectors, services
from tests.factories import (
    AgencyMembershipFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(live_event):  # type: ignore[no-untyped-def]
    return AgencyMembershipFactory(agency=live_event.agency).user


@pytest.mark.parametrize(
    ("start", "end", "who", "allowed"),
    [
        ("draft", "scheduled", "organiser", True),
        ("draft", "scheduled", "moderator", False),
        ("scheduled", "live", "moderator", True),
        ("live", "ended", "moderator", True),
        ("live", "ended", "official", False),
        ("ended", "archived", "organiser", True),
        ("ended", "archived", "moderator", False),
    ],
)
def test_who_may_move_a_dialogue_along(
    live_event, moderator, official, organiser, start, end, who, allowed
):
    Event.objects.filter(pk=live_event.pk).update(status=start)
    person = {"organiser": organiser, "moderator": moderator, "official": official}[who]
    if allowed:
        assert lifecycle.change_status(actor=person, event=live_event, status=end).status == end
    else:
        with pytest.raises(NotAllowed):
            lifecycle.change_status(actor=person, event=live_event, status=end)
        live_event.refresh_from_db()
        assert live_event.status == start


@pytest.mark.parametrize(
    ("start", "end"),
    [("draft", "live"), ("live", "draft"), ("archived", "live"), ("live", "nonsense")],
)
def test_impossible_transitions_are_refused(live_event, organiser, start, end):
    Event.objects.filter(pk=live_event.pk).update(status=start)
    with pytest.raises(InvalidMessage) as error:
        lifecycle.change_status(actor=organiser, event=live_event, status=end)
    assert error.value.code == "invalid_transition"


def test_ending_gives_unanswered_questions_a_due_date_and_an_official(
    live_event, moderator, official
):
    unanswered = QuestionFactory(event=live_event)
    answered = QuestionFactory(event=live_event, status=Question.Status.ANSWERED)
    pending = QuestionFactory(event=live_event, status=Question.Status.PENDING)
    lifecycle.change_status(actor=moderator, event=live_event, status="ended")
    for question in (unanswered, answered, pending):
        question.refresh_from_db()
    assert unanswered.routed_to == official
    assert unanswered.answer_due_at - timezone.now() > timedelta(days=14)
    assert answered.answer_due_at is None
    assert pending.answer_due_at is None
    assert selectors.written_answers_due(live_event) == [unanswered]


def test_an_official_answers_in_writing_and_the_asker_is_emailed(
    live_event, moderator, official, citizen, django_capture_on_commit_callbacks, run_tasks
):
    from dialogue import services as dialogue_services

    asker = dialogue_services.join_event(event=live_event, user=citizen, session=None)
    question = QuestionFactory(event=live_event, author=asker, routed_to=official)
    services.write_answer(
        actor=official,
        event=live_event,
        question_id=question.pk,
        body="Theo Điều 137 Luật Đất đai 2024, ...",
    )
    question.refresh_from_db()
    assert question.status == "approved"  # a draft is not published
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.write_answer(
            actor=official,
            event=live_event,
            question_id=question.pk,
            body="Theo Điều 137 Luật Đất đai 2024, hộ gia đình được cấp giấy chứng nhận.",
            publish=True,
        )
    question.refresh_from_db()
    assert question.status == "answered"
    assert question.answer.kind == Answer.Kind.WRITTEN
    assert question.answer.published_at is not None
    # Queued with the answer; sent when the worker runs the task.
    assert mail.outbox == []
    assert run_tasks() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [citizen.email]
    assert "Điều 137" in mail.outbox[0].body
    # While the dialogue is live its archive is not open: the link is its page, at the question.
    link = f"{settings.SITE_URL}/e/{live_event.slug}/#q{question.pk}"
    assert link in mail.outbox[0].body
    assert Client().get(f"/e/{live_event.slug}/").status_code == 200
    assert Client().get(f"/e/{live_event.slug}/archive/").status_code == 404


def test_officials_answer_only_what_is_routed_to_them(live_event, official):
    other = UserFactory()
    EventRole.objects.create(event=live_event, user=other, role="official")
    question = QuestionFactory(event=live_event, routed_to=official)
    with pytest.raises(NotAllowed):
        services.start_answering(actor=other, event=live_event, question_id=question.pk)
    with pytest.raises(NotAllowed):
        services.write_answer(actor=other, event=live_event, question_id=question.pk, body="Không")
    assert not Answer.objects.exists()


def test_i_am_answering_this_puts_the_question_on_stage_with_a_live_answer(live_event, official):
    first = QuestionFactory(event=live_event, routed_to=official, stage="now")
    question = QuestionFactory(event=live_event, routed_to=official)
    services.start_answering(actor=official, event=live_event, question_id=question.pk)
    services.save_live_note(
        actor=official,
        event=live_event,
        question_id=question.pk,
        note="Điều 137, Luật Đất đai 2024",
    )
    question.refresh_from_db()
    first.refresh_from_db()
    assert (question.stage, first.status) == ("now", "answered")
    assert question.answer.kind == Answer.Kind.LIVE
    assert question.answer.recording_offset is not None
    frame = selectors.stage_frame(live_event)
    assert frame["now"]["id"] == question.pk
    assert frame["now"]["note"] == "Điều 137, Luật Đất đai 2024"


def test_the_stage_never_names_an_anonymous_asker(live_event, moderator):
    asker = ParticipantFactory(event=live_event, nickname="Tên Thật Của Tôi")
    question = QuestionFactory(event=live_event, author=asker, is_anonymous=True)
    nxt = QuestionFactory(event=live_event, author=asker, is_anonymous=True)
    services.set_stage(
        actor=moderator, event=live_event, question_id=question.pk, version=1, stage="now"
    )
    services.set_stage(
        actor=moderator, event=live_event, question_id=nxt.pk, version=1, stage="next"
    )
    frame = selectors.stage_frame(live_event)
    assert frame["now"]["author"] is None
    assert "Tên Thật" not in str(frame)


def test_renewing_the_stage_link_revokes_the_old_one(live_event, organiser, moderator):
    old = live_event.stage_token
    with pytest.raises(NotAllowed):
        services.renew_stage_link(actor=moderator, event=live_event)
    services.renew_stage_link(actor=organiser, event=live_event)
    live_event.refresh_from_db()
    assert live_event.stage_token != old


def test_a_question_put_on_stage_by_a_moderator_gets_its_place_in_the_recording(
    live_event, moderator, official
):
    question = QuestionFactory(event=live_event, routed_to=official)
    services.set_stage(
        actor=moderator, event=live_event, question_id=question.pk, version=1, stage="now"
    )
    question.refresh_from_db()
    assert question.answer.kind == Answer.Kind.LIVE
    assert question.answer.official == official
    assert question.answer.recording_offset >= 30 * 60 - 5  # the event started 30 minutes ago
