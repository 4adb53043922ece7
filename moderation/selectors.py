"""Reads for the moderator console, the audit log and the public rejection counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from dialogue import facts
from dialogue import messages as public_messages
from dialogue.models import Citation, Poll, Question
from dialogue.selectors import PollSummary, poll_results, summarise_polls
from events import selectors as event_selectors
from events.models import Agency, AgencyMembership, Event, EventRole, User
from live.wire import build
from moderation import frames, messages
from moderation.models import BannedWord, ModerationLog
from moderation.screening import banned_words_in, likely_duplicates
from moderation.themes import last_themes

# Questions in these statuses are candidates for "likely duplicate of".
_COMPARABLE = (Question.Status.PENDING, Question.Status.APPROVED, Question.Status.ANSWERED)


def banned_phrases(event: Event) -> list[str]:
    """The agency's own list and the list for every agency."""
    return list(
        BannedWord.objects.filter(
            Q(agency_id=event.agency_id) | Q(agency__isnull=True)
        ).values_list("phrase", flat=True)
    )


def screen(question: Question, *, phrases: list[str], others: dict[int, str]) -> dict[str, Any]:
    """Flags and likely duplicates to show beside an incoming question."""
    candidates = {pk: text for pk, text in others.items() if pk != question.pk}
    return {
        "flags": [
            {"kind": "banned_word", "phrase": p} for p in banned_words_in(question.text, phrases)
        ],
        "duplicates": [
            {"id": pk, "score": score} for pk, score in likely_duplicates(question.text, candidates)
        ],
    }


def comparable_texts(event: Event) -> dict[int, str]:
    return dict(
        Question.objects.present()
        .filter(event=event, status__in=_COMPARABLE)
        .values_list("pk", "text")
    )


def moderator_view(question: Question, event: Event) -> dict[str, Any]:
    """One question as the console shows it, screened if it is still incoming."""
    screening = None
    if question.status == Question.Status.PENDING:
        screening = screen(question, phrases=banned_phrases(event), others=comparable_texts(event))
    return messages.question_updated(question, event, screening)


def officials(event: Event) -> list[dict[str, Any]]:
    return [
        {"id": o.user.pk, "name": o.user.public_name, "title": o.title}
        for o in event_selectors.event_officials(event=event)
    ]


def moderator_snapshot(event: Event) -> dict[str, Any]:
    """Every question of the event with screening for the incoming ones, and the event's modes."""
    questions = list(
        Question.objects.present()
        .filter(event=event)
        .select_related("author__user", "routed_to")
        .order_by("created_at")
    )
    phrases = banned_phrases(event)
    others = {q.pk: q.text for q in questions if q.status in _COMPARABLE}
    items = []
    for question in questions:
        screening = None
        if question.status == Question.Status.PENDING:
            screening = screen(question, phrases=phrases, others=others)
        items.append(messages.moderator_question(question, event, screening))
    return build(
        frames.ModSnapshot,
        event={"id": event.pk, "slug": event.slug, "title": event.title},
        modes=messages.modes(event),
        officials=officials(event),
        reasons=[
            {"code": code, "label": str(label)} for code, label in Question.RejectionReason.choices
        ],
        questions=items,
        themes=(last_themes(event.pk) or {}).get("themes"),
    )


def audit_log(event: Event) -> QuerySet[ModerationLog]:
    return ModerationLog.objects.filter(event=event).select_related("actor", "question")


def moderated_events(user: User) -> QuerySet[Event]:
    """The dialogues this person moderates: directly, as an organiser of the agency, or as one
    of its moderators in its standing legal Q&A."""
    return Event.objects.filter(
        Q(roles__user=user, roles__role=EventRole.Role.MODERATOR)
        | Q(
            agency__memberships__user=user,
            agency__memberships__role=AgencyMembership.Role.ORGANISER,
        )
        | Q(
            kind=Event.Kind.STANDING,
            agency__memberships__user=user,
            agency__memberships__role=AgencyMembership.Role.MODERATOR,
        )
    ).distinct()


def _stage_item(question: Question, titles: dict[int, str]) -> dict[str, Any]:
    answer = getattr(question, "answer", None)
    official = question.routed_to
    return {
        "id": question.pk,
        "text": question.text,
        "author": question.public_author_name,
        "votes": question.vote_count,
        "topic": question.topic or None,
        "official": {"name": official.public_name, "title": titles.get(official.pk, "")}
        if official
        else None,
        "note": answer.live_note if answer else None,
    }


def stage_frame(event: Event) -> dict[str, Any]:
    """What the hall's screen shows: the question being answered now and the next two."""
    on_stage = (
        Question.objects.filter(event=event, stage__in=[Question.Stage.NOW, Question.Stage.NEXT])
        .select_related("author__user", "routed_to", "answer")
        .order_by("queue_position", "pk")
    )
    titles = event_selectors.official_titles(events=[event])
    now = next((q for q in on_stage if q.stage == Question.Stage.NOW), None)
    upcoming = [q for q in on_stage if q.stage == Question.Stage.NEXT][:2]
    return build(
        frames.StageState,
        event={"title": event.title, "status": event.status},
        now=_stage_item(now, titles) if now else None,
        next=[_stage_item(q, titles) for q in upcoming],
        poll=stage_poll(event),
    )


def stage_poll(event: Event) -> dict[str, Any] | None:
    """The poll whose results the stage shows, with its results, or None."""
    poll = (
        Poll.objects.filter(event=event, show_on_stage=True)
        .exclude(status=Poll.Status.DRAFT)
        .prefetch_related("options")
        .first()
    )
    if poll is None:
        return None
    return public_messages.public_poll(poll, poll_results(poll_ids=[poll.pk])[poll.pk])


def polls(event: Event) -> list[PollSummary]:
    """Every poll of the dialogue with its results, for the moderators' polls page."""
    return summarise_polls(Poll.objects.filter(event=event))


# An answer's citations as the official's console shows them.
CITATIONS = Prefetch(
    "answer__citations",
    queryset=Citation.objects.select_related("article__document", "clause"),
)


def routed_questions(event: Event, official: User) -> list[Question]:
    """An official's questions in the moderators' order: on stage, up next, then by votes."""
    questions = (
        Question.objects.present()
        .filter(event=event, routed_to=official)
        .exclude(status__in=[Question.Status.REJECTED, Question.Status.MERGED])
        .select_related("author__user", "answer")
        .prefetch_related(CITATIONS)
    )
    order = {Question.Stage.NOW: 0, Question.Stage.NEXT: 1, "": 2}
    return sorted(questions, key=lambda q: (order[q.stage], q.queue_position, -q.vote_count, q.pk))


def written_answers_due(event: Event) -> list[Question]:
    """Questions left to answer in writing, soonest due first, with who has them."""
    return list(
        Question.objects.filter(facts.open_due(), event=event)
        .select_related("event", "routed_to", "answer")
        .order_by("answer_due_at", "pk")
    )


def agency_answers_due(agency: Agency) -> list[Question]:
    """Written answers left to give in every dialogue of the agency, soonest due first."""
    return list(
        Question.objects.filter(facts.open_due(), event__agency=agency)
        .select_related("event", "routed_to", "answer", "reminder", "escalation")
        .order_by("answer_due_at", "pk")
    )


def answers_to_escalate(*, now: datetime) -> QuerySet[Question]:
    """Written answers overdue now, not yet reported to their agency's organisers."""
    return Question.objects.filter(
        facts.open_due(), answer_due_at__lt=now, escalation__isnull=True
    ).order_by("answer_due_at", "pk")


def answers_to_remind(*, now: datetime, within: timedelta) -> QuerySet[Question]:
    """Written answers due within `within` whose official has not been reminded yet."""
    return Question.objects.filter(
        facts.open_due(),
        answer_due_at__gt=now,
        answer_due_at__lte=now + within,
        routed_to__isnull=False,
        reminder__isnull=True,
    ).order_by("answer_due_at", "pk")
