"""The one owner of a question's life: every transition, its version, audit entry and frames.

A question is received (asked), screened, published, routed (with a due date), answered live or
in writing, not selected (with a reason), merged, or erased. The table of which state follows
which is in docs/architecture.md ("The record"). Each function here makes one transition and,
in the same step, bumps the version, writes the audit entry and hands the frames to the one
broadcast helper (sent after commit). It also stores the facts the transition makes true:
when and how the question was answered (`answered_at`, `answered_how`), its due date
(`answer_due_at`), when its life ended (`closed_at`) and when it was erased (`erased_at`).
Every surface reads those facts through `dialogue/facts.py`.

Nothing else writes a question's lifecycle fields: `tests/moderation/test_record.py` reads the
code base and fails on any `save()` or `update()` of them elsewhere. The checks of who may act
stay with the callers (`moderation/services/`, the admin, the dialogue's end in
`moderation/lifecycle.py`, erasure in `erasure/`); the functions here trust their actor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import facts
from dialogue import messages as public_messages
from dialogue.models import Answer, Citation, Participant, PublicDelta, Question, Vote
from dialogue.notices import Step
from dialogue.receipts import due_from_receipt
from dialogue.selectors import forget_similar
from dialogue.services import announce_change, publish_delta
from events import permissions
from events import selectors as event_selectors
from events.models import Event, User
from events.text import clean_text
from events.workdays import add_working_days
from live.broadcast import broadcast_on_commit, control_on_commit
from live.errors import Conflict, InvalidMessage, NotFound
from live.groups import moderators_group, official_group, public_group, stage_group
from live.wire import dumps
from moderation import learning, messages, themes
from moderation.asker import email_asker, email_extension, tell_step
from moderation.models import ModerationLog
from moderation.selectors import stage_frame

Action = ModerationLog.Action
Status = Question.Status
# What the audit log keeps of a comment (consultation/services.py); comments are typed loosely
# here because moderation does not import the consultation app, which is built on it.
StateOf = Callable[[Any], dict[str, Any]]

# The fields only this module writes (the enforcement test reads this tuple).
LIFECYCLE_FIELDS = (
    "status",
    "stage",
    "queue_position",
    "routed_to",
    "rejection_reason",
    "rejection_note",
    "merged_into",
    "answered_at",
    "answered_how",
    "answer_due_at",
    "due_extended_at",
    "due_extension_reason",
    "published_at",
    "closed_at",
    "erased_at",
    "version",
    "text",
    "original_text",
    "topic",
    "starred",
)


class StaleVersion(Conflict):
    """The question changed since the moderator saw it; `question` is its current state."""

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question


def audit_state(question: Question) -> dict[str, Any]:
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
        "due": question.answer_due_at.isoformat() if question.answer_due_at else None,
        "answered": question.answered_how or None,
    }


def lock(event: Event, question_id: int, version: int | None = None) -> Question:
    """The question, locked for this transaction; refused if someone changed it since `version`."""
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("author__user", "routed_to")
        .filter(pk=question_id, event=event, erased_at__isnull=True)
        .first()
    )
    if question is None:
        raise NotFound(_("There is no such question in this dialogue."))
    if version is not None and question.version != version:
        raise StaleVersion(question)
    return question


def _commit(
    event: Event,
    actor: User | None,
    action: str,
    question: Question,
    before: dict[str, Any],
    *,
    was_public: bool,
    fields: Iterable[str],
    extra: dict[str, Any] | None = None,
) -> Question:
    """Persist a transition: the version, the audit entry, and the frames to everyone concerned."""
    question.version += 1
    question.save(update_fields=[*dict.fromkeys(fields), "version"])
    ModerationLog.objects.create(
        event=event,
        actor=actor,
        action=action,
        question=question,
        before=before,
        after={**audit_state(question), **(extra or {})},
    )
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


def _close(question: Question, at: datetime | None = None) -> None:
    question.closed_at = at or timezone.now()


class Screened(Protocol):
    """What is screened like a question: a question, or a citizen's comment on a draft."""

    status: str
    published_at: datetime | None
    rejection_reason: str
    rejection_note: str


def _screen_in(item: Screened) -> list[str]:
    """Published, from incoming or not selected: the fields that make it so."""
    item.status = Status.APPROVED
    item.published_at = item.published_at or timezone.now()
    item.rejection_reason = item.rejection_note = ""
    return ["status", "published_at", "rejection_reason", "rejection_note"]


def _screen_out(item: Screened, reason: str, note: str) -> list[str]:
    """Not selected, with a reason from the one list and a note the author sees."""
    if reason not in Question.RejectionReason.values:
        raise InvalidMessage(_("Choose a reason from the list."), code="invalid_reason")
    item.status = Status.REJECTED
    item.rejection_reason = reason
    item.rejection_note = note.strip()[:300]
    return ["status", "rejection_reason", "rejection_note"]


# --- Screening and publishing ---


def publish(*, actor: User | None, event: Event, question: Question) -> Question:
    """Publish a question, from incoming or from not selected (an answered one stays answered)."""
    if question.status == Status.MERGED:
        raise InvalidMessage(_("A merged question cannot be approved."), code="invalid_state")
    before, was_public = audit_state(question), question.is_public
    if question.status == Status.ANSWERED:
        question.published_at = question.published_at or question.answered_at
        fields = ["published_at"]
    else:
        fields = [*_screen_in(question), "closed_at"]
        question.closed_at = None
        tell_step(question, Step.PUBLISHED)
    return _commit(
        event, actor, Action.APPROVE, question, before, was_public=was_public, fields=fields
    )


def not_select(
    *, actor: User | None, event: Event, question: Question, reason: str, note: str = ""
) -> Question:
    """Not selected, with a reason the asker sees; nothing is owed to it any more."""
    if question.status in (Status.ANSWERED, Status.MERGED):
        raise InvalidMessage(
            _("An answered or merged question stays in the record."), code="invalid_state"
        )
    before, was_public = audit_state(question), question.is_public
    fields = _screen_out(question, reason, note)
    question.stage = Question.Stage.NONE
    question.answer_due_at = None
    _close(question)
    fields += ["stage", "answer_due_at", "closed_at"]
    tell_step(question, Step.NOT_SELECTED)
    return _commit(
        event, actor, Action.REJECT, question, before, was_public=was_public, fields=fields
    )


def edit_text(*, actor: User | None, event: Event, question: Question, text: str) -> Question:
    """Correct a question's text; the asker's original words are kept."""
    text = clean_text(text, max_length=event.question_max_length, field=_("question"))
    if text == question.text:
        return question
    before, was_public = audit_state(question), question.is_public
    question.original_text = question.original_text or question.text
    question.text = text
    fields = ["text", "original_text"]
    return _commit(
        event, actor, Action.EDIT, question, before, was_public=was_public, fields=fields
    )


def tag(*, actor: User | None, event: Event, question: Question, topic: str) -> Question:
    """Give a question a topic or legal field (empty to clear it)."""
    before, was_public = audit_state(question), question.is_public
    question.topic = " ".join(topic.split())[:80]
    return _commit(
        event, actor, Action.TAG, question, before, was_public=was_public, fields=["topic"]
    )


def star(*, actor: User | None, event: Event, question: Question, starred: bool) -> Question:
    """Mark a question for the moderators' own attention."""
    before, was_public = audit_state(question), question.is_public
    question.starred = starred
    return _commit(
        event, actor, Action.STAR, question, before, was_public=was_public, fields=["starred"]
    )


# --- A draft's comments: screened by the same core ---


def publish_comment(*, actor: User, event: Event | None, comment: Any, state: StateOf) -> None:
    """Publish a citizen's comment on a draft, audited; `state` is what the log keeps of it."""
    before = state(comment)
    comment.save(update_fields=_screen_in(comment))
    ModerationLog.objects.create(
        event=event,
        actor=actor,
        action=Action.APPROVE,
        comment=comment,
        before=before,
        after=state(comment),
    )


def not_select_comment(
    *, actor: User, event: Event | None, comment: Any, state: StateOf, reason: str, note: str = ""
) -> None:
    """A comment not selected, with a reason from the questions' list, audited."""
    before = state(comment)
    comment.save(update_fields=_screen_out(comment, reason, note))
    ModerationLog.objects.create(
        event=event,
        actor=actor,
        action=Action.REJECT,
        comment=comment,
        before=before,
        after=state(comment),
    )


# --- Routing and what is owed ---


def route(
    *, actor: User | None, event: Event, question: Question, official: User | None
) -> Question:
    """Send a question to an official, or take it back (None); a standing Q&A's is then due,
    counted from its receipt."""
    before, was_public = audit_state(question), question.is_public
    question.routed_to = official
    fields = ["routed_to"]
    if (
        event.is_standing
        and official is not None
        and question.answer_due_at is None
        and question.status in (Status.PENDING, Status.APPROVED)
    ):
        # A standing Q&A's question is due in writing in working days from its receipt, the
        # date its asker was given then (dialogue/receipts.py), however long routing took.
        question.answer_due_at = due_from_receipt(question, event)
        fields.append("answer_due_at")
    if official is not None and question.status == Status.APPROVED:
        tell_step(question, Step.ROUTED)
    return _commit(
        event, actor, Action.ROUTE, question, before, was_public=was_public, fields=fields
    )


# The reason for more time, as the asker reads it.
EXTENSION_REASON_MAX_LENGTH = 300


def most_extension_days(event: Event) -> int:
    """An extension is at most the dialogue's own time limit, in working days (at least one)."""
    return max(event.written_answer_days, 1)


def extend_due(
    *, actor: User, event: Event, question: Question, days: int, reason: str
) -> Question:
    """Put a written answer's date due later, once: by 1 to the dialogue's number of working
    days, from the date it had, with a reason the asker is shown. Audited (`extend`)."""
    due = question.answer_due_at
    if due is None or not facts.is_owed(question):
        raise InvalidMessage(
            _("Only a written answer still owed can be given more time."), code="invalid_state"
        )
    if question.due_extended_at is not None:
        raise Conflict(
            _("This question's date due was extended once already."), code="already_extended"
        )
    limit = most_extension_days(event)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= limit:
        raise InvalidMessage(
            _("Give 1 to %(limit)d more working days.") % {"limit": limit}, code="invalid_days"
        )
    reason = clean_text(reason, max_length=EXTENSION_REASON_MAX_LENGTH, field=_("reason"))
    before, was_public = audit_state(question), question.is_public
    question.answer_due_at = add_working_days(due, days)
    question.due_extended_at = timezone.now()
    question.due_extension_reason = reason
    fields = ["answer_due_at", "due_extended_at", "due_extension_reason"]
    email_extension(question)
    return _commit(
        event,
        actor,
        Action.EXTEND,
        question,
        before,
        was_public=was_public,
        fields=fields,
        extra={"days": days, "extension_reason": reason},
    )


def owe_written_answers(*, actor: User | None, event: Event, due: datetime) -> list[Question]:
    """When a dialogue ends: each published question not answered is owed a written answer.

    It gets `due` (unless it has a date already), leaves the stage, and goes to the dialogue's
    first official if nobody has it; each one audited and announced like any transition.
    """
    first = next(iter(event_selectors.event_officials(event=event)), None)
    changed = []
    left = (
        Question.objects.select_for_update(of=("self",))
        .select_related("author__user", "routed_to")
        .filter(event=event, status=Status.APPROVED, erased_at__isnull=True)
        .order_by("pk")
    )
    for question in left:
        before, was_public = audit_state(question), question.is_public
        fields = []
        if question.answer_due_at is None:
            question.answer_due_at = due
            fields.append("answer_due_at")
        if question.stage:
            question.stage = Question.Stage.NONE
            fields.append("stage")
        if question.routed_to_id is None and first is not None:
            question.routed_to = first.user
            fields.append("routed_to")
        if fields:
            changed.append(
                _commit(
                    event,
                    actor,
                    Action.ROUTE,
                    question,
                    before,
                    was_public=was_public,
                    fields=fields,
                )
            )
    return changed


# --- On stage and answered ---


def queue(*, actor: User | None, event: Event, question: Question, stage: str) -> list[Question]:
    """Queue a question next, put it on stage now, mark it answered, or return it to the list.

    Putting a question on stage marks the one that was there as answered: one at a time.
    """
    if stage not in ("next", "now", "answered", "none"):
        raise InvalidMessage(_("Unknown stage."), code="invalid_stage")
    if question.status in (Status.REJECTED, Status.MERGED):
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
            changed.append(_answered_live(event, actor, current))
    if stage == "answered":
        changed.append(_answered_live(event, actor, question))
        return changed
    before, was_public = audit_state(question), question.is_public
    if question.status == Status.PENDING:
        question.status = Status.APPROVED
        question.published_at = timezone.now()
    if stage == "next":
        highest = Question.objects.filter(event=event).aggregate(top=Max("queue_position"))["top"]
        question.queue_position = (highest or 0) + 1
    if stage == "now":
        _start_live_answer(event, question, official=question.routed_to)
    question.stage = {"next": Question.Stage.NEXT, "now": Question.Stage.NOW}.get(stage, "")
    fields = ["status", "published_at", "stage", "queue_position"]
    changed.append(
        _commit(event, actor, Action.STAGE, question, before, was_public=was_public, fields=fields)
    )
    return changed


def take_on_stage(*, actor: User, event: Event, question: Question) -> list[Question]:
    """An official says "I am answering this": on stage now, with the official's live answer."""
    if not question.is_public and question.status != Status.PENDING:
        raise InvalidMessage(_("This question cannot be answered."), code="invalid_state")
    official = question.routed_to or (actor if permissions.can_answer(actor, event) else None)
    _start_live_answer(event, question, official=official)
    return queue(actor=actor, event=event, question=question, stage="now")


def _start_live_answer(event: Event, question: Question, *, official: User | None) -> None:
    """Note who answers on stage and where in the recording; unpublished until it is answered."""
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


def _mark_answered(question: Question, how: str, at: datetime) -> list[str]:
    """The one place a question becomes answered: the status, when and how, closed."""
    question.status = Status.ANSWERED
    question.stage = Question.Stage.NONE
    question.answered_at = at
    question.answered_how = how
    question.published_at = question.published_at or at
    question.closed_at = at
    question.rejection_reason = question.rejection_note = ""
    return [
        "status",
        "stage",
        "answered_at",
        "answered_how",
        "published_at",
        "closed_at",
        "rejection_reason",
        "rejection_note",
    ]


def _answered_live(event: Event, actor: User | None, question: Question) -> Question:
    """Answered live: the question leaves the stage and its live answer is published."""
    before, was_public = audit_state(question), question.is_public
    if question.status == Status.ANSWERED:
        question.stage = Question.Stage.NONE
        return _commit(
            event, actor, Action.STAGE, question, before, was_public=was_public, fields=["stage"]
        )
    now = timezone.now()
    answer, _created = Answer.objects.get_or_create(
        question=question, defaults={"kind": Answer.Kind.LIVE, "official": question.routed_to}
    )
    answer.kind = Answer.Kind.LIVE
    answer.published_at = now
    answer.save(update_fields=["kind", "published_at", "updated_at"])
    fields = _mark_answered(question, Question.AnsweredHow.LIVE, now)
    email_asker(question)
    return _commit(
        event, actor, Action.STAGE, question, before, was_public=was_public, fields=fields
    )


def note_live(*, actor: User, event: Event, question: Question, note: str) -> Question:
    """A short line shown while answering live, e.g. the article of the law concerned."""
    answer, _created = Answer.objects.get_or_create(
        question=question,
        defaults={"kind": Answer.Kind.LIVE, "official": question.routed_to or actor},
    )
    before = answer.live_note
    answer.live_note = " ".join(note.split())[:300]
    if answer.live_note == before:
        return question
    answer.save(update_fields=["live_note", "updated_at"])
    state = audit_state(question)
    # Shown on the stage and in the archive: audited like every change citizens see.
    return _commit(
        event,
        actor,
        Action.NOTE,
        question,
        {**state, "live_note": before},
        was_public=question.is_public,
        fields=[],
        extra={"live_note": answer.live_note},
    )


def write_answer(
    *, actor: User, event: Event, question: Question, body: str, publish: bool
) -> Question:
    """Save the written answer; publishing it answers the question and tells the asker.

    A draft changes no fact of the record: it counts nowhere until it is published.
    """
    if not question.is_public:
        raise InvalidMessage(_("Only published questions are answered."), code="invalid_state")
    body = clean_text(body, max_length=20000, field=_("answer"))
    before, was_public = audit_state(question), question.is_public
    answer, _created = Answer.objects.get_or_create(
        question=question,
        defaults={"kind": Answer.Kind.WRITTEN, "official": question.routed_to or actor},
    )
    answer.body = body
    fields: list[str] = []
    if publish and question.status != Status.ANSWERED:
        now = timezone.now()
        answer.kind = Answer.Kind.WRITTEN
        answer.published_at = now
        fields = _mark_answered(question, Question.AnsweredHow.WRITTEN, now)
        email_asker(question)
    elif publish:
        answer.published_at = answer.published_at or question.answered_at
    answer.save()
    return _commit(
        event,
        actor,
        Action.ANSWER,
        question,
        before,
        was_public=was_public,
        fields=fields,
        extra={"published": answer.is_published},
    )


# --- Merged ---


def merge(
    *, actor: User | None, event: Event, target: Question, sources: list[Question]
) -> list[Question]:
    """Merge duplicates into one question; votes carry over, no voter counted twice."""
    if target.status in (Status.MERGED, Status.REJECTED):
        raise InvalidMessage(
            _("Merge into a published or incoming question."), code="invalid_state"
        )
    target_before = audit_state(target)
    for source in sources:
        if source.status == Status.MERGED:
            raise InvalidMessage(_("That question is already merged."), code="invalid_state")
        if source.status == Status.ANSWERED:
            raise InvalidMessage(
                _("An answered question stays in the record."), code="invalid_state"
            )
    for source in sources:
        already = Vote.objects.filter(question=target).values_list("participant_id", flat=True)
        Vote.objects.filter(question=source).exclude(participant_id__in=already).update(
            question=target
        )
        Vote.objects.filter(question=source).delete()
        before, was_public = audit_state(source), source.is_public
        source.status = Status.MERGED
        source.stage = Question.Stage.NONE
        source.merged_into = target
        source.vote_count = 0
        source.answer_due_at = None
        _close(source)
        _commit(
            event,
            actor,
            Action.MERGE,
            source,
            before,
            was_public=was_public,
            fields=["status", "stage", "merged_into", "vote_count", "answer_due_at", "closed_at"],
        )
    target.vote_count = Vote.objects.filter(question=target).count()
    _commit(
        event,
        actor,
        Action.MERGE,
        target,
        target_before,
        was_public=target.is_public,
        fields=["vote_count"],
        extra={"merged": [source.pk for source in sources]},
    )
    return [target, *sources]


# --- Erased ---

ERASED_TEXT = ""


def erase_words(*, participant: Participant) -> list[Question]:
    """The asker erased their data: each of their questions becomes a tombstone.

    A tombstone keeps what the counts need (dialogue, times, status, reason, legal field, due
    date, how it was answered) and nothing that names the asker or repeats their words. The
    words also leave the delta log and every hub's memory of it (rewritten to `withdrawn`), the
    audit log's before and after, and every open page and console, live.
    """
    questions = list(
        Question.objects.select_for_update(of=("self",))
        .select_related("author__user", "routed_to")
        .filter(author=participant, erased_at__isnull=True)
        .order_by("pk")
    )
    now = timezone.now()
    by_event: dict[int, list[Question]] = {}
    for question in questions:
        by_event.setdefault(question.event_id, []).append(question)
        was_public, routed, staged = question.is_public, question.routed_to_id, question.stage
        question.text = question.original_text = ERASED_TEXT
        question.rejection_note = question.due_extension_reason = ""
        question.is_anonymous = True
        question.stage = Question.Stage.NONE
        question.erased_at = now
        question.closed_at = question.closed_at or now
        question.version += 1
        question.save(
            update_fields=[
                "text",
                "original_text",
                "rejection_note",
                "due_extension_reason",
                "is_anonymous",
                "stage",
                "erased_at",
                "closed_at",
                "version",
            ]
        )
        Answer.objects.filter(question=question).update(live_note="")
        event_id = question.event_id
        if was_public:
            publish_delta(event_id, partial(public_messages.question_withdrawn, question))
        broadcast_on_commit(
            moderators_group(event_id), messages.question_removed(question_id=question.pk)
        )
        if routed is not None:
            broadcast_on_commit(
                official_group(event_id, routed), messages.official_question_removed(question)
            )
        if staged:
            broadcast_on_commit(stage_group(event_id), stage_frame(question.event))
    ModerationLog.objects.filter(question__in=questions).update(before={}, after={})
    _scrub_participant_log(participant)
    for event_id, erased in by_event.items():
        _scrub_delta_log(event_id, {question.pk for question in erased})
        transaction.on_commit(partial(forget_similar, event_id), robust=True)
        transaction.on_commit(partial(themes.forget, event_id), robust=True)
    if Citation.objects.filter(answer__question__in=questions).exists():
        learning.citations_changed()  # the legal search forgets what it learned from them
    return questions


def forget_name(*, participant: Participant) -> None:
    """The asker's name leaves the audit log (its entries keep who acted and when)."""
    _scrub_participant_log(participant)


def _scrub_participant_log(participant: Participant) -> None:
    for entry in ModerationLog.objects.filter(
        event_id=participant.event_id, action__in=[Action.BAN, Action.UNBAN]
    ):
        if participant.pk in (entry.before.get("participant"), entry.after.get("participant")):
            entry.before = {**entry.before, "nickname": ""} if entry.before else {}
            entry.after = {**entry.after, "nickname": ""} if entry.after else {}
            entry.save(update_fields=["before", "after"])


def _scrub_delta_log(event_id: int, question_ids: set[int]) -> None:
    """Rewrite the logged deltas that carried these questions; every hub rewrites its memory."""
    rewritten: dict[str, str] = {}
    for delta in PublicDelta.objects.filter(event_id=event_id).order_by("seq"):
        frame = json.loads(delta.frame)
        carried = frame.get("question", {}).get("id") if isinstance(frame, dict) else None
        if carried not in question_ids:
            continue
        delta.frame = dumps(public_messages.withdrawn_frame(question_id=carried, seq=delta.seq))
        delta.save(update_fields=["frame"])
        rewritten[str(delta.seq)] = delta.frame
    if rewritten:
        control_on_commit(public_group(event_id), "redact", deltas=rewritten)
