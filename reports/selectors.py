"""Reads behind the reports: every count is one aggregate query over the dialogue's own rows."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from consultation.models import Comment, Draft, Reply
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
from dialogue.selectors import PollSummary, counted_ratings, summarise_polls
from events.models import Agency, AgencyChange, Event, User
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
        peak_concurrent=max((c for _at, c in samples), default=0),
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
        satisfaction=satisfaction(counted_ratings().filter(answer__question__event=event)),
        satisfaction_by_official=[
            (
                official.display_name or official.email,
                satisfaction(
                    counted_ratings().filter(
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
    """The agency, then its sub-agencies down the hierarchy, breadth first; agencies merged
    into another are left out (their history is their successor's, `_Holders`)."""
    found = [agency]
    level = [agency.pk]
    for _depth in range(MAX_AGENCY_DEPTH):
        children = list(
            Agency.objects.filter(parent_id__in=level, merged_into__isnull=True).exclude(
                pk__in=[a.pk for a in found]
            )
        )
        if not children:
            break
        found.extend(children)
        level = [a.pk for a in children]
    return found


@dataclass
class AgencyRow:
    """A row of the agency report's dialogue tables: a sub-agency, a legal field, or the total.

    Counts of dialogues and questions add up: the sub-agencies' rows (or the legal fields') sum
    to the total. Unique people do not: a person who took part in two rows' dialogues is in both
    rows and once in the total. Where a figure is summed across the dialogues, its name says so.
    """

    label: str
    dialogues: int = 0
    online: int = 0
    hybrid: int = 0
    in_person: int = 0
    # Unique people who asked or voted: an account once across the row's dialogues, a nickname
    # participant (who has no account to recognise again) once in its dialogue.
    participants: int = 0
    # Each dialogue's participants, summed across the row's dialogues ("lượt người").
    participations: int = 0
    # The most people connected at once in any single dialogue of the row.
    largest_peak: int = 0
    # Each dialogue's peak, summed across the row's dialogues.
    peaks_summed: int = 0
    received: int = 0
    published: int = 0
    answered_live: int = 0
    answered_written: int = 0
    answered_on_time: int = 0
    due_in_writing: int = 0
    # Of those, answered (whenever) or overdue: the on-time rate's base (dialogue/facts.py).
    fallen_due: int = 0
    # Due before the period's end (or now, if sooner) and not answered by then.
    overdue: int = 0
    rejected: int = 0
    # Not selected, by reason: the reason's label and how many, most frequent first.
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    ratings: int = 0
    average_rating: float | None = None

    @property
    def answered(self) -> int:
        return self.answered_live + self.answered_written

    @property
    def on_time_percent(self) -> float | None:
        """Answered on time among the questions fallen due; none fallen due: no rate."""
        if not self.fallen_due:
            return None
        return round(100 * self.answered_on_time / self.fallen_due, 1)


@dataclass
class StandingRow:
    """The standing legal Q&A of the agencies, counted by the questions asked in the period."""

    received: int = 0
    published: int = 0
    rejected: int = 0
    due_in_writing: int = 0
    fallen_due: int = 0  # of those, answered or overdue: the on-time rate's base
    # Of those, given more time once (None in a report issued before it was counted).
    extended: int | None = None
    answered: int = 0
    answered_on_time: int = 0
    overdue: int = 0  # due before the period's end (or now), still unanswered
    label: str = ""  # the sub-agency or the legal field; empty for the total
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    ratings: int = 0
    average_rating: float | None = None

    @property
    def on_time_percent(self) -> float | None:
        """Answered on time among the questions fallen due; none fallen due: no rate."""
        if not self.fallen_due:
            return None
        return round(100 * self.answered_on_time / self.fallen_due, 1)


@dataclass
class ConsultationRow:
    """Comments on the agencies' draft documents sent in the period, and the agency's replies."""

    label: str
    drafts: int = 0  # drafts that received a comment in the period
    received: int = 0
    published: int = 0
    rejected: int = 0
    responded: int = 0  # with the agency's reply
    accepted: int = 0
    partly_accepted: int = 0
    explained: int = 0


@dataclass
class OfficialRow:
    """What one official did with the report's questions (or, unnamed, what nobody was given)."""

    label: str
    answered_live: int = 0
    answered_written: int = 0
    answered_on_time: int = 0
    # Routed to the official, due before the period's end (or now), not answered by then.
    overdue: int = 0
    ratings: int = 0
    average_rating: float | None = None


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
    standing_by_agency: list[StandingRow] = field(default_factory=list)
    standing_by_field: list[StandingRow] = field(default_factory=list)
    consultation: ConsultationRow | None = None
    consultation_by_agency: list[ConsultationRow] = field(default_factory=list)
    by_official: list[OfficialRow] = field(default_factory=list)


HELD = (Event.Status.LIVE, Event.Status.ENDED)

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Shown for a question with no reason and a standing question with no legal field.
NONE_LABEL = "—"
# The officials' row of the overdue questions nobody was given.
UNROUTED = gettext_lazy("Routed to no official")


@dataclass
class _QuestionFigures:
    """What every table counts of a set of questions, from their stored facts."""

    received: int
    published: int
    rejected: int
    due_in_writing: int
    fallen_due: int
    extended: int
    answered: int
    answered_live: int
    answered_written: int
    answered_on_time: int
    overdue: int
    rejected_by_reason: dict[str, int]
    ratings: int
    average_rating: float | None


def _question_figures(questions: QuerySet[Question], *, late_at: datetime) -> _QuestionFigures:
    """Received, published, answered (how, on time), overdue at `late_at`, rejected by reason,
    and the ratings of their answers; tombstones of erased questions included."""
    counts = questions.aggregate(
        received=Count("pk", filter=facts.RECEIVED),
        published=Count("pk", filter=facts.PUBLISHED),
        rejected=Count("pk", filter=facts.NOT_SELECTED),
        due=Count("pk", filter=facts.DUE_IN_WRITING),
        fallen_due=Count("pk", filter=facts.fallen_due(late_at)),
        extended=Count("pk", filter=facts.EXTENDED),
        answered=Count("pk", filter=facts.ANSWERED),
        live=Count("pk", filter=facts.ANSWERED_LIVE),
        written=Count("pk", filter=facts.ANSWERED_IN_WRITING),
        on_time=Count("pk", filter=facts.ANSWERED_ON_TIME),
        overdue=Count("pk", filter=facts.overdue(late_at)),
    )
    rated = satisfaction(counted_ratings().filter(answer__question__in=questions))
    return _QuestionFigures(
        received=counts["received"],
        published=counts["published"],
        rejected=counts["rejected"],
        due_in_writing=counts["due"],
        fallen_due=counts["fallen_due"],
        extended=counts["extended"],
        answered=counts["answered"],
        answered_live=counts["live"],
        answered_written=counts["written"],
        answered_on_time=counts["on_time"],
        overdue=counts["overdue"],
        rejected_by_reason=_reasons(questions),
        ratings=rated.ratings,
        average_rating=rated.average,
    )


def _reasons(questions: QuerySet[Question]) -> dict[str, int]:
    """The questions not selected, by the reason's label, most frequent first."""
    labels = dict(Question.RejectionReason.choices)
    found: dict[str, int] = {}
    for row in (
        questions.filter(facts.NOT_SELECTED)
        .values("rejection_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "rejection_reason")
    ):
        label = str(labels.get(row["rejection_reason"], NONE_LABEL))
        found[label] = found.get(label, 0) + row["n"]
    return found


def _late_at(end: datetime) -> datetime:
    """When a question counts as overdue for a period: at its end, or now if that is sooner."""
    return min(end, timezone.now())


def _standing_row(label: str, asked: QuerySet[Question], *, end: datetime) -> StandingRow:
    figures = _question_figures(asked, late_at=_late_at(end))
    return StandingRow(
        label=label,
        received=figures.received,
        published=figures.published,
        rejected=figures.rejected,
        due_in_writing=figures.due_in_writing,
        fallen_due=figures.fallen_due,
        extended=figures.extended,
        answered=figures.answered,
        answered_on_time=figures.answered_on_time,
        overdue=figures.overdue,
        rejected_by_reason=figures.rejected_by_reason,
        ratings=figures.ratings,
        average_rating=figures.average_rating,
    )


@dataclass
class _Standing:
    total: StandingRow | None
    by_agency: list[StandingRow]
    by_field: list[StandingRow]
    event_ids: list[int]


def _standing(agencies: list[Agency], *, start: datetime, end: datetime) -> _Standing:
    """What the agencies' standing Q&As received from start to end, and what became of it: in
    all, by sub-agency (a merged agency's questions, asked before its merge, in a row of its
    own), and by the legal field each asker chose (the question's topic)."""
    standing = list(
        Event.objects.filter(agency__in=agencies, kind=Event.Kind.STANDING)
        .order_by("pk")
        .values_list("agency_id", "pk")
    )
    if not standing:
        return _Standing(total=None, by_agency=[], by_field=[], event_ids=[])
    ids = [pk for _agency, pk in standing]
    holders = _Holders(ids)
    asked = Question.objects.filter(event_id__in=ids, created_at__gte=start, created_at__lt=end)
    topics = sorted(set(asked.values_list("topic", flat=True)))
    by_agency: list[StandingRow] = []
    for agency in agencies:
        mine = [pk for owner, pk in standing if owner == agency.pk]
        if not mine:
            continue
        own = Q(pk__in=[])
        merged: dict[int, tuple[_Merge, Q]] = {}
        for pk in mine:
            for merge, when in holders.segments(pk):
                if merge is None:
                    own |= when
                else:
                    held = merged.get(merge.agency.pk, (merge, Q(pk__in=[])))[1]
                    merged[merge.agency.pk] = (merge, held | when)
        by_agency.append(
            _standing_row(agency_label(agency, start=start, end=end), asked.filter(own), end=end)
        )
        by_agency.extend(
            _standing_row(merged_label(merge), asked.filter(when), end=end)
            for merge, when in merged.values()
        )
    return _Standing(
        total=_standing_row("", asked, end=end),
        by_agency=by_agency,
        by_field=[
            _standing_row(topic or NONE_LABEL, asked.filter(topic=topic), end=end)
            for topic in topics
        ],
        event_ids=ids,
    )


def _people(event_ids: list[int]) -> tuple[int, int]:
    """Unique people who asked or voted in the dialogues, and their participations summed.

    A participant row belongs to one dialogue: an account's rows are one person, counted once;
    a nickname participant cannot be recognised in another dialogue, so each row is one person.
    """
    active = Participant.objects.filter(event_id__in=event_ids).filter(
        Exists(Question.objects.filter(author_id=OuterRef("pk")))
        | Exists(Vote.objects.filter(participant_id=OuterRef("pk")))
    )
    counts = active.aggregate(
        participations=Count("pk"),
        accounts=Count("user", distinct=True),
        nicknames=Count("pk", filter=Q(user__isnull=True)),
    )
    return counts["accounts"] + counts["nicknames"], counts["participations"]


def _row(label: str, events: list[Event], *, end: datetime) -> AgencyRow:
    row = AgencyRow(label=label, dialogues=len(events))
    ids = [e.pk for e in events]
    if not ids:
        return row
    row.online = sum(1 for e in events if e.format == Event.Format.ONLINE)
    row.hybrid = sum(1 for e in events if e.format == Event.Format.HYBRID)
    row.in_person = sum(1 for e in events if e.format == Event.Format.IN_PERSON)
    row.participants, row.participations = _people(ids)
    peaks = [
        r["peak"] or 0
        for r in PresenceSample.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(peak=Max("connected"))
    ]
    row.largest_peak, row.peaks_summed = max(peaks, default=0), sum(peaks)
    figures = _question_figures(Question.objects.filter(event_id__in=ids), late_at=_late_at(end))
    row.received, row.published, row.rejected = (
        figures.received,
        figures.published,
        figures.rejected,
    )
    row.due_in_writing, row.overdue = figures.due_in_writing, figures.overdue
    row.fallen_due = figures.fallen_due
    row.answered_live, row.answered_written = figures.answered_live, figures.answered_written
    row.answered_on_time = figures.answered_on_time
    row.rejected_by_reason = figures.rejected_by_reason
    row.ratings, row.average_rating = figures.ratings, figures.average_rating
    return row


def _consultation_row(label: str, comments: QuerySet[Comment]) -> ConsultationRow:
    counts = comments.aggregate(
        drafts=Count("draft", distinct=True),
        received=Count("pk"),
        published=Count("pk", filter=Q(status__in=Comment.PUBLIC_STATUSES)),
        rejected=Count("pk", filter=Q(status=Comment.Status.REJECTED)),
        responded=Count("pk", filter=Q(reply__isnull=False)),
        accepted=Count("pk", filter=Q(reply__disposition=Reply.Disposition.ACCEPTED)),
        partly_accepted=Count("pk", filter=Q(reply__disposition=Reply.Disposition.PARTLY)),
        explained=Count("pk", filter=Q(reply__disposition=Reply.Disposition.EXPLAINED)),
    )
    return ConsultationRow(label=label, **counts)


def _consultation(
    agencies: list[Agency], *, labels: dict[int, str], start: datetime, end: datetime
) -> tuple[ConsultationRow | None, list[ConsultationRow]]:
    """The comments sent in the period on the agencies' drafts (erased ones' tombstones too):
    in all, and for each agency that put a draft out for comment."""
    with_drafts = set(Draft.objects.filter(agency__in=agencies).values_list("agency_id", flat=True))
    if not with_drafts:
        return None, []
    sent = Comment.objects.filter(
        draft__agency__in=agencies, created_at__gte=start, created_at__lt=end
    )
    return _consultation_row("", sent), [
        _consultation_row(labels.get(a.pk, a.name), sent.filter(draft__agency=a))
        for a in agencies
        if a.pk in with_drafts
    ]


def _officials(questions: QuerySet[Question], *, late_at: datetime) -> list[OfficialRow]:
    """Per official: the report's questions they answered (how, on time), those routed to them
    and overdue, and the ratings of their answers. Overdue questions routed to nobody get a
    row of their own."""
    rows: dict[int | None, OfficialRow] = {}
    names = {
        u.pk: u.display_name or u.email
        for u in User.objects.filter(
            Q(answers__question__in=questions) | Q(routed_questions__in=questions)
        ).distinct()
    }

    def row(pk: int | None) -> OfficialRow:
        if pk not in rows:
            rows[pk] = OfficialRow(label=names.get(pk, NONE_LABEL) if pk else str(UNROUTED))
        return rows[pk]

    for answered in (
        questions.filter(facts.ANSWERED, answer__official__isnull=False)
        .values("answer__official")
        .annotate(
            live=Count("pk", filter=facts.ANSWERED_LIVE),
            written=Count("pk", filter=facts.ANSWERED_IN_WRITING),
            on_time=Count("pk", filter=facts.ANSWERED_ON_TIME),
        )
        .order_by()
    ):
        found = row(answered["answer__official"])
        found.answered_live, found.answered_written = answered["live"], answered["written"]
        found.answered_on_time = answered["on_time"]
    for late in (
        questions.filter(facts.overdue(late_at))
        .values("routed_to")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row(late["routed_to"]).overdue = late["n"]
    for rated in (
        counted_ratings()
        .filter(answer__question__in=questions, answer__official__isnull=False)
        .values("answer__official")
        .annotate(n=Count("pk"), points=Sum("score"))
        .order_by()
    ):
        found = row(rated["answer__official"])
        found.ratings = rated["n"]
        found.average_rating = round(rated["points"] / rated["n"], 1)
    nobody = rows.pop(None, None)
    named = sorted(rows.values(), key=lambda r: (-(r.answered_live + r.answered_written), r.label))
    return [*named, nobody] if nobody is not None else named


@dataclass(frozen=True)
class _Merge:
    """A merge that moved a dialogue: who held it before, whom it went to, and when."""

    agency: Agency
    into_name: str
    at: datetime


def _local_date(moment: datetime) -> str:
    return timezone.localtime(moment, VN).strftime("%d/%m/%Y")


def merged_label(merge: _Merge) -> str:
    """A merged agency's row, e.g. "Sở Tư pháp tỉnh Bắc Giang (merged into … on 01/07/2025)"."""
    return str(
        gettext_lazy("%(agency)s (merged into %(into)s on %(date)s)")
        % {"agency": merge.agency.name, "into": merge.into_name, "date": _local_date(merge.at)}
    )


def agency_label(agency: Agency, *, start: datetime, end: datetime) -> str:
    """The agency's name, and the one it had if it was renamed during the period."""
    renamed = (
        AgencyChange.objects.filter(
            agency=agency, kind=AgencyChange.Kind.RENAME, at__gte=start, at__lt=end
        )
        .order_by("at")
        .first()
    )
    if renamed is None or renamed.before["name"] == agency.name:
        return agency.name
    return str(
        gettext_lazy("%(agency)s (named “%(old)s” until %(date)s)")
        % {"agency": agency.name, "old": renamed.before["name"], "date": _local_date(renamed.at)}
    )


class _Holders:
    """Who held each dialogue of the report: the agency it belongs to now, or, for one a merge
    moved, the agency that held it at the moment that counts (a dialogue's start, a standing
    question's asking): the first merge after that moment names it."""

    def __init__(self, event_ids: list[int]) -> None:
        self.merges: dict[int, list[_Merge]] = {}
        through = AgencyChange.moved_events.through
        for link in (
            through.objects.filter(event_id__in=event_ids, agencychange__kind="merge")
            .select_related("agencychange__agency")
            .order_by("agencychange__at", "agencychange_id")
        ):
            change = link.agencychange
            self.merges.setdefault(link.event_id, []).append(
                _Merge(agency=change.agency, into_name=change.before["into"]["name"], at=change.at)
            )

    def at(self, event_id: int, moment: datetime) -> _Merge | None:
        """The merge whose agency held the dialogue at `moment`; None: its agency now."""
        return next((m for m in self.merges.get(event_id, []) if m.at > moment), None)

    def segments(self, event_id: int) -> list[tuple[_Merge | None, Q]]:
        """A standing Q&A's questions by who held it when each was asked."""
        found: list[tuple[_Merge | None, Q]] = []
        since: datetime | None = None
        for merge in self.merges.get(event_id, []):
            asked = Q(event_id=event_id, created_at__lt=merge.at)
            found.append((merge, asked & Q(created_at__gte=since) if since else asked))
            since = merge.at
        since_last = Q(created_at__gte=since) if since else Q()
        found.append((None, Q(event_id=event_id) & since_last))
        return found


def _by_holder(
    agencies: list[Agency],
    events: list[Event],
    holders: _Holders,
    *,
    start: datetime,
    end: datetime,
) -> list[tuple[str, list[Event]]]:
    """The dialogues by agency: each agency's own, then those of each agency merged into it,
    held before the merge, under the merged agency's labelled name."""
    rows: list[tuple[str, list[Event]]] = []
    for agency in agencies:
        mine = [e for e in events if e.agency_id == agency.pk]
        own = [e for e in mine if holders.at(e.pk, e.starts_at) is None]
        rows.append((agency_label(agency, start=start, end=end), own))
        merged: dict[int, tuple[_Merge, list[Event]]] = {}
        for event in mine:
            merge = holders.at(event.pk, event.starts_at)
            if merge is not None:
                merged.setdefault(merge.agency.pk, (merge, []))[1].append(event)
        rows.extend((merged_label(merge), held) for merge, held in merged.values())
    return rows


def merged_into_any(agencies: list[Agency]) -> list[tuple[Agency, _Merge]]:
    """The agencies merged into these (however far back), with their merge, oldest first."""
    found: list[tuple[Agency, _Merge]] = []
    level = [a.pk for a in agencies]
    seen = set(level)
    for _depth in range(MAX_AGENCY_DEPTH):
        changes = list(
            AgencyChange.objects.filter(kind=AgencyChange.Kind.MERGE, into_id__in=level)
            .exclude(agency_id__in=seen)
            .select_related("agency")
            .order_by("at", "pk")
        )
        if not changes:
            break
        for change in changes:
            found.append(
                (
                    change.agency,
                    _Merge(
                        agency=change.agency,
                        into_name=change.before["into"]["name"],
                        at=change.at,
                    ),
                )
            )
        level = [c.agency_id for c in changes]
        seen.update(level)
    return found


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
    field_labels = dict(Event.LegalField.choices)
    holders = _Holders([e.pk for e in events])
    by_agency = [
        _row(label, held, end=end)
        for label, held in _by_holder(agencies, events, holders, start=start, end=end)
    ]
    field_keys = sorted({e.legal_field for e in events})
    by_field = [
        _row(
            str(field_labels.get(k, k or NONE_LABEL)),
            [e for e in events if e.legal_field == k],
            end=end,
        )
        for k in field_keys
    ]
    reasons = dict(Question.RejectionReason.choices)
    rejected = [
        (str(reasons.get(r["rejection_reason"], NONE_LABEL)), r["n"])
        for r in Question.objects.filter(event__in=events, status=Question.Status.REJECTED)
        .values("rejection_reason")
        .annotate(n=Count("pk"))
        .order_by("-n")
    ]
    documents = sorted(
        {f"{d.number} {d.title}".strip() for e in events for d in e.legal_documents.all()}
    )
    standing = _standing(agencies, start=start, end=end)
    # Drafts stay with the agency that put them out, merged or not: its row is labelled.
    former = merged_into_any(agencies)
    labels = {a.pk: agency_label(a, start=start, end=end) for a in agencies}
    labels.update({a.pk: merged_label(merge) for a, merge in former})
    consultation, consultation_by_agency = _consultation(
        [*agencies, *(a for a, _merge in former)], labels=labels, start=start, end=end
    )
    # The report's questions: those of the dialogues held, and those asked in the standing Q&As.
    questions = Question.objects.filter(
        Q(event_id__in=[e.pk for e in events])
        | Q(event_id__in=standing.event_ids, created_at__gte=start, created_at__lt=end)
    )
    return AgencyReport(
        agency=agency,
        start=start,
        end=end,
        total=_row(agency.name, events, end=end),
        by_agency=by_agency,
        by_field=by_field,
        rejected_by_reason=rejected,
        legal_documents=documents,
        satisfaction=satisfaction(counted_ratings().filter(answer__question__event__in=events)),
        standing=standing.total,
        standing_by_agency=standing.by_agency,
        standing_by_field=standing.by_field,
        consultation=consultation,
        consultation_by_agency=consultation_by_agency,
        by_official=_officials(questions, late_at=_late_at(end)),
    )
