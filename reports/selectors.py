"""Reads behind the reports: every count is one aggregate query over the dialogue's own rows."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from dialogue import facts
from dialogue.models import (
    Answer,
    AnswerRating,
    Participant,
    Poll,
    PresenceSample,
    Question,
    Vote,
)
from dialogue.selectors import PollSummary, summarise_polls
from events.models import Agency, Event, User
from events.permissions import MAX_AGENCY_DEPTH


@dataclass
class DialogueReport:
    event: Event
    participants: int
    peak_concurrent: int
    presence: list[tuple[datetime, int]]
    received: int
    approved: int
    rejected: int
    rejected_by_reason: list[tuple[str, str, int]]
    merged: int
    answered_live: int
    answered_written: int
    still_due: int
    overdue: int
    votes: int
    questions_per_minute: float
    median_minutes_to_answer: float | None
    top_questions: list[Question]
    by_topic: list[tuple[str, int]]
    by_official: list[tuple[str, int]]
    satisfaction: Satisfaction = field(default_factory=lambda: Satisfaction(0, None, [0] * 5))
    satisfaction_by_official: list[tuple[str, Satisfaction]] = field(default_factory=list)


@dataclass
class Satisfaction:
    """How the answers were rated: how many ratings, their mean, and how many gave 1, 2, … 5."""

    ratings: int
    average: float | None
    distribution: list[int]


def satisfaction(ratings: QuerySet[AnswerRating]) -> Satisfaction:
    """The ratings' count, mean (one decimal) and distribution; never who rated."""
    counts = {r["score"]: r["n"] for r in ratings.values("score").annotate(n=Count("pk"))}
    total = sum(counts.values())
    mean = sum(score * n for score, n in counts.items()) / total if total else None
    return Satisfaction(
        ratings=total,
        average=round(mean, 1) if mean is not None else None,
        distribution=[counts.get(score, 0) for score in range(1, 6)],
    )


def active_participants(event: Event) -> QuerySet[Participant]:
    """Participants who asked or voted in the dialogue; joining alone leaves no row elsewhere."""
    return (
        Participant.objects.filter(event=event)
        .filter(Q(questions__isnull=False) | Q(votes__isnull=False))
        .distinct()
    )


def dialogue_report(event: Event, *, now: datetime | None = None) -> DialogueReport:
    """Everything the per-dialogue report shows, counted from the database."""
    now = now or timezone.now()
    questions = Question.objects.filter(event=event)
    # Tombstones of erased questions are counted: an erasure changes no figure (dialogue/facts.py).
    counts = questions.aggregate(
        received=Count("pk", filter=facts.RECEIVED),
        approved=Count("pk", filter=facts.PUBLISHED),
        rejected=Count("pk", filter=facts.NOT_SELECTED),
        merged=Count("pk", filter=facts.MERGED),
        answered_live=Count("pk", filter=facts.ANSWERED_LIVE),
        answered_written=Count("pk", filter=facts.ANSWERED_IN_WRITING),
        still_due=Count("pk", filter=facts.still_due(now)),
        overdue=Count("pk", filter=facts.overdue(now)),
    )
    # The answers that count: published ones, of answered questions.
    answers = Answer.objects.filter(question__event=event).filter(
        question__status=Question.Status.ANSWERED
    )
    reasons = dict(Question.RejectionReason.choices)
    rejected_by_reason = [
        (row["rejection_reason"], str(reasons.get(row["rejection_reason"], "—")), row["n"])
        for row in questions.filter(status=Question.Status.REJECTED)
        .values("rejection_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "rejection_reason")
    ]
    samples = list(
        PresenceSample.objects.filter(event=event)
        .order_by("recorded_at")
        .values_list("recorded_at", "connected")
    )
    minutes = max((event.ends_at - event.starts_at).total_seconds() / 60, 1)
    waits = [
        (answered_at - asked_at).total_seconds() / 60
        for asked_at, answered_at in questions.filter(facts.ANSWERED).values_list(
            "created_at", "answered_at"
        )
        if answered_at is not None
    ]
    by_topic = [
        (row["topic"] or "—", row["n"])
        for row in questions.values("topic").annotate(n=Count("pk")).order_by("-n", "topic")
    ]
    by_official = [
        (row["official__display_name"] or row["official__email"] or "—", row["n"])
        for row in answers.values("official__display_name", "official__email")
        .annotate(n=Count("pk"))
        .order_by("-n")
    ]
    return DialogueReport(
        event=event,
        participants=active_participants(event).count(),
        peak_concurrent=max((c for _, c in samples), default=0),
        presence=samples,
        received=counts["received"],
        approved=counts["approved"],
        rejected=counts["rejected"],
        rejected_by_reason=rejected_by_reason,
        merged=counts["merged"],
        answered_live=counts["answered_live"],
        answered_written=counts["answered_written"],
        still_due=counts["still_due"],
        overdue=counts["overdue"],
        votes=Vote.objects.filter(question__event=event).count(),
        questions_per_minute=round(counts["received"] / minutes, 2),
        median_minutes_to_answer=round(statistics.median(waits), 1) if waits else None,
        top_questions=list(
            questions.present().filter(facts.PUBLISHED).order_by("-vote_count", "pk")[:10]
        ),
        by_topic=by_topic,
        by_official=by_official,
        satisfaction=satisfaction(AnswerRating.objects.filter(answer__question__event=event)),
        satisfaction_by_official=[
            (
                official.display_name or official.email,
                satisfaction(
                    AnswerRating.objects.filter(
                        answer__question__event=event, answer__official=official
                    )
                ),
            )
            for official in User.objects.filter(
                answers__question__event=event, answers__ratings__isnull=False
            ).distinct()
        ],
    )


def dialogue_polls(event: Event) -> list[PollSummary]:
    """The polls put to the audience (prepared ones never opened left out), with their counts."""
    polls = Poll.objects.filter(event=event).exclude(status=Poll.Status.DRAFT)
    return summarise_polls(polls.order_by("opened_at", "pk"))


def agency_and_descendants(agency: Agency) -> list[Agency]:
    """The agency, then its sub-agencies down the hierarchy, breadth first."""
    found = [agency]
    level = [agency.pk]
    for _depth in range(MAX_AGENCY_DEPTH):
        children = list(
            Agency.objects.filter(parent_id__in=level).exclude(pk__in=[a.pk for a in found])
        )
        if not children:
            break
        found.extend(children)
        level = [a.pk for a in children]
    return found


@dataclass
class AgencyRow:
    label: str
    dialogues: int = 0
    participants: int = 0
    peak_concurrent: int = 0
    received: int = 0
    published: int = 0
    answered_live: int = 0
    answered_written: int = 0
    answered_on_time: int = 0
    due_in_writing: int = 0
    rejected: int = 0

    @property
    def answered(self) -> int:
        return self.answered_live + self.answered_written

    @property
    def on_time_percent(self) -> float | None:
        if not self.due_in_writing:
            return None
        return round(100 * self.answered_on_time / self.due_in_writing, 1)


@dataclass
class AgencyReport:
    agency: Agency
    start: datetime
    end: datetime
    total: AgencyRow
    by_agency: list[AgencyRow]
    by_field: list[AgencyRow]
    rejected_by_reason: list[tuple[str, int]]
    legal_documents: list[str] = field(default_factory=list)
    satisfaction: Satisfaction | None = None
    standing: StandingRow | None = None


@dataclass
class StandingRow:
    """The standing legal Q&A of the agencies, counted by the questions asked in the period."""

    received: int = 0
    published: int = 0
    rejected: int = 0
    due_in_writing: int = 0
    answered: int = 0
    answered_on_time: int = 0
    overdue: int = 0  # due before the period's end (or now), still unanswered

    @property
    def on_time_percent(self) -> float | None:
        if not self.due_in_writing:
            return None
        return round(100 * self.answered_on_time / self.due_in_writing, 1)


HELD = (Event.Status.LIVE, Event.Status.ENDED)


def _standing_row(agencies: list[Agency], *, start: datetime, end: datetime) -> StandingRow | None:
    """What the agencies' standing Q&As received from start to end, and what became of it."""
    ids = list(
        Event.objects.filter(agency__in=agencies, kind=Event.Kind.STANDING).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return None
    asked = Question.objects.filter(event_id__in=ids, created_at__gte=start, created_at__lt=end)
    counts = asked.aggregate(
        received=Count("pk", filter=facts.RECEIVED),
        published=Count("pk", filter=facts.PUBLISHED),
        rejected=Count("pk", filter=facts.NOT_SELECTED),
        due=Count("pk", filter=facts.DUE_IN_WRITING),
        answered=Count("pk", filter=facts.ANSWERED),
        on_time=Count("pk", filter=facts.ANSWERED_ON_TIME),
        overdue=Count("pk", filter=facts.overdue(min(end, timezone.now()))),
    )
    return StandingRow(
        received=counts["received"],
        published=counts["published"],
        rejected=counts["rejected"],
        due_in_writing=counts["due"],
        answered=counts["answered"],
        answered_on_time=counts["on_time"],
        overdue=counts["overdue"],
    )


def _row(label: str, events: list[Event]) -> AgencyRow:
    row = AgencyRow(label=label, dialogues=len(events))
    ids = [e.pk for e in events]
    if not ids:
        return row
    row.participants = (
        Participant.objects.filter(event_id__in=ids)
        .filter(Q(questions__isnull=False) | Q(votes__isnull=False))
        .distinct()
        .count()
    )
    row.peak_concurrent = sum(
        r["peak"] or 0
        for r in PresenceSample.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(peak=Max("connected"))
    )
    q = Question.objects.filter(event_id__in=ids).aggregate(
        received=Count("pk", filter=facts.RECEIVED),
        published=Count("pk", filter=facts.PUBLISHED),
        rejected=Count("pk", filter=facts.NOT_SELECTED),
        due=Count("pk", filter=facts.DUE_IN_WRITING),
        live=Count("pk", filter=facts.ANSWERED_LIVE),
        written=Count("pk", filter=facts.ANSWERED_IN_WRITING),
        on_time=Count("pk", filter=facts.ANSWERED_ON_TIME),
    )
    row.received, row.published, row.rejected = q["received"], q["published"], q["rejected"]
    row.due_in_writing = q["due"]
    row.answered_live, row.answered_written = q["live"], q["written"]
    row.answered_on_time = q["on_time"]
    return row


def agency_report(agency: Agency, *, start: datetime, end: datetime) -> AgencyReport:
    """The agency's and its sub-agencies' dialogues held from start (inclusive) to end."""
    agencies = agency_and_descendants(agency)
    # The dialogues held in the period; the standing Q&As are counted apart, by question.
    events = list(
        Event.objects.filter(
            agency__in=agencies,
            kind=Event.Kind.DIALOGUE,
            status__in=HELD,
            starts_at__gte=start,
            starts_at__lt=end,
        ).select_related("agency")
    )
    fields = dict(Event.LegalField.choices)
    by_agency = [_row(a.name, [e for e in events if e.agency_id == a.pk]) for a in agencies]
    field_keys = sorted({e.legal_field for e in events})
    by_field = [
        _row(str(fields.get(k, k or "—")), [e for e in events if e.legal_field == k])
        for k in field_keys
    ]
    reasons = dict(Question.RejectionReason.choices)
    rejected = [
        (str(reasons.get(r["rejection_reason"], "—")), r["n"])
        for r in Question.objects.filter(event__in=events, status=Question.Status.REJECTED)
        .values("rejection_reason")
        .annotate(n=Count("pk"))
        .order_by("-n")
    ]
    documents = sorted(
        {f"{d.number} {d.title}".strip() for e in events for d in e.legal_documents.all()}
    )
    return AgencyReport(
        agency=agency,
        start=start,
        end=end,
        total=_row(agency.name, events),
        by_agency=by_agency,
        by_field=by_field,
        rejected_by_reason=rejected,
        legal_documents=documents,
        satisfaction=satisfaction(AnswerRating.objects.filter(answer__question__event__in=events)),
        standing=_standing_row(agencies, start=start, end=end),
    )
