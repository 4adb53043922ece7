"""A dialogue's live settings: its moderation and voting modes, and the secret stage link."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from events import permissions
from events.models import Event, User, new_stage_token
from live.broadcast import broadcast_on_commit, control_on_commit
from live.errors import InvalidMessage, NotAllowed
from live.groups import (
    moderators_group,
    public_group,
    stage_group,
)
from live.sockets import LINK_RENEWED
from live.wire import build
from moderation import messages
from moderation.frames import StageRevoked
from moderation.models import ModerationLog
from moderation.services.audit import _log
from moderation.services.questions import ensure_can_moderate

Action = ModerationLog.Action


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
def renew_stage_link(*, actor: User, event: Event) -> Event:
    """Make a new secret stage link; the old one stops working at once."""
    if not permissions.can_manage_event(actor, event):
        raise NotAllowed(_("Only the organisers may renew the stage link."))
    event = Event.objects.select_for_update().get(pk=event.pk)
    event.stage_token = new_stage_token()
    event.save(update_fields=["stage_token"])
    control_on_commit(stage_group(event.pk), "close", build(StageRevoked), code=LINK_RENEWED)
    return event
