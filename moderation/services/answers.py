"""Officials' answers: a question taken on stage, the live note, the written answer.

Each checks who may answer, then hands the question to its transition in `moderation/record.py`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from dialogue.models import Citation, Question
from events import permissions
from events.models import Event, User
from live.errors import NotAllowed
from moderation import learning, record
from moderation.services.questions import ensure_has_stage


def _ensure_can_answer(actor: User, event: Event, question: Question) -> None:
    """Officials answer what is routed to them; moderators and organisers may act for them."""
    if permissions.can_moderate(actor, event):
        return
    if permissions.can_answer(actor, event) and question.routed_to_id == actor.pk:
        return
    raise NotAllowed(_("This question is not routed to you."))


@transaction.atomic
def start_answering(*, actor: User, event: Event, question_id: int) -> list[Question]:
    """An official takes a question on stage: "I am answering this" (never in a standing Q&A)."""
    ensure_has_stage(event)
    question = record.lock(event, question_id)
    _ensure_can_answer(actor, event, question)
    return record.take_on_stage(actor=actor, event=event, question=question)


@transaction.atomic
def save_live_note(*, actor: User, event: Event, question_id: int, note: str) -> Question:
    """A short line shown while answering live, e.g. the article of the law concerned."""
    question = record.lock(event, question_id)
    _ensure_can_answer(actor, event, question)
    return record.note_live(actor=actor, event=event, question=question, note=note)


@transaction.atomic
def write_answer(
    *, actor: User, event: Event, question_id: int, body: str, publish: bool = False
) -> Question:
    """Save (and optionally publish) the written answer; publishing tells the asker."""
    question = record.lock(event, question_id)
    _ensure_can_answer(actor, event, question)
    answered = record.write_answer(
        actor=actor, event=event, question=question, body=body, publish=publish
    )
    if publish and Citation.objects.filter(answer__question=question).exists():
        learning.citations_changed()  # the legal search learns from its citations
    return answered


@transaction.atomic
def extend_due(
    *, actor: User, event: Event, question_id: int, version: int | None, days: int, reason: str
) -> Question:
    """More time for a written answer, once, asked by the official who has the question; the
    reason is shown to the asker and the extension is audited and counted in the reports."""
    question = record.lock(event, question_id, version)
    if not (permissions.can_answer(actor, event) and question.routed_to_id == actor.pk):
        raise NotAllowed(_("Only the official this question is routed to may extend its date."))
    return record.extend_due(actor=actor, event=event, question=question, days=days, reason=reason)
