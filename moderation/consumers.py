"""The staff sockets of one dialogue: the moderators' console, the official's, and the stage.

Paths: /ws/events/<slug>/moderate/, /ws/events/<slug>/official/, /ws/stage/<token>/. The
protocol is in docs/protocol.md. Transport only: authenticate, join the hub, parse each frame,
call one command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async

from dialogue import socket_limits
from dialogue.audiences import moderators_group, official_group, stage_group
from dialogue.fanout import Subscriber, hub_for_running_loop, public_group
from dialogue.messages import command_id, error_frame
from dialogue.sessions import session_group, user_group
from dialogue.sockets import HubConsumer
from events.errors import DomainError, NotAllowed
from events.models import Event
from events.permissions import can_answer, can_moderate, needs_two_factor_setup
from moderation import commands, messages, selectors
from moderation.services import StaleVersion


class HubSocket(HubConsumer):
    """A socket fed by the process's hub: join the audiences, send the snapshot, then deltas."""

    audiences: list[str]
    # The staff sockets' schema and command handler (see ModeratorConsumer, OfficialConsumer).
    parse: Callable[[str | None], Any]
    handle: Callable[..., dict[str, Any]]

    async def start(self, audiences: list[str], snapshot: Callable[[], dict[str, Any]]) -> None:
        """Accept, join first, then send the snapshot; frames arriving meanwhile are held."""
        await socket_limits.admit_socket(self)
        await self.accept()
        self.audiences = audiences
        self.subscriber = Subscriber(self._send_text)
        await hub_for_running_loop().subscribe(self.audiences, self.subscriber)
        await self._send_text(messages.dumps(await database_sync_to_async(snapshot)()))
        await self.subscriber.release()

    def staff_audiences(self, *groups: str) -> list[str]:
        """The given groups, and those that tell this account and session of lost access."""
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        audiences = [*groups, user_group(self.scope["user"].pk)]
        if self.session_key:
            audiences.append(session_group(self.session_key))
        return audiences

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Parse one frame, then run its command for this account in a worker thread."""
        try:
            command = self.parse(text_data)
        except DomainError as error:
            await self.refuse(error, text_data)
            return
        user, session_key = self.scope["user"], self.session_key
        try:
            handle = self.handle
            reply = await database_sync_to_async(handle)(user, self.event_id, command, session_key)
        except StaleVersion as error:
            conflict = commands.conflict_frame
            reply = await database_sync_to_async(conflict)(error, self.event_id, command.id)
        except DomainError as error:
            reply = error_frame(error, reply_to=command.id)
        await self._send_text(messages.dumps(reply))

    async def refuse(self, error: DomainError, text_data: str | None) -> None:
        await self._send_text(messages.dumps(error_frame(error, reply_to=command_id(text_data))))

    async def disconnect(self, code: int) -> None:
        await socket_limits.release_socket(self)
        if hasattr(self, "subscriber"):
            await hub_for_running_loop().unsubscribe(self.audiences, self.subscriber)

    async def _send_text(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})


def _authorise(slug: str, user: Any, may: Callable[[Any, Event], bool]) -> int | None:
    """The event's id if `user` may open this staff socket (with two factors), else None."""
    event = Event.objects.filter(slug=slug).first()
    if event is None or not user.is_authenticated or needs_two_factor_setup(user):
        return None
    return event.pk if may(user, event) else None


def _may_answer(user: Any, event: Event) -> bool:
    return can_answer(user, event) or can_moderate(user, event)


class ModeratorConsumer(HubSocket):
    """The moderators' console: every question live, and the moderation commands."""

    async def connect(self) -> None:
        slug, user = self.scope["url_route"]["kwargs"]["slug"], self.scope["user"]
        event_id = await database_sync_to_async(_authorise)(slug, user, can_moderate)
        if event_id is None:
            await self.close()  # Before accept: the handshake is refused with 403.
            return
        self.event_id = event_id
        # Moderators also follow the public audience, for the vote tallies.
        audiences = self.staff_audiences(moderators_group(event_id), public_group(event_id))
        await self.start(
            audiences, lambda: selectors.moderator_snapshot(Event.objects.get(pk=event_id))
        )

    parse = staticmethod(messages.parse_command)
    handle = staticmethod(commands.handle)


class OfficialConsumer(HubSocket):
    """The official's console: the questions routed to them, live; answering and writing."""

    async def connect(self) -> None:
        slug, user = self.scope["url_route"]["kwargs"]["slug"], self.scope["user"]
        event_id = await database_sync_to_async(_authorise)(slug, user, _may_answer)
        if event_id is None:
            await self.close()
            return
        self.event_id = event_id
        audiences = self.staff_audiences(official_group(event_id, user.pk))
        await self.start(
            audiences, lambda: commands.official_snapshot(user, Event.objects.get(pk=event_id))
        )

    parse = staticmethod(messages.parse_official_command)
    handle = staticmethod(commands.handle_official)


def _stage_event_id(token: str) -> int | None:
    event = Event.objects.filter(stage_token=token).exclude(status=Event.Status.DRAFT).first()
    return event.pk if event else None


class StageConsumer(HubSocket):
    """The hall's screen: receives stage frames only, opened by the secret stage link."""

    async def connect(self) -> None:
        event_id = await database_sync_to_async(_stage_event_id)(
            self.scope["url_route"]["kwargs"]["token"]
        )
        if event_id is None:
            await self.close()
            return
        self.event_id = event_id
        await self.start(
            [stage_group(event_id)], lambda: selectors.stage_frame(Event.objects.get(pk=event_id))
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The stage only listens; anything it is sent is answered with an error and ignored.
        await self.refuse(NotAllowed("The stage screen sends no commands."), text_data)
