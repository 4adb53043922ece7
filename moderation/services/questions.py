"""What moderators do to a question: approve, reject, edit, tag, star, route, stage, merge.

Each action checks the moderator's right, locks the question and hands it to its transition in
`moderation/record.py`, the one owner of a question's life. Each action names the `version` the
moderator saw. If someone changed the question since, the action is refused with `StaleVersion`
(code `conflict`) carrying the current state, so the console refreshes that item instead of
overwriting the other moderator's change.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from dialogue.models import Question
from events import permissions
from events import selectors as event_selectors
from events.models import Event, User
from live.errors import InvalidMessage, NotAllowed, NotFound
from moderation import record
from moderation.record import StaleVersion
from moderation.services import routing

__all__ = ["StaleVersion"]


def ensure_can_moderate(actor: User, event: Event) -> None:
    if not permissions.can_moderate(actor, event):
        raise NotAllowed(_("Only the moderators of this dialogue may do that."))


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
    question = record.lock(event, question_id, version)
    question = record.publish(actor=actor, event=event, question=question)
    # A standing Q&A sends it on to the agency's official of its legal field, if it has one.
    official = routing.official_for(event, question)
    if official is not None and question.status == Question.Status.APPROVED:
        question = record.route(actor=actor, event=event, question=question, official=official)
    return question


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
    question = record.lock(event, question_id, version)
    return record.not_select(actor=actor, event=event, question=question, reason=reason, note=note)


@transaction.atomic
def edit_question(
    *, actor: User, event: Event, question_id: int, version: int | None, text: str
) -> Question:
    """Correct a question's text; the asker's original words are kept."""
    ensure_can_moderate(actor, event)
    question = record.lock(event, question_id, version)
    return record.edit_text(actor=actor, event=event, question=question, text=text)


@transaction.atomic
def tag_question(
    *, actor: User, event: Event, question_id: int, version: int | None, topic: str
) -> Question:
    """Give a question a topic or legal field (empty to clear it)."""
    ensure_can_moderate(actor, event)
    question = record.lock(event, question_id, version)
    return record.tag(actor=actor, event=event, question=question, topic=topic)


@transaction.atomic
def star_question(
    *, actor: User, event: Event, question_id: int, version: int | None, starred: bool
) -> Question:
    """Mark a question for the moderators' own attention."""
    ensure_can_moderate(actor, event)
    question = record.lock(event, question_id, version)
    return record.star(actor=actor, event=event, question=question, starred=starred)


@transaction.atomic
def route_question(
    *, actor: User, event: Event, question_id: int, version: int | None, official_id: int | None
) -> Question:
    """Send a question to one of the dialogue's officials, or take it back (None)."""
    ensure_can_moderate(actor, event)
    question = record.lock(event, question_id, version)
    official = None
    if official_id is not None:
        officials = {o.user.pk: o.user for o in event_selectors.event_officials(event=event)}
        official = officials.get(official_id)
        if official is None:
            raise NotFound(_("That person is not an official of this dialogue."))
    return record.route(actor=actor, event=event, question=question, official=official)


def ensure_has_stage(event: Event) -> None:
    """Refuse the stage's commands in a standing Q&A: answered in writing, it has no stage, no
    "next" and no "now"."""
    if event.is_standing:
        raise InvalidMessage(
            _("A standing legal Q&A is answered in writing; it has no stage."), code="no_stage"
        )


@transaction.atomic
def set_stage(
    *, actor: User, event: Event, question_id: int, version: int | None, stage: str
) -> list[Question]:
    """Queue a question next, put it on stage now, mark it answered, or return it to the list.

    Putting a question on stage marks the one that was there as answered: one at a time. A
    standing Q&A has no stage: its questions are answered in writing.
    """
    ensure_can_moderate(actor, event)
    ensure_has_stage(event)
    if stage not in ("next", "now", "answered", "none"):
        raise InvalidMessage(_("Unknown stage."), code="invalid_stage")
    question = record.lock(event, question_id, version)
    return record.queue(actor=actor, event=event, question=question, stage=stage)


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
    target = record.lock(event, question_id, version)
    if target.status in (Question.Status.MERGED, Question.Status.REJECTED):
        raise InvalidMessage(
            _("Merge into a published or incoming question."), code="invalid_state"
        )
    merged = [record.lock(event, pk, source_version) for pk, source_version in sources]
    return record.merge(actor=actor, event=event, target=target, sources=merged)
