"""The staff sockets of one dialogue: the moderators' console, the official's, and the stage.

Paths: /ws/events/<slug>/moderate/, /ws/events/<slug>/official/, /ws/stage/<token>/. The
protocol is in docs/protocol.md. Transport only: authenticate, join the hub, parse each frame,
call one command. Their rights are live: each checks them again when its account, session or
role changes, and closes when they are gone (live/sockets.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError

from dialogue.messages import command_id
from dialogue.sessions import is_signed_in
from events.models import Event
from events.permissions import can_moderate, can_run, needs_two_factor_setup
from live import threads
from live.errors import NotAllowed
from live.groups import (
    moderators_group,
    official_group,
    public_group,
    session_group,
    stage_group,
    user_group,
)
from live.sockets import LINK_RENEWED, RECONNECT, LiveSocket, Refused
from live.wire import build, dumps
from moderation import commands, messages, selectors
from moderation.frames import StageRevoked
from moderation.services import StaleVersion

log = logging.getLogger(__name__)


class StaffSocket(LiveSocket):
    """A console: opened by an account with a role in the dialogue, for as long as it has one."""

    event_id: int
    session_key: str | None
    # The role this console needs, its schema and its command handler (see the subclasses).
    may: Callable[[Any, Event], bool]
    run: Callable[..., dict[str, Any]]
    reply_to = staticmethod(command_id)

    async def connect(self) -> None:
        slug, user = self.scope["url_route"]["kwargs"]["slug"], self.scope["user"]
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        try:
            event_id = await threads.read(self._authorise)(slug=slug)
        except DatabaseError:
            await self.unavailable()
            return
        if event_id is None:
            await self.close()  # Before accept: the handshake is refused with 403.
            return
        self.event_id = event_id
        await self.take_seat()
        audiences = [*self.audiences_for(event_id, user), user_group(user.pk)]
        if self.session_key:
            audiences.append(session_group(self.session_key))

        def snapshot() -> str:
            # Checked again after joining: a right revoked since the handshake closes it here.
            if self._authorise(event_id=event_id) is None:
                raise Refused(frame=self.revoked_frame)
            return dumps(self.snapshot(user, Event.objects.get(pk=event_id)))

        await self.open(audiences, threads.read(snapshot))

    def audiences_for(self, event_id: int, user: Any) -> list[str]:
        raise NotImplementedError

    def snapshot(self, user: Any, event: Event) -> dict[str, Any]:
        raise NotImplementedError

    def _authorise(self, *, slug: str | None = None, event_id: int | None = None) -> int | None:
        """The event's id if this account may open this console now (two factors, session)."""
        user = self.scope["user"]
        if not user.is_authenticated or not is_signed_in(user, self.session_key):
            return None
        events = Event.objects.filter(slug=slug) if slug is not None else Event.objects
        event = events.filter(pk=event_id).first() if event_id is not None else events.first()
        if event is None or needs_two_factor_setup(user):
            return None
        return event.pk if type(self).may(user, event) else None

    async def still_allowed(self) -> bool:
        return await threads.read(self._authorise)(event_id=self.event_id) is not None

    def recovered(self) -> None:
        # Console frames are not sequenced: after an outage, reload the console's snapshot.
        self.end(RECONNECT)

    async def handle(self, command: Any) -> dict[str, Any]:
        """Run the command for this account on the writes' thread; a stale version is answered
        with the question as it is now."""
        user, session_key, run = self.scope["user"], self.session_key, type(self).run
        try:
            return await threads.write(run)(user, self.event_id, command, session_key)
        except StaleVersion as error:
            conflict = commands.conflict_frame
            return await threads.read(conflict)(error, self.event_id, command.id)


def _may_answer(user: Any, event: Event) -> bool:
    return can_run(user, event)


class ModeratorConsumer(StaffSocket):
    """The moderators' console: every question live, and the moderation commands."""

    audience = "moderators"
    may = staticmethod(can_moderate)
    parse = staticmethod(messages.parse_command)
    run = staticmethod(commands.handle)

    def audiences_for(self, event_id: int, user: Any) -> list[str]:
        # Moderators also follow the public audience, for the vote tallies.
        return [moderators_group(event_id), public_group(event_id)]

    def snapshot(self, user: Any, event: Event) -> dict[str, Any]:
        return selectors.moderator_snapshot(event)


class OfficialConsumer(StaffSocket):
    """The official's console: the questions routed to them, live; answering and writing."""

    audience = "official"
    may = staticmethod(_may_answer)
    parse = staticmethod(messages.parse_official_command)
    run = staticmethod(commands.handle_official)

    def audiences_for(self, event_id: int, user: Any) -> list[str]:
        return [official_group(event_id, user.pk)]

    def snapshot(self, user: Any, event: Event) -> dict[str, Any]:
        return commands.official_snapshot(user, event)


def _stage_event_id(token: str) -> int | None:
    event = Event.objects.filter(stage_token=token).exclude(status=Event.Status.DRAFT).first()
    return event.pk if event else None


class StageConsumer(LiveSocket):
    """The hall's screen: receives stage frames only, opened by the secret stage link."""

    audience = "stage"
    revoked_frame = dumps(build(StageRevoked))

    async def connect(self) -> None:
        self.token = self.scope["url_route"]["kwargs"]["token"]
        try:
            event_id = await threads.read(_stage_event_id)(self.token)
        except DatabaseError:
            await self.unavailable()
            return
        if event_id is None:
            await self.close()
            return
        self.event_id = event_id
        await self.take_seat()

        def snapshot() -> str:
            if _stage_event_id(self.token) != event_id:
                raise Refused(LINK_RENEWED, self.revoked_frame)
            return dumps(selectors.stage_frame(Event.objects.get(pk=event_id)))

        await self.open([stage_group(event_id)], threads.read(snapshot))

    async def still_allowed(self) -> bool:
        return await threads.read(_stage_event_id)(self.token) == self.event_id

    reply_to = staticmethod(command_id)

    def parse(self, text: str | None) -> Any:
        # The stage only listens; anything it is sent is answered with an error and ignored.
        raise NotAllowed("The stage screen sends no commands.")
