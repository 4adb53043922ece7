"""The audit log: a question, participant or dialogue before and after a change, and the entry."""

from __future__ import annotations

from typing import Any

from dialogue.models import Participant, Question
from events.models import Event, User
from moderation.models import ModerationLog
from moderation.record import audit_state

Action = ModerationLog.Action


def question_state(question: Question) -> dict[str, Any]:
    """What the audit log keeps of a question (`moderation/record.py` writes the entries)."""
    return audit_state(question)


def participant_state(participant: Participant) -> dict[str, Any]:
    """What the audit log keeps of a participant: the name others see, and a ban."""
    banned_at = participant.banned_at.isoformat() if participant.banned_at else None
    return {"participant": participant.pk, "nickname": participant.nickname, "banned_at": banned_at}


def record_change(
    *,
    actor: User,
    event: Event,
    before: dict[str, Any],
    after: dict[str, Any],
    question: Question | None = None,
    action: str = Action.ADMIN,
) -> ModerationLog | None:
    """Audit a change citizens can see that was made outside the moderation console."""
    if before == after:
        return None
    return ModerationLog.objects.create(
        event=event, actor=actor, action=action, question=question, before=before, after=after
    )


def log_action(
    *,
    actor: User,
    action: str,
    event: Event | None,
    question: Question | None = None,
    # A consultation.Comment; typed loosely because moderation does not import consultation.
    comment: Any = None,
    before: dict[str, Any],
    after: dict[str, Any],
) -> ModerationLog:
    """Write one audit entry; every moderation of a question or a draft's comment goes here."""
    return ModerationLog.objects.create(
        event=event,
        actor=actor,
        action=action,
        question=question,
        comment=comment,
        before=before,
        after=after,
    )


def _log(
    event: Event,
    actor: User,
    action: str,
    question: Question | None,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    log_action(
        actor=actor, action=action, event=event, question=question, before=before, after=after
    )
