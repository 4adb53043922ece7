"""Officials' answers: a question taken on stage, the live note, the written answer, the email."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue.models import Answer, Question
from dialogue.services import clean_text
from events import permissions
from events.errors import InvalidMessage, NotAllowed
from events.models import Event, User
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
from moderation.services.questions import _lock, _save, _set_stage, _start_live_answer

Action = ModerationLog.Action


def _ensure_can_answer(actor: User, event: Event, question: Question) -> None:
    """Officials answer what is routed to them; moderators and organisers may act for them."""
    if permissions.can_moderate(actor, event):
        return
    if permissions.can_answer(actor, event) and question.routed_to_id == actor.pk:
        return
    raise NotAllowed(_("This question is not routed to you."))


@transaction.atomic
def start_answering(*, actor: User, event: Event, question_id: int) -> list[Question]:
    """An official takes a question on stage: "I am answering this"."""
    question = _lock(event, question_id, None)
    _ensure_can_answer(actor, event, question)
    if not question.is_public and question.status != Question.Status.PENDING:
        raise InvalidMessage(_("This question cannot be answered."), code="invalid_state")
    official = question.routed_to or (actor if permissions.can_answer(actor, event) else None)
    _start_live_answer(event, question, official=official)
    return _set_stage(actor, event, question, "now")


@transaction.atomic
def save_live_note(*, actor: User, event: Event, question_id: int, note: str) -> Question:
    """A short line shown while answering live, e.g. the article of the law concerned."""
    question = _lock(event, question_id, None)
    _ensure_can_answer(actor, event, question)
    answer, _created = Answer.objects.get_or_create(
        question=question,
        defaults={"kind": Answer.Kind.LIVE, "official": question.routed_to or actor},
    )
    before = answer.live_note
    answer.live_note = " ".join(note.split())[:300]
    if answer.live_note == before:
        return question
    answer.save(update_fields=["live_note", "updated_at"])
    question.version += 1
    question.save(update_fields=["version"])
    # Shown on the stage and in the archive: audited like every change citizens see.
    after = {"live_note": answer.live_note}
    _log(event, actor, Action.NOTE, question, {"live_note": before}, after)
    _announce_answer_change(event, question)
    return question


@transaction.atomic
def write_answer(
    *, actor: User, event: Event, question_id: int, body: str, publish: bool = False
) -> Question:
    """Save (and optionally publish) the written answer; publishing tells the asker."""
    question = _lock(event, question_id, None)
    _ensure_can_answer(actor, event, question)
    if not question.is_public:
        raise InvalidMessage(_("Only published questions are answered."), code="invalid_state")
    body = clean_text(body, max_length=20000, field=_("answer"))
    before, was_public = _state(question), question.is_public
    answer, _created = Answer.objects.get_or_create(
        question=question,
        defaults={"kind": Answer.Kind.WRITTEN, "official": question.routed_to or actor},
    )
    answer.body = body
    if publish:
        if question.status != Question.Status.ANSWERED:
            answer.kind = Answer.Kind.WRITTEN
        answer.published_at = answer.published_at or timezone.now()
        question.status = Question.Status.ANSWERED
        question.stage = Question.Stage.NONE
        question.answered_at = question.answered_at or answer.published_at
    answer.save()
    if publish and before["status"] != Question.Status.ANSWERED:
        email_asker(question)
    return _save(
        event,
        actor,
        Action.ANSWER,
        question,
        before,
        was_public=was_public,
        fields=["status", "stage", "answered_at"],
    )


def _announce_answer_change(event: Event, question: Question) -> None:
    broadcast_on_commit(moderators_group(event.pk), messages.question_updated(question, event))
    if question.routed_to_id:
        broadcast_on_commit(
            official_group(event.pk, question.routed_to_id),
            messages.official_question_updated(question),
        )
    if question.stage:
        broadcast_on_commit(stage_group(event.pk), stage_frame(event))
