"""Each way the surfaces used to disagree about a question's record, as a test.

An official's draft counted as an answer; a question put on stage and taken back counted as
answered live; a status "answered" without an answer showed "answered" on the page and 0 in the
reports; a routed question that was then not selected stayed due; an erasure changed a closed
dialogue's figures. The record now stores each fact at its transition (moderation/record.py)
and every surface reads it one way (dialogue/facts.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultation.models import Comment
from dialogue.models import Question
from erasure.services import erase_participant
from events import services as event_services
from events.models import Event
from moderation import selectors as moderation_selectors
from moderation import services
from moderation.lifecycle import change_status
from moderation.models import ModerationLog
from reports import selectors
from reports.exports import questions_csv
from tests.factories import CommentFactory, ParticipantFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def dialogue_figures(event: Event) -> tuple[int, ...]:
    report = selectors.dialogue_report(event)
    return (
        report.received,
        report.approved,
        report.rejected,
        report.answered_live,
        report.answered_written,
        report.still_due,
        report.overdue,
    )


def agency_total(event: Event) -> tuple[int, int, int]:
    now = timezone.now()
    total = selectors.agency_report(
        event.agency, start=now - timedelta(days=60), end=now + timedelta(days=60)
    ).total
    return (total.received, total.answered_live, total.answered_written)


@pytest.fixture
def live_dialogue(event: Event) -> Event:
    Event.objects.filter(pk=event.pk).update(status=Event.Status.LIVE)
    event.refresh_from_db()
    return event


def test_a_draft_written_answer_counts_nowhere(live_dialogue, moderator, official):
    question = QuestionFactory(event=live_dialogue, routed_to=official)
    change_status(actor=moderator, event=live_dialogue, status=Event.Status.ENDED)
    with time_machine.travel(timezone.now() + timedelta(days=60)):
        before = dialogue_figures(live_dialogue)
        assert before[-1] == 1  # overdue
        services.write_answer(
            actor=official,
            event=live_dialogue,
            question_id=question.pk,
            body="Bản nháp.",
            publish=False,
        )
        assert dialogue_figures(live_dialogue) == before
        assert agency_total(live_dialogue)[2] == 0
        assert "Bản nháp." not in questions_csv(live_dialogue).decode()
        statistics = Client().get(
            reverse("reports:public_statistics", args=[live_dialogue.agency.slug])
        )
        assert statistics.context["report"].total.answered_written == 0
        services.write_answer(
            actor=official,
            event=live_dialogue,
            question_id=question.pk,
            body="Trả lời.",
            publish=True,
        )
        after = dialogue_figures(live_dialogue)
    assert (after[4], after[-1]) == (1, 0)
    question.refresh_from_db()
    assert (question.answered_how, question.closed_at) == ("written", question.answered_at)


def test_a_question_put_on_stage_and_taken_back_is_not_answered(live_dialogue, moderator):
    question = QuestionFactory(event=live_dialogue)
    for stage in ("now", "none"):
        services.set_stage(
            actor=moderator, event=live_dialogue, question_id=question.pk, version=None, stage=stage
        )
    assert dialogue_figures(live_dialogue)[3] == 0
    assert agency_total(live_dialogue)[1] == 0
    question.refresh_from_db()
    assert (question.status, question.answered_at) == ("approved", None)
    services.set_stage(
        actor=moderator,
        event=live_dialogue,
        question_id=question.pk,
        version=None,
        stage="answered",
    )
    assert dialogue_figures(live_dialogue)[3] == 1


def test_answered_without_when_and_how_is_refused_by_the_database(live_dialogue):
    question = QuestionFactory(event=live_dialogue)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(status=Question.Status.ANSWERED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(
            answered_at=timezone.now(), answered_how="live"
        )


def test_the_page_and_the_reports_agree_on_what_was_answered(live_dialogue, moderator, official):
    answered = QuestionFactory(event=live_dialogue)
    services.set_stage(
        actor=moderator,
        event=live_dialogue,
        question_id=answered.pk,
        version=None,
        stage="answered",
    )
    QuestionFactory(event=live_dialogue)
    change_status(actor=moderator, event=live_dialogue, status=Event.Status.ENDED)
    page = Client().get(live_dialogue.get_absolute_url() + "archive/").content.decode()
    assert page.count('id="q') >= 1
    report = selectors.dialogue_report(live_dialogue)
    shown = Question.objects.filter(event=live_dialogue, status=Question.Status.ANSWERED).count()
    assert report.answered_live + report.answered_written == shown == 1


def test_a_routed_question_not_selected_owes_nothing(event, organiser, official):
    standing = event_services.open_standing_qa(actor=organiser, agency=event.agency, answer_days=5)
    moderator = organiser
    question = QuestionFactory(event=standing)
    services.route_question(
        actor=moderator,
        event=standing,
        question_id=question.pk,
        version=None,
        official_id=_official_of(standing, official).pk,
    )
    question.refresh_from_db()
    assert question.answer_due_at is not None
    services.reject_question(
        actor=moderator,
        event=standing,
        question_id=question.pk,
        version=None,
        reason="personal_case",
    )
    question.refresh_from_db()
    assert (question.answer_due_at, question.closed_at is not None) == (None, True)
    later = timezone.now() + timedelta(days=30)
    now = timezone.now()
    row = selectors.agency_report(
        event.agency, start=now - timedelta(days=1), end=now + timedelta(days=1)
    ).standing
    assert row is not None
    assert (row.due_in_writing, row.overdue) == (0, 0)
    with time_machine.travel(later):
        assert moderation_selectors.agency_answers_due(event.agency) == []
        assert selectors.dialogue_report(standing).overdue == 0


def _official_of(standing: Event, official):  # type: ignore[no-untyped-def]
    from events.models import EventRole

    EventRole.objects.get_or_create(event=standing, user=official, role=EventRole.Role.OFFICIAL)
    return official


def test_an_erasure_leaves_a_closed_dialogues_figures_as_they_were(live_dialogue, moderator):
    asker = ParticipantFactory(event=live_dialogue, nickname="Anh Bảy", email="bay@example.vn")
    kept = [QuestionFactory(event=live_dialogue, author=asker) for _ in range(3)]
    QuestionFactory(event=live_dialogue, status=Question.Status.PENDING, author=asker)
    services.set_stage(
        actor=moderator, event=live_dialogue, question_id=kept[0].pk, version=None, stage="answered"
    )
    services.reject_question(
        actor=moderator,
        event=live_dialogue,
        question_id=kept[1].pk,
        version=None,
        reason="off_topic",
    )
    change_status(actor=moderator, event=live_dialogue, status=Event.Status.ENDED)
    before = dialogue_figures(live_dialogue), agency_total(live_dialogue)
    assert before[0] == (4, 2, 1, 1, 0, 1, 0)
    erase_participant(participant=asker, session=None)
    after = dialogue_figures(live_dialogue), agency_total(live_dialogue)
    # Every figure of the record stays; only the workload "still due" loses the one question
    # nobody can answer any more (dialogue/facts.py: erasure closes an open question).
    assert after == ((4, 2, 1, 1, 0, 0, 0), before[1])


def test_the_audit_log_keeps_who_and_when_but_not_the_words(live_dialogue, moderator):
    asker = ParticipantFactory(event=live_dialogue, nickname="Chị Hai")
    question = QuestionFactory(event=live_dialogue, author=asker, text="Lời riêng của chị Hai")
    services.edit_question(
        actor=moderator,
        event=live_dialogue,
        question_id=question.pk,
        version=None,
        text="Lời đã sửa",
    )
    erase_participant(participant=asker, session=None)
    entry = ModerationLog.objects.get(question=question)
    assert (entry.actor, entry.action, entry.before, entry.after) == (moderator, "edit", {}, {})


def test_an_erased_commenters_words_leave_the_draft(live_dialogue, organiser):
    from consultation import services as consultation_services
    from consultation.selectors import summary_rows

    draft = consultation_services.create_draft(
        actor=organiser,
        agency=live_dialogue.agency,
        event=live_dialogue,
        title="Dự thảo",
        text="Điều 1. Phạm vi\n1. Nội dung.",
    )
    asker = ParticipantFactory(event=live_dialogue, nickname="Ông Ba")
    comment = CommentFactory(
        draft=draft,
        article=draft.articles.get(),
        participant=asker,
        text="Góp ý riêng của ông Ba",
        status=Comment.Status.APPROVED,
        published_at=timezone.now(),
    )
    erase_participant(participant=asker, session=None)
    comment.refresh_from_db()
    assert (comment.text, comment.erased_at is not None, comment.is_public) == ("", True, False)
    assert "ông Ba" not in repr(summary_rows(draft=draft))
    assert Comment.objects.filter(draft=draft).count() == 1  # still counted


def test_dates_in_the_record_are_those_of_the_transition(live_dialogue, moderator):
    question = QuestionFactory(event=live_dialogue)
    moment = datetime(2026, 12, 1, 9, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment, tick=False):
        services.set_stage(
            actor=moderator,
            event=live_dialogue,
            question_id=question.pk,
            version=None,
            stage="answered",
        )
    question.refresh_from_db()
    assert question.answered_at == question.closed_at == question.answer.published_at == moment
