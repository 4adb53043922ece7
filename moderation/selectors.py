"""Reads for the moderator console, the audit log and the public rejection counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dialogue.models import Question
from events.models import Event, EventRole, User
from moderation import messages
from moderation.models import BannedWord, ModerationLog
from moderation.screening import banned_words_in, likely_duplicates

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
        Question.objects.filter(event=event, status__in=_COMPARABLE).values_list("pk", "text")
    )


def moderator_view(question: Question, event: Event) -> dict[str, Any]:
    """One question as the console shows it, screened if it is still incoming."""
    screening = None
    if question.status == Question.Status.PENDING:
        screening = screen(question, phrases=banned_phrases(event), others=comparable_texts(event))
    return messages.question_updated(question, event, screening)


def officials(event: Event) -> list[dict[str, Any]]:
    roles = EventRole.objects.filter(event=event, role=EventRole.Role.OFFICIAL).select_related(
        "user"
    )
    return [
        {"id": role.user_id, "name": role.user.public_name, "title": role.title} for role in roles
    ]


def moderator_snapshot(event: Event) -> dict[str, Any]:
    """Every question of the event with screening for the incoming ones, and the event's modes."""
    questions = list(
        Question.objects.filter(event=event)
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
    return {
        "type": "mod.snapshot",
        "event": {"id": event.pk, "slug": event.slug, "title": event.title},
        "modes": messages.modes(event),
        "officials": officials(event),
        "reasons": [
            {"code": code, "label": str(label)} for code, label in Question.RejectionReason.choices
        ],
        "questions": items,
    }


def audit_log(event: Event) -> QuerySet[ModerationLog]:
    return ModerationLog.objects.filter(event=event).select_related("actor", "question")


def moderated_events(user: User) -> QuerySet[Event]:
    """The dialogues this person moderates (directly, or as an organiser of the agency)."""
    return Event.objects.filter(
        Q(roles__user=user, roles__role=EventRole.Role.MODERATOR)
        | Q(agency__memberships__user=user)
    ).distinct()
