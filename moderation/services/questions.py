"""What moderators do to a question: approve, reject, edit, tag, star, route, stage, merge.

Each action names the `version` the moderator saw. If someone changed the question since, the
action is refused with `StaleVersion` (code `conflict`) carrying the current state, so the
console refreshes that item instead of overwriting the other moderator's change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue.models import Answer, Question, Vote
from dialogue.services import announce_change, clean_text
from events import permissions
from events.errors import Conflict, InvalidMessage, NotAllowed, NotFound
from events.models import Event, EventRole, User
from events.workdays import add_working_days
from live.broadcast import broadcast_on_commit
from live.groups import (
    moderators_group,
    official_group,
    stage_group,
)
from moderation import messages
from moderation.models import ModerationLog
from moderation.selectors import stage_frame
from moderation.services.asker import email_asker
from moderation.services.audit import _log, _state

Action = ModerationLog.Action


class StaleVersion(Conflict):
    """The question changed since the moderator saw it; `question` is its current state."""

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question


def ensure_can_moderate(actor: User, event: Event) -> None:
    if not permissions.can_moderate(actor, event):
        raise NotAllowed(_("Only the moderators of this dialogue may do that."))


def _lock(event: Event, question_id: int, version: int | None) -> Question:
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("author__user", "routed_to")
        .filter(pk=question_id, event=event)
        .first()
    )
    if question is None:
        raise NotFound(_("There is no such question in this dialogue."))
    if version is not None and question.version != version:
        raise StaleVersion(question)
    return question


def _save(
    event: Event,
    actor: User,
    action: str,
    question: Question,
    before: dict[str, Any],
    *,
    was_public: bool,
    fields: Iterable[str],
) -> Question:
    """Persist a changed question, log it, and tell the moderators, the public and the asker."""
    question.version += 1
    question.save(update_fields=[*fields, "version"])
    _log(event, actor, action, question, before, _state(question))
    broadcast_on_commit(moderators_group(event.pk), messages.question_updated(question, event))
    announce_change(question, was_public=was_public)
    if before["routed_to"] and before["routed_to"] != question.routed_to_id:
        broadcast_on_commit(
            official_group(event.pk, before["routed_to"]),
            messages.official_question_removed(question),
        )
    if question.routed_to_id:
        broadcast_on_commit(
            official_group(event.pk, question.routed_to_id),
            messages.official_question_updated(question),
        )
    if question.stage or before["stage"]:
        broadcast_on_commit(stage_group(event.pk), stage_frame(event))
    return question


@transaction.atomic
def approve_question(
    *, actor: User, event: Event, question_id: int, version: int | None
) -> Question:
    """Publish a question (from incoming or from rejected)."""
    ensure_can_moderate(actor, event)
    return do_approve_question(actor=actor, event=event, question_id=question_id, version=version)


@transaction.atomic
def do_approve_question(
    *, actor: User, event: Event, question_id: int, version: int | None = None
) -> Question:
    """Publish a question, audited and announced, for an actor whose right the caller checked.

    The moderators' socket and pages check the moderator's role (`approve_question`); the admin
    checks Django's model permission; the demo data acts as its named system account.
    """
    question = _lock(event, question_id, version)
    if question.status == Question.Status.MERGED:
        raise InvalidMessage(_("A merged question cannot be approved."), code="invalid_state")
    before, was_public = _state(question), question.is_public
    if question.status != Question.Status.ANSWERED:
        question.status = Question.Status.APPROVED
    question.published_at = question.published_at or timezone.now()
    question.rejection_reason = question.rejection_note = ""
    fields = ["status", "published_at", "rejection_reason", "rejection_note"]
    return _save(
        event, actor, Action.APPROVE, question, before, was_public=was_public, fields=fields
    )


@transaction.atomic
def reject_question(
    *, actor: User, event: Event, question_id: int, version: int | None, reason: str, note: str = ""
) -> Question:
    """Hide a question from the public with a reason the asker sees."""
    ensure_can_moderate(actor, event)
    return do_reject_question(
        actor=actor, event=event, question_id=question_id, version=version, reason=reason, note=note
    )


@transaction.atomic
def do_reject_question(
    *,
    actor: User,
    event: Event,
    question_id: int,
    version: int | None = None,
    reason: str,
    note: str = "",
) -> Question:
    """Hide a question, audited and announced, for an actor whose right the caller checked."""
    if reason not in Question.RejectionReason.values:
        raise InvalidMessage(_("Choose a reason from the list."), code="invalid_reason")
    question = _lock(event, question_id, version)
    before, was_public = _state(question), question.is_public
    question.status = Question.Status.REJECTED
    question.stage = Question.Stage.NONE
    question.rejection_reason = reason
    question.rejection_note = note.strip()[:300]
    fields = ["status", "stage", "rejection_reason", "rejection_note"]
    return _save(
        event, actor, Action.REJECT, question, before, was_public=was_public, fields=fields
    )


@transaction.atomic
def edit_question(
    *, actor: User, event: Event, question_id: int, version: int | None, text: str
) -> Question:
    """Correct a question's text; the asker's original words are kept."""
    ensure_can_moderate(actor, event)
    question = _lock(event, question_id, version)
    text = clean_text(text, max_length=event.question_max_length, field=_("question"))
    if text == question.text:
        return question
    before, was_public = _state(question), question.is_public
    question.original_text = question.original_text or question.text
    question.text = text
    fields = ["text", "original_text"]
    return _save(event, actor, Action.EDIT, question, before, was_public=was_public, fields=fields)


@transaction.atomic
def tag_question(
    *, actor: User, event: Event, question_id: int, version: int | None, topic: str
) -> Question:
    """Give a question a topic or legal field (empty to clear it)."""
    ensure_can_moderate(actor, event)
    question = _lock(event, question_id, version)
    before, was_public = _state(question), question.is_public
    question.topic = " ".join(topic.split())[:80]
    return _save(
        event, actor, Action.TAG, question, before, was_public=was_public, fields=["topic"]
    )


@transaction.atomic
def star_question(
    *, actor: User, event: Event, question_id: int, version: int | None, starred: bool
) -> Question:
    """Mark a question for the moderators' own attention."""
    ensure_can_moderate(actor, event)
    question = _lock(event, question_id, version)
    before, was_public = _state(question), question.is_public
    question.starred = starred
    return _save(
        event, actor, Action.STAR, question, before, was_public=was_public, fields=["starred"]
    )


@transaction.atomic
def route_question(
    *, actor: User, event: Event, question_id: int, version: int | None, official_id: int | None
) -> Question:
    """Send a question to one of the dialogue's officials, or take it back (None)."""
    ensure_can_moderate(actor, event)
    question = _lock(event, question_id, version)
    official = None
    if official_id is not None:
        official = User.objects.filter(
            pk=official_id, event_roles__event=event, event_roles__role=EventRole.Role.OFFICIAL
        ).first()
        if official is None:
            raise NotFound(_("That person is not an official of this dialogue."))
    before, was_public = _state(question), question.is_public
    question.routed_to = official
    fields = ["routed_to"]
    if event.is_standing and official is not None and question.answer_due_at is None:
        # A standing Q&A's question is due in writing from its routing, in working days.
        question.answer_due_at = add_working_days(timezone.now(), event.written_answer_days)
        fields.append("answer_due_at")
    return _save(event, actor, Action.ROUTE, question, before, was_public=was_public, fields=fields)


@transaction.atomic
def set_stage(
    *, actor: User, event: Event, question_id: int, version: int | None, stage: str
) -> list[Question]:
    """Queue a question next, put it on stage now, mark it answered, or return it to the list.

    Putting a question on stage marks the one that was there as answered: one at a time.
    """
    ensure_can_moderate(actor, event)
    if stage not in ("next", "now", "answered", "none"):
        raise InvalidMessage(_("Unknown stage."), code="invalid_stage")
    return _set_stage(actor, event, _lock(event, question_id, version), stage)


def _set_stage(actor: User, event: Event, question: Question, stage: str) -> list[Question]:
    if question.status in (Question.Status.REJECTED, Question.Status.MERGED):
        raise InvalidMessage(_("Approve the question first."), code="invalid_state")
    changed = []
    if stage == "now":
        current = (
            Question.objects.select_for_update(of=("self",))
            .select_related("author__user", "routed_to")
            .filter(event=event, stage=Question.Stage.NOW)
            .exclude(pk=question.pk)
            .first()
        )
        if current is not None:
            changed.append(_mark_answered(event, actor, current))
    before, was_public = _state(question), question.is_public
    if stage == "answered":
        changed.append(_mark_answered(event, actor, question, before=before))
        return changed
    if question.status == Question.Status.PENDING:
        question.status = Question.Status.APPROVED
        question.published_at = timezone.now()
    if stage == "next":
        highest = Question.objects.filter(event=event).aggregate(top=Max("queue_position"))["top"]
        question.queue_position = (highest or 0) + 1
    if stage == "now":
        _start_live_answer(event, question, official=question.routed_to)
    question.stage = {"next": Question.Stage.NEXT, "now": Question.Stage.NOW}.get(stage, "")
    fields = ["status", "published_at", "stage", "queue_position"]
    changed.append(
        _save(event, actor, Action.STAGE, question, before, was_public=was_public, fields=fields)
    )
    return changed


def _start_live_answer(event: Event, question: Question, *, official: User | None) -> None:
    """Note who answers on stage and where in the recording the answer starts."""
    offset = None
    if event.status == Event.Status.LIVE:
        offset = max(0, int((timezone.now() - event.starts_at).total_seconds()))
    answer, created = Answer.objects.get_or_create(
        question=question,
        defaults={"kind": Answer.Kind.LIVE, "official": official, "recording_offset": offset},
    )
    if not created and answer.published_at is None:
        answer.kind = Answer.Kind.LIVE
        answer.official = official or answer.official
        answer.recording_offset = (
            answer.recording_offset if answer.recording_offset is not None else offset
        )
        answer.save(update_fields=["kind", "official", "recording_offset", "updated_at"])


def _mark_answered(
    event: Event, actor: User, question: Question, before: dict[str, Any] | None = None
) -> Question:
    """Answered live: the question leaves the stage and its live answer goes to the archive."""
    before = before or _state(question)
    was_public = question.is_public
    question.status = Question.Status.ANSWERED
    question.stage = Question.Stage.NONE
    question.answered_at = question.answered_at or timezone.now()
    question.published_at = question.published_at or question.answered_at
    answer, _created = Answer.objects.get_or_create(
        question=question, defaults={"kind": Answer.Kind.LIVE, "official": question.routed_to}
    )
    if answer.published_at is None:
        answer.published_at = question.answered_at
        answer.save(update_fields=["published_at", "updated_at"])
    fields = ["status", "stage", "answered_at", "published_at"]
    if before["status"] != Question.Status.ANSWERED:
        email_asker(question)
    return _save(event, actor, Action.STAGE, question, before, was_public=was_public, fields=fields)


@transaction.atomic
def merge_questions(
    *,
    actor: User,
    event: Event,
    question_id: int,
    version: int | None,
    sources: list[tuple[int, int | None]],
) -> list[Question]:
    """Merge duplicates into one question; votes carry over, no voter counted twice."""
    ensure_can_moderate(actor, event)
    if not sources or any(pk == question_id for pk, _version in sources):
        raise InvalidMessage(
            _("Choose other questions to merge into this one."), code="invalid_merge"
        )
    target = _lock(event, question_id, version)
    if target.status in (Question.Status.MERGED, Question.Status.REJECTED):
        raise InvalidMessage(
            _("Merge into a published or incoming question."), code="invalid_state"
        )
    merged = [_lock(event, pk, source_version) for pk, source_version in sources]
    target_before = _state(target)
    for source in merged:
        if source.status == Question.Status.MERGED:
            raise InvalidMessage(_("That question is already merged."), code="invalid_state")
        already = Vote.objects.filter(question=target).values_list("participant_id", flat=True)
        Vote.objects.filter(question=source).exclude(participant_id__in=already).update(
            question=target
        )
        Vote.objects.filter(question=source).delete()
        before, was_public = _state(source), source.is_public
        source.status = Question.Status.MERGED
        source.stage = Question.Stage.NONE
        source.merged_into = target
        source.vote_count = 0
        _save(
            event,
            actor,
            Action.MERGE,
            source,
            before,
            was_public=was_public,
            fields=["status", "stage", "merged_into", "vote_count"],
        )
    target.vote_count = Vote.objects.filter(question=target).count()
    target.version += 1
    target.save(update_fields=["vote_count", "version"])
    _log(
        event,
        actor,
        Action.MERGE,
        target,
        target_before,
        {**_state(target), "merged": [source.pk for source in merged]},
    )
    broadcast_on_commit(moderators_group(event.pk), messages.question_updated(target, event))
    announce_change(target, was_public=target.is_public)
    return [target, *merged]
