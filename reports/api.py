"""The reports' aggregates in the read API, mounted on the public API object in config/urls.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from events.models import Agency, Event
from events.permissions import can_moderate, is_organiser
from events.text import date_in_range
from reports.selectors import (
    AgencyRow,
    ConsultationRow,
    OfficialRow,
    Satisfaction,
    StandingRow,
    agency_report,
    dialogue_report,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")

router = Router(tags=["reports"])


class Problem(Schema):
    detail: str | list[object]


class CountOut(Schema):
    label: str
    count: int


class StatisticsOut(Schema):
    agency: str
    dialogues_held: int
    questions_received: int
    questions_answered: int
    written_answers_due: int
    written_answers_on_time: int
    on_time_percent: float | None
    rejected_by_reason: list[CountOut]


class SatisfactionOut(Schema):
    ratings: int
    average: float | None
    distribution: list[int]  # how many gave 1, 2, 3, 4 and 5


class OfficialSatisfactionOut(SatisfactionOut):
    official: str


class DialogueReportOut(Schema):
    event: str
    participants: int
    peak_concurrent: int
    received: int
    approved: int
    rejected: int
    rejected_by_reason: list[CountOut]
    merged: int
    answered_live: int
    answered_written: int
    still_due: int
    overdue: int
    votes: int
    questions_per_minute: float
    median_minutes_to_answer: float | None
    by_topic: list[CountOut]
    by_official: list[CountOut]
    satisfaction: SatisfactionOut
    satisfaction_by_official: list[OfficialSatisfactionOut]


def _satisfaction(s: Satisfaction | None) -> SatisfactionOut:
    if s is None:
        return SatisfactionOut(ratings=0, average=None, distribution=[0] * 5)
    return SatisfactionOut(ratings=s.ratings, average=s.average, distribution=s.distribution)


SUMMED = "summed across the dialogues"


class AgencyRowOut(Schema):
    """A row of the dialogue tables. Counts add up across the rows to the total, except the
    unique participants (a person in two rows' dialogues is in both, once in the total)."""

    label: str
    dialogues: int
    online: int
    hybrid: int
    in_person: int
    participants: int = Field(
        description="Unique people who asked or voted: an account once in the row, a nickname "
        "participant once per dialogue; the rows do not add up to the total"
    )
    participations: int = Field(description=f"Each dialogue's participants, {SUMMED}")
    largest_peak: int = Field(
        description="The most people connected at once in a single dialogue of the row"
    )
    peaks_summed: int = Field(description=f"Each dialogue's peak of people connected, {SUMMED}")
    received: int
    published: int
    answered_live: int
    answered_written: int
    due_in_writing: int
    answered_on_time: int
    overdue: int = Field(
        description="Due before the period's end (or now, if sooner) and not answered by then"
    )
    rejected: int
    rejected_by_reason: list[CountOut]
    ratings: int
    average_rating: float | None


class StandingRowOut(Schema):
    """The standing legal Q&A, counted by the questions asked in the period."""

    label: str = Field(description="The sub-agency or the legal field; empty for the total")
    received: int
    published: int
    rejected: int
    due_in_writing: int
    answered: int
    answered_on_time: int
    on_time_percent: float | None
    overdue: int
    rejected_by_reason: list[CountOut]
    ratings: int
    average_rating: float | None


class ConsultationRowOut(Schema):
    """Comments on the agencies' draft documents sent in the period, and the replies."""

    label: str = Field(description="The sub-agency; empty for the total")
    drafts: int = Field(description="Drafts that received a comment in the period")
    received: int
    published: int
    rejected: int
    responded: int
    accepted: int
    partly_accepted: int
    explained: int


class OfficialRowOut(Schema):
    """What one official did with the report's questions (dialogues and standing Q&A)."""

    official: str = Field(description="The official's name; one row for questions routed to none")
    answered_live: int
    answered_written: int
    answered_on_time: int
    overdue: int = Field(description="Routed to the official, past due and not answered")
    ratings: int
    average_rating: float | None


class AgencyReportOut(Schema):
    agency: str
    start: date
    end: date
    total: AgencyRowOut
    by_agency: list[AgencyRowOut]
    by_field: list[AgencyRowOut]
    rejected_by_reason: list[CountOut]
    satisfaction: SatisfactionOut
    legal_documents: list[str]
    standing: StandingRowOut | None = Field(description="None: the agencies have no standing Q&A")
    standing_by_agency: list[StandingRowOut]
    standing_by_field: list[StandingRowOut]
    consultation: ConsultationRowOut | None = Field(
        description="None: the agencies have put no draft out for comment"
    )
    consultation_by_agency: list[ConsultationRowOut]
    by_official: list[OfficialRowOut]


def _counts(by_reason: dict[str, int]) -> list[CountOut]:
    return [CountOut(label=label, count=n) for label, n in by_reason.items()]


def _row(row: AgencyRow) -> AgencyRowOut:
    values = {name: getattr(row, name) for name in AgencyRowOut.model_fields}
    return AgencyRowOut(**{**values, "rejected_by_reason": _counts(row.rejected_by_reason)})


def _standing(row: StandingRow) -> StandingRowOut:
    values = {name: getattr(row, name) for name in StandingRowOut.model_fields}
    return StandingRowOut(**{**values, "rejected_by_reason": _counts(row.rejected_by_reason)})


def _consultation(row: ConsultationRow) -> ConsultationRowOut:
    return ConsultationRowOut(
        **{name: getattr(row, name) for name in ConsultationRowOut.model_fields}
    )


def _official(row: OfficialRow) -> OfficialRowOut:
    return OfficialRowOut(
        official=row.label,
        **{name: getattr(row, name) for name in OfficialRowOut.model_fields if name != "official"},
    )


@router.get(
    "/agencies/{slug}/statistics",
    response={200: StatisticsOut, 404: Problem},
    url_name="agency_statistics",
    summary="An agency's public statistics",
)
def agency_statistics(request: HttpRequest, slug: str) -> StatisticsOut:
    """Counts for the agency and its sub-agencies since the first dialogue; no personal data."""
    agency = get_object_or_404(Agency, slug=slug)
    report = agency_report(
        agency, start=datetime(2000, 1, 1, tzinfo=VN), end=timezone.now() + timedelta(days=1)
    )
    return StatisticsOut(
        agency=agency.slug,
        dialogues_held=report.total.dialogues,
        questions_received=report.total.received,
        questions_answered=report.total.answered,
        written_answers_due=report.total.due_in_writing,
        written_answers_on_time=report.total.answered_on_time,
        on_time_percent=report.total.on_time_percent,
        rejected_by_reason=[
            CountOut(label=label, count=n) for label, n in report.rejected_by_reason
        ],
    )


@router.get(
    "/agencies/{slug}/report",
    response={200: AgencyReportOut, 400: Problem, 403: Problem, 404: Problem, 422: Problem},
    url_name="agency_report",
    summary="An agency's report for a period (organisers, signed in; 403 otherwise)",
)
def agency_period_report(
    request: HttpRequest, slug: str, start: date, end: date
) -> AgencyReportOut:
    """The agency report's tables for start..end (inclusive dates), sub-agencies included."""
    agency = get_object_or_404(Agency, slug=slug)
    if not is_organiser(request.user, agency):
        raise HttpError(403, "not_allowed")
    if end < start:
        raise HttpError(400, "invalid_period")
    try:
        date_in_range(start)
        date_in_range(end)
    except ValidationError as error:
        raise HttpError(400, error.messages[0]) from error
    report = agency_report(
        agency,
        start=datetime.combine(start, time.min, VN),
        end=datetime.combine(end + timedelta(days=1), time.min, VN),
    )
    return AgencyReportOut(
        agency=agency.slug,
        start=start,
        end=end,
        total=_row(report.total),
        by_agency=[_row(r) for r in report.by_agency],
        by_field=[_row(r) for r in report.by_field],
        rejected_by_reason=[
            CountOut(label=label, count=n) for label, n in report.rejected_by_reason
        ],
        satisfaction=_satisfaction(report.satisfaction),
        legal_documents=report.legal_documents,
        standing=_standing(report.standing) if report.standing is not None else None,
        standing_by_agency=[_standing(r) for r in report.standing_by_agency],
        standing_by_field=[_standing(r) for r in report.standing_by_field],
        consultation=(
            _consultation(report.consultation) if report.consultation is not None else None
        ),
        consultation_by_agency=[_consultation(r) for r in report.consultation_by_agency],
        by_official=[_official(r) for r in report.by_official],
    )


@router.get(
    "/events/{slug}/report",
    response={200: DialogueReportOut, 403: Problem, 404: Problem},
    url_name="event_report",
    summary="A dialogue's report (organisers and moderators, signed in; 403 otherwise)",
)
def event_report(request: HttpRequest, slug: str) -> DialogueReportOut:
    """The per-dialogue figures of the report page."""
    event = get_object_or_404(Event, slug=slug)
    if not can_moderate(request.user, event):
        raise HttpError(403, "not_allowed")
    r = dialogue_report(event)
    return DialogueReportOut(
        event=event.slug,
        participants=r.participants,
        peak_concurrent=r.peak_concurrent,
        received=r.received,
        approved=r.approved,
        rejected=r.rejected,
        rejected_by_reason=[CountOut(label=code, count=n) for code, _l, n in r.rejected_by_reason],
        merged=r.merged,
        answered_live=r.answered_live,
        answered_written=r.answered_written,
        still_due=r.still_due,
        overdue=r.overdue,
        votes=r.votes,
        questions_per_minute=r.questions_per_minute,
        median_minutes_to_answer=r.median_minutes_to_answer,
        by_topic=[CountOut(label=label, count=n) for label, n in r.by_topic],
        by_official=[CountOut(label=label, count=n) for label, n in r.by_official],
        satisfaction=_satisfaction(r.satisfaction),
        satisfaction_by_official=[
            OfficialSatisfactionOut(
                official=name, ratings=s.ratings, average=s.average, distribution=s.distribution
            )
            for name, s in r.satisfaction_by_official
        ],
    )
