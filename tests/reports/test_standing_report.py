"""The agency report counts the standing legal Q&A by the questions asked in the period: what
was received, answered in writing on time, and what is overdue."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from dialogue.models import Question
from events import services
from reports import selectors
from tests.factories import AnswerFactory, EventFactory, QuestionFactory, enable_totp

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = datetime(2026, 1, 1, tzinfo=HANOI), datetime(2027, 1, 1, tzinfo=HANOI)


def asked(standing, when: datetime, **fields) -> Question:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        return QuestionFactory(event=standing, **fields)


def test_the_standing_qa_is_counted_by_question_and_kept_out_of_the_dialogues(event, organiser):
    standing = services.open_standing_qa(actor=organiser, agency=event.agency, answer_days=10)
    march, april = datetime(2026, 3, 2, 9, tzinfo=HANOI), datetime(2026, 4, 1, 9, tzinfo=HANOI)
    on_time = asked(
        standing, march, status=Question.Status.ANSWERED, answer_due_at=march + timedelta(days=14)
    )
    AnswerFactory(question=on_time, body="…", published_at=march + timedelta(days=3))
    asked(
        standing, april, status=Question.Status.APPROVED, answer_due_at=april + timedelta(days=14)
    )
    asked(standing, april, status=Question.Status.REJECTED, rejection_reason="off_topic")
    asked(standing, datetime(2025, 6, 1, 9, tzinfo=HANOI))  # before the period
    EventFactory(agency=event.agency)

    with time_machine.travel(datetime(2026, 12, 4, 9, tzinfo=HANOI), tick=False):
        report = selectors.agency_report(event.agency, start=START, end=END)
    row = report.standing
    assert row is not None
    assert (row.received, row.published, row.rejected) == (3, 2, 1)
    assert (row.due_in_writing, row.answered, row.answered_on_time, row.overdue) == (2, 1, 1, 1)
    assert row.on_time_percent == 50.0
    # The two dialogues are counted as dialogues; the standing Q&A's questions are not theirs.
    assert report.total.dialogues == 2
    assert report.total.received == 0

    enable_totp(organiser)
    client = Client()
    client.force_login(organiser)
    page = client.get(
        reverse("reports:agency", args=[event.agency.slug]),
        {"start": "2026-01-01", "end": "2026-12-31"},
    ).content.decode()
    assert '<span data-figure="standing-received">3</span>' in page
    assert '<span data-figure="standing-overdue">1</span>' in page


def test_an_agency_without_a_standing_qa_reports_none(event):
    assert selectors.agency_report(event.agency, start=START, end=END).standing is None


def test_the_on_time_rate_counts_only_the_questions_that_have_fallen_due(event, organiser):
    standing = services.open_standing_qa(actor=organiser, agency=event.agency, answer_days=10)
    november = datetime(2026, 11, 2, 9, tzinfo=HANOI)
    on_time = asked(
        standing, november, status=Question.Status.ANSWERED, answer_due_at=november + timedelta(14)
    )
    AnswerFactory(question=on_time, body="…", published_at=november + timedelta(days=3))
    # Asked on 1 December, due on 15 December: on 4 December it is neither on time nor late.
    december = datetime(2026, 12, 1, 9, tzinfo=HANOI)
    not_yet = asked(
        standing, december, status=Question.Status.APPROVED, answer_due_at=december + timedelta(14)
    )

    with time_machine.travel(datetime(2026, 12, 4, 9, tzinfo=HANOI), tick=False):
        report = selectors.agency_report(event.agency, start=START, end=END)
    row = report.standing
    assert row is not None
    assert (row.due_in_writing, row.fallen_due, row.answered_on_time) == (2, 1, 1)
    assert row.on_time_percent == 100.0

    # On 20 December it has fallen due unanswered: late, and the rate halves.
    with time_machine.travel(datetime(2026, 12, 20, 9, tzinfo=HANOI), tick=False):
        later = selectors.agency_report(event.agency, start=START, end=END).standing
    assert later is not None
    assert (later.fallen_due, later.overdue, later.on_time_percent) == (2, 1, 50.0)
    assert not_yet.answered_at is None
