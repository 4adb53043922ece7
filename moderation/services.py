"""Every moderation action: authorise, check the version, write with its audit entry, broadcast.

Each action on a question names the `version` the moderator saw. If someone changed the question
since, the action is refused with `StaleVersion` (code `conflict`) carrying the current state, so
the console refreshes that item instead of overwriting the other moderator's change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue.models import Answer, Participant, Question, Vote
from dialogue.services import announce_change, clean_text
from events import permissions
from events.errors import Conflict, InvalidMessage, NotAllowed, NotFound
from events.models import Event, EventRole, User, new_stage_token
from live.broadcast import broadcast_on_commit, control_on_commit
from live.groups import (
    moderators_group,
    official_group,
    participant_group,
    public_group,
    stage_group,
)
from live.sockets import LINK_RENEWED
from moderation import messages
from moderation.models import AgencyBan, ModerationLog
from moderation.selectors import stage_frame

Action = ModerationLog.Action


class StaleVersion(Conflict):
    """The question changed since the moderator saw it; `question` is its current state."""

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question


def ensure_can_moderate(actor: User, event: Event) -> None:
    if not permissions.can_moderate(actor, event):
        raise NotAllowed(_("Only the moderators of this dialogue may do that."))


def _state(question: Question) -> dict[str, Any]:
    """What the audit log keeps of a question before and after an action."""
    return {
        "text": question.text,
        "status": question.status,
        "stage": question.stage,
        "topic": question.topic,
        "starred": question.starred,
        "routed_to": question.routed_to_id,
        "reason": question.rejection_reason,
        "note": question.rejection_note,
        "merged_into": question.merged_into_id,
        "votes": question.vote_count,
    }


def question_state(question: Question) -> dict[str, Any]:
    """What the audit log keeps of a question, for changes made outside these services."""
    return _state(question)


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
    return _save(
        event, actor, Action.ROUTE, question, before, was_public=was_public, fields=["routed_to"]
    )


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


@transaction.atomic
def set_modes(
    *,
    actor: User,
    event: Event,
    moderation: str | None = None,
    intake_open: bool | None = None,
    voting_open: bool | None = None,
) -> Event:
    """Switch pre/post-moderation and open or close questions and voting, during the event too."""
    ensure_can_moderate(actor, event)
    if moderation is None and intake_open is None and voting_open is None:
        # Nothing asked: an error, not an empty audit entry and a broadcast.
        raise InvalidMessage(_("Say which setting to change."), code="invalid_mode")
    event = Event.objects.select_for_update().get(pk=event.pk)
    before = _modes(event)
    if moderation is not None:
        if moderation not in Event.Moderation.values:
            raise InvalidMessage(_("Unknown moderation mode."), code="invalid_mode")
        event.moderation_mode = moderation
    if intake_open is not None:
        event.intake_closed = not intake_open
    if voting_open is not None:
        event.voting_closed = not voting_open
    if _modes(event) == before:
        return event  # already so: nothing to store, audit or announce
    event.save(update_fields=["moderation_mode", "intake_closed", "voting_closed"])
    _log(event, actor, Action.MODES, None, before, _modes(event))
    broadcast_on_commit(moderators_group(event.pk), messages.event_updated(event))
    broadcast_on_commit(public_group(event.pk), messages.public_event_updated(event))
    return event


def _modes(event: Event) -> dict[str, Any]:
    return {
        "moderation": event.moderation_mode,
        "intake_closed": event.intake_closed,
        "voting_closed": event.voting_closed,
    }


@transaction.atomic
def ban_participant(
    *,
    actor: User,
    event: Event,
    participant_id: int | None = None,
    question_id: int | None = None,
    scope: str = "event",
    reason: str = "",
) -> list[Participant]:
    """Bar a participant (or the asker of a question) from this dialogue, or from the agency's."""
    ensure_can_moderate(actor, event)
    # By question: moderators of a dialogue that hides anonymous askers never learn the
    # participant's id, yet may still ban the author of an abusive question.
    found = Participant.objects.filter(event=event)
    if question_id is not None:
        found = found.filter(questions__pk=question_id)
    else:
        found = found.filter(pk=participant_id or 0)
    participant = found.first()
    if participant is None:
        raise NotFound(_("There is no such participant in this dialogue."))
    if scope not in ("event", "agency"):
        raise InvalidMessage(_("Unknown ban scope."), code="invalid_scope")
    banned = [participant]
    if scope == "agency":
        if participant.user_id is None:
            raise InvalidMessage(
                _("Only signed-in people can be banned across the agency."), code="invalid_scope"
            )
        AgencyBan.objects.get_or_create(
            agency_id=event.agency_id,
            user_id=participant.user_id,
            defaults={"reason": reason[:300], "banned_by": actor},
        )
        banned = list(
            Participant.objects.filter(
                user_id=participant.user_id, event__agency_id=event.agency_id
            )
        )
    now = timezone.now()
    for each in banned:
        if each.banned_at is None:
            each.banned_at = now
            each.save(update_fields=["banned_at"])
        broadcast_on_commit(participant_group(each.pk), messages.banned_notice())
    _log(
        event,
        actor,
        Action.BAN,
        None,
        {},
        {
            **({"question": question_id} if question_id else {"participant": participant.pk}),
            "scope": scope,
            "reason": reason[:300],
        },
    )
    return banned


def apply_agency_bans(participant: Participant) -> None:
    """A person banned across an agency is banned in each new dialogue of it as they join."""
    if (
        participant.user_id
        and AgencyBan.objects.filter(
            agency_id=participant.event.agency_id, user_id=participant.user_id
        ).exists()
    ):
        Participant.objects.filter(pk=participant.pk).update(banned_at=timezone.now())


# --- Officials: answering live and in writing ------------------------------------------------


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
    if publish:
        _email_asker(question)
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


def _email_asker(question: Question) -> None:
    """Tell a signed-in asker by email that their question has a written answer.

    Only queued, in the answering transaction (events/mail.py): the worker sends it, so a slow
    mail server never holds the database thread that every socket of this process shares.
    """
    user = question.author.user
    if user is None or not user.email:
        return
    url = f"{settings.SITE_URL}{question.event.get_absolute_url()}archive/#q{question.pk}"
    send_mail(
        subject=_("Your question has been answered: %(title)s") % {"title": question.event.title},
        message=render_to_string(
            "moderation/email/answered.txt", {"question": question, "url": url}
        ),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def renew_stage_link(*, actor: User, event: Event) -> Event:
    """Make a new secret stage link; the old one stops working at once."""
    if not permissions.can_manage_event(actor, event):
        raise NotAllowed(_("Only the organisers may renew the stage link."))
    event = Event.objects.select_for_update().get(pk=event.pk)
    event.stage_token = new_stage_token()
    event.save(update_fields=["stage_token"])
    control_on_commit(stage_group(event.pk), "close", {"type": "stage.revoked"}, code=LINK_RENEWED)
    return event
