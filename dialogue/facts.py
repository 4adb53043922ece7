"""What a question's record says, read one way by every surface.

`moderation/record.py` stores these facts at the transition that makes them true; everything
that counts or shows them (pages, consoles, the private link, emails, the archive, public
statistics, the dialogue and agency reports, exports, the API) reads them here, so two surfaces
cannot disagree about whether a question was answered, how, or whether it is overdue.

Erased questions are tombstones that keep their status and dates: the counts below include
them, so an erasure changes no figure of the record (docs/architecture.md, "The record").
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Q

from dialogue.models import Question

Status = Question.Status

# Every question asked, tombstones included.
RECEIVED = Q()
# Published at some point and still so: approved or answered (never rejected or merged).
PUBLISHED = Q(status__in=Question.PUBLIC_STATUSES)
NOT_SELECTED = Q(status=Status.REJECTED)
MERGED = Q(status=Status.MERGED)
# Answered means a published answer: the status, `answered_at` and `answered_how` are one fact
# (a database constraint keeps them together).
ANSWERED = Q(status=Status.ANSWERED)
ANSWERED_LIVE = Q(answered_how=Question.AnsweredHow.LIVE)
ANSWERED_IN_WRITING = Q(answered_how=Question.AnsweredHow.WRITTEN)
# Owed a written answer by a date (set when routed in a standing Q&A, or when a dialogue ends).
DUE_IN_WRITING = Q(answer_due_at__isnull=False)
# Given more time once by the official who has it (moderation/record.py: `extend_due`).
EXTENDED = DUE_IN_WRITING & Q(due_extended_at__isnull=False)
# Answered in writing by its due date (the extended one, if it was extended).
ANSWERED_ON_TIME = DUE_IN_WRITING & ANSWERED & Q(answered_at__lte=F("answer_due_at"))


def still_due(now: datetime) -> Q:
    """Owed a written answer, not yet answered nor closed, and not yet late."""
    return Q(answer_due_at__gte=now, answered_at__isnull=True, closed_at__isnull=True)


def overdue(now: datetime) -> Q:
    """Its due date passed before it was answered or closed (a later erasure changes nothing)."""
    return Q(answer_due_at__lt=now, answered_at__isnull=True) & (
        Q(closed_at__isnull=True) | Q(closed_at__gt=F("answer_due_at"))
    )


def fallen_due(at: datetime) -> Q:
    """Owed in writing and settled or late by `at`: answered (whenever), or overdue at `at`.

    The on-time rate counts among these only: a question whose date has not come and that is
    not answered yet is neither on time nor late.
    """
    return DUE_IN_WRITING & (ANSWERED | overdue(at))


def open_due() -> Q:
    """Still owed a written answer now: the officials' due lists (late ones included)."""
    return Q(answer_due_at__isnull=False, answered_at__isnull=True, closed_at__isnull=True)


def is_still_due(question: Question, now: datetime) -> bool:
    """`still_due` for a question already loaded."""
    return (
        question.answer_due_at is not None
        and question.answer_due_at >= now
        and question.answered_at is None
        and question.closed_at is None
    )


def is_overdue(question: Question, now: datetime) -> bool:
    """`overdue` for a question already loaded."""
    due = question.answer_due_at
    return (
        due is not None
        and due < now
        and question.answered_at is None
        and (question.closed_at is None or question.closed_at > due)
    )


def is_owed(question: Question) -> bool:
    """`open_due` for a question already loaded: the asker is told when to expect it."""
    return (
        question.answer_due_at is not None
        and question.answered_at is None
        and question.closed_at is None
    )
