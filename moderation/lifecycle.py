"""The lifecycle of a dialogue: which status follows which, who may move it, and the move.

Its one home. The organiser's page and the moderator's console both show the buttons of
`transitions_for` (the `{% lifecycle_buttons %}` tag, `moderation/templatetags/lifecycle.py`)
and post them to one view, `moderation:status`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events import permissions
from events.models import Event, User
from live.broadcast import broadcast_on_commit
from live.errors import InvalidMessage, NotAllowed
from live.groups import moderators_group, public_group, stage_group
from moderation import messages, record
from moderation.models import ModerationLog
from moderation.selectors import stage_frame
from moderation.services import close_open_poll, log_action

Action = ModerationLog.Action


class Transition(NamedTuple):
    """A status change offered as a button: the new status, its label and its style."""

    status: str
    label: str
    style: str


# Which status may follow which, and who may make the change.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Event.Status.DRAFT, Event.Status.SCHEDULED): "organiser",
    (Event.Status.SCHEDULED, Event.Status.DRAFT): "organiser",
    (Event.Status.SCHEDULED, Event.Status.LIVE): "moderator",
    (Event.Status.LIVE, Event.Status.ENDED): "moderator",
    (Event.Status.ENDED, Event.Status.LIVE): "organiser",
    (Event.Status.ENDED, Event.Status.ARCHIVED): "organiser",
}


@transaction.atomic
def change_status(*, actor: User, event: Event, status: str) -> Event:
    """Move a dialogue along draft → scheduled → live → ended → archived.

    Ending it gives every published question not answered live a written-answer due date and,
    if no official has it yet, the dialogue's first official.
    """
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.is_standing:
        # Open all year: it is neither started nor ended, so no "End the dialogue" either.
        raise InvalidMessage(
            _("A standing legal Q&A is always open; it is not started or ended."),
            code="invalid_transition",
        )
    who = TRANSITIONS.get((event.status, status))
    if who is None:
        raise InvalidMessage(
            _("A dialogue cannot go from “%(old)s” to “%(new)s”.")
            % {
                "old": event.get_status_display(),
                "new": Event.Status(status).label if status in Event.Status.values else status,
            },
            code="invalid_transition",
        )
    allowed = (
        permissions.can_manage_event(actor, event)
        if who == "organiser"
        else permissions.can_moderate(actor, event)
    )
    if not allowed:
        raise NotAllowed(_("You may not change the status of this dialogue."))
    before = {"status": event.status}
    event.status = status
    event.save(update_fields=["status"])
    if status == Event.Status.ENDED:
        due = timezone.now() + timedelta(days=event.written_answer_days)
        record.owe_written_answers(actor=actor, event=event, due=due)
        close_open_poll(event=event)  # its results go to the archive as they stand
    log_action(
        actor=actor, action=Action.STATUS, event=event, before=before, after={"status": status}
    )
    broadcast_on_commit(moderators_group(event.pk), messages.event_updated(event))
    broadcast_on_commit(public_group(event.pk), messages.public_event_updated(event))
    broadcast_on_commit(stage_group(event.pk), stage_frame(event))
    return event


def transitions_for(user: User, event: Event) -> list[Transition]:
    """The status changes this person may make now, in the order of the table (none in a
    standing Q&A, which is always open)."""
    labels: dict[tuple[str, str], tuple[str, str]] = {
        (Event.Status.DRAFT, Event.Status.SCHEDULED): (_("Publish the schedule"), "button"),
        (Event.Status.SCHEDULED, Event.Status.DRAFT): (
            _("Cancel the dialogue (back to draft)"),
            "button button-danger",
        ),
        (Event.Status.SCHEDULED, Event.Status.LIVE): (_("Start the dialogue"), "button"),
        (Event.Status.LIVE, Event.Status.ENDED): (_("End the dialogue"), "button button-danger"),
        (Event.Status.ENDED, Event.Status.LIVE): (_("Reopen the dialogue"), "button"),
        (Event.Status.ENDED, Event.Status.ARCHIVED): (_("Publish the archive"), "button"),
    }
    if event.is_standing:
        return []
    organiser = permissions.can_manage_event(user, event)
    moderator = permissions.can_moderate(user, event)
    allowed = []
    for (old, new), who in TRANSITIONS.items():
        if old == event.status and (organiser or (who == "moderator" and moderator)):
            label, style = labels[(old, new)]
            allowed.append(Transition(new, label, style))
    return allowed
