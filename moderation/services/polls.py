"""What moderators and organisers do with a dialogue's polls: prepare, open, close, show on stage.

One poll is open at a time (a database constraint): opening one closes the one that was open.
The public sees a poll's state in `poll.updated` frames and its results in `poll.results`
frames, coalesced like vote tallies (live/tallies.py); the stage shows the poll whose results
the moderator put on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import messages as public_messages
from dialogue.models import Poll, PollOption
from dialogue.selectors import poll_results
from events.models import Event, User
from events.text import clean_text
from live.broadcast import broadcast_on_commit
from live.errors import InvalidMessage, NotAllowed, NotFound
from live.groups import public_group, stage_group
from moderation.selectors import stage_frame
from moderation.services.questions import ensure_can_moderate

MAX_POLL_OPTIONS = 10
POLL_QUESTION_MAX_LENGTH = 300
POLL_OPTION_MAX_LENGTH = 120


@transaction.atomic
def create_poll(
    *, actor: User, event: Event, question: str, kind: str, options: Sequence[str] = ()
) -> Poll:
    """Prepare a poll; it stays unseen until opened. A rating poll gets the options 1 to 5; a
    quiz's right answer is the one option written with a * before it."""
    ensure_can_moderate(actor, event)
    if kind not in Poll.Kind.values:
        raise InvalidMessage(_("Unknown kind of poll."), code="invalid_kind")
    question = clean_text(question, max_length=POLL_QUESTION_MAX_LENGTH, field=_("question"))
    right = -1
    if kind == Poll.Kind.QUIZ:
        options = [option.strip() for option in options if option.strip()]
        marked = [index for index, option in enumerate(options) if option.startswith("*")]
        if len(marked) != 1:
            raise InvalidMessage(
                _("Write a * before the one right answer of the quiz."), code="one_right_answer"
            )
        right = marked[0]
        options = [option.removeprefix("*") for option in options]
    labels = _option_labels(kind, options)
    poll = Poll.objects.create(event=event, question=question, kind=kind, created_by=actor)
    PollOption.objects.bulk_create(
        PollOption(poll=poll, label=label, position=index, correct=index == right)
        for index, label in enumerate(labels)
    )
    return poll


def _option_labels(kind: str, options: Sequence[str]) -> list[str]:
    if kind == Poll.Kind.RATING:
        return [str(score) for score in range(1, 6)]
    if kind == Poll.Kind.TEXT:
        return []
    labels = [
        clean_text(option, max_length=POLL_OPTION_MAX_LENGTH, field=_("option"))
        for option in options
        if option.strip()
    ]
    if len(labels) < 2:
        raise InvalidMessage(_("Give at least two options."), code="too_few_options")
    if len(labels) > MAX_POLL_OPTIONS:
        raise InvalidMessage(
            _("A poll has at most %(max)d options.") % {"max": MAX_POLL_OPTIONS},
            code="too_many_options",
        )
    if len(set(labels)) < len(labels):
        raise InvalidMessage(_("Two options are the same."), code="duplicate_option")
    return labels


def _locked_poll(event: Event, poll_id: int) -> Poll:
    poll = Poll.objects.select_for_update().filter(pk=poll_id, event=event).first()
    if poll is None:
        raise NotFound(_("There is no such poll in this dialogue."))
    return poll


@transaction.atomic
def open_poll(*, actor: User, event: Event, poll_id: int) -> Poll:
    """Open a prepared poll to answers; the poll that was open, if any, closes first."""
    ensure_can_moderate(actor, event)
    if event.status not in (Event.Status.SCHEDULED, Event.Status.LIVE):
        raise NotAllowed(_("Polls open only while the dialogue runs."), code="poll_closed")
    poll = _locked_poll(event, poll_id)
    if poll.status != Poll.Status.DRAFT:
        raise InvalidMessage(_("Only a prepared poll can be opened."), code="invalid_transition")
    close_open_poll(event=event)
    poll.status, poll.opened_at = Poll.Status.OPEN, timezone.now()
    poll.save(update_fields=["status", "opened_at"])
    _announce(event, poll)
    return poll


@transaction.atomic
def close_poll(*, actor: User, event: Event, poll_id: int) -> Poll:
    """Close the open poll: no more answers; its results are kept for the archive and report."""
    ensure_can_moderate(actor, event)
    poll = _locked_poll(event, poll_id)
    if poll.status != Poll.Status.OPEN:
        raise InvalidMessage(_("This poll is not open."), code="invalid_transition")
    _close(event, poll)
    return poll


def close_open_poll(*, event: Event) -> None:
    """Close whatever poll is open (a dialogue that ends, a poll opened after it)."""
    for poll in Poll.objects.select_for_update().filter(event=event, status=Poll.Status.OPEN):
        _close(event, poll)


def _close(event: Event, poll: Poll) -> None:
    poll.status, poll.closed_at = Poll.Status.CLOSED, timezone.now()
    poll.save(update_fields=["status", "closed_at"])
    _announce(event, poll)


@transaction.atomic
def reveal_quiz(*, actor: User, event: Event, poll_id: int) -> Poll:
    """Tell everyone a closed quiz's right answer, and the leaderboard of those who agreed."""
    ensure_can_moderate(actor, event)
    poll = _locked_poll(event, poll_id)
    if poll.kind != Poll.Kind.QUIZ:
        raise InvalidMessage(_("Only a quiz has a right answer."), code="invalid_transition")
    if poll.status != Poll.Status.CLOSED or poll.revealed_at is not None:
        raise InvalidMessage(
            _("Close the quiz before revealing its answer, once."), code="invalid_transition"
        )
    poll.revealed_at = timezone.now()
    poll.save(update_fields=["revealed_at"])
    _announce(event, poll)
    return poll


@transaction.atomic
def show_poll_on_stage(*, actor: User, event: Event, poll_id: int, shown: bool) -> Poll:
    """Put a poll's results on the hall's screen (only one at a time), or take them off."""
    ensure_can_moderate(actor, event)
    poll = _locked_poll(event, poll_id)
    if shown and poll.status == Poll.Status.DRAFT:
        raise InvalidMessage(_("Open the poll before showing it."), code="invalid_transition")
    Poll.objects.filter(event=event, show_on_stage=True).exclude(pk=poll.pk).update(
        show_on_stage=False
    )
    poll.show_on_stage = shown
    poll.save(update_fields=["show_on_stage"])
    broadcast_on_commit(stage_group(event.pk), stage_frame(event))
    return poll


def _announce(event: Event, poll: Poll) -> None:
    """Tell the public (and the stage, when it shows this poll) the poll's new state."""
    poll = Poll.objects.prefetch_related("options").get(pk=poll.pk)
    results = poll_results(poll_ids=[poll.pk])[poll.pk]
    broadcast_on_commit(public_group(event.pk), public_messages.poll_updated(poll, results))
    if poll.show_on_stage:
        broadcast_on_commit(stage_group(event.pk), stage_frame(event))
