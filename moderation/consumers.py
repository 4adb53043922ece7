"""The staff sockets of one dialogue: the moderators' console, the official's, and the stage.

Paths: /ws/events/<slug>/moderate/, /ws/events/<slug>/official/, /ws/stage/<token>/. The
protocol is in docs/protocol.md. Transport only: authenticate, join the hub, parse each frame,
call one command.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from dialogue.audiences import moderators_group, official_group, stage_group
from dialogue.fanout import Subscriber, hub_for_running_loop, public_group
from dialogue.messages import command_id, error_frame
from dialogue.sessions import session_group, user_group
from events.errors import DomainError, NotAllowed
from events.models import Event
from events.permissions import can_answer, can_moderate, needs_two_factor_setup
from moderation import commands, messages, selectors
from moderation.services import StaleVersion


def _authorise(slug: str, user: Any) -> int | None:
    event = Event.objects.filter(slug=slug).first()
    if event is None or not user.is_authenticated or not can_moderate(user, event):
        return None
    if needs_two_factor_setup(user):  # as for the console page: staff work with two factors
        return None
    return event.pk


def _snapshot(event_id: int) -> dict[str, Any]:
    return selectors.moderator_snapshot(Event.objects.get(pk=event_id))


class ModeratorConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = None  # the hub delivers; see dialogue/fanout.py

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        event_id = await database_sync_to_async(_authorise)(slug, self.scope["user"])
        if event_id is None:
            await self.close()  # Before accept: the handshake is refused with 403.
            return
        self.event_id = event_id
        await self.accept()
        # Join first, then snapshot. Moderators also follow the public audience, for tallies.
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.audiences = [
            moderators_group(event_id),
            public_group(event_id),
            user_group(self.scope["user"].pk),
        ]
        if self.session_key:
            self.audiences.append(session_group(self.session_key))
        self.subscriber = Subscriber(self._send_text)
        await hub_for_running_loop().subscribe(self.audiences, self.subscriber)
        snapshot = await database_sync_to_async(_snapshot)(event_id)
        await self._send_text(messages.dumps(snapshot))
        await self.subscriber.release()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "subscriber"):
            await hub_for_running_loop().unsubscribe(self.audiences, self.subscriber)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        reply_to = command_id(text_data)
        try:
            command = messages.parse_command(text_data)
            reply = await database_sync_to_async(commands.handle)(
                self.scope["user"], self.event_id, command, self.session_key
            )
        except StaleVersion as error:
            reply = await database_sync_to_async(commands.conflict_frame)(
                error, self.event_id, reply_to
            )
        except DomainError as error:
            reply = error_frame(error, reply_to=reply_to)
        await self._send_text(messages.dumps(reply))

    async def _send_text(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})


def _authorise_official(slug: str, user: Any) -> int | None:
    event = Event.objects.filter(slug=slug).first()
    if event is None or not user.is_authenticated or needs_two_factor_setup(user):
        return None
    if not (can_answer(user, event) or can_moderate(user, event)):
        return None
    return event.pk


def _official_snapshot(user: Any, event_id: int) -> dict[str, Any]:
    return commands.official_snapshot(user, Event.objects.get(pk=event_id))


class OfficialConsumer(AsyncWebsocketConsumer):
    """The official's console: the questions routed to them, live; answering and writing."""

    channel_layer_alias = None  # the hub delivers; see dialogue/fanout.py

    async def connect(self) -> None:
        user = self.scope["user"]
        slug = self.scope["url_route"]["kwargs"]["slug"]
        event_id = await database_sync_to_async(_authorise_official)(slug, user)
        if event_id is None:
            await self.close()
            return
        self.event_id = event_id
        await self.accept()
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.audiences = [official_group(event_id, user.pk), user_group(user.pk)]
        if self.session_key:
            self.audiences.append(session_group(self.session_key))
        self.subscriber = Subscriber(self._send_text)
        await hub_for_running_loop().subscribe(self.audiences, self.subscriber)
        snapshot = await database_sync_to_async(_official_snapshot)(user, event_id)
        await self._send_text(messages.dumps(snapshot))
        await self.subscriber.release()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "subscriber"):
            await hub_for_running_loop().unsubscribe(self.audiences, self.subscriber)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        reply_to = command_id(text_data)
        try:
            command = messages.parse_official_command(text_data)
            reply = await database_sync_to_async(commands.handle_official)(
                self.scope["user"], self.event_id, command, self.session_key
            )
        except DomainError as error:
            reply = error_frame(error, reply_to=reply_to)
        await self._send_text(messages.dumps(reply))

    async def _send_text(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})


def _stage_event(token: str) -> tuple[int, dict[str, Any]] | None:
    event = Event.objects.filter(stage_token=token).exclude(status=Event.Status.DRAFT).first()
    if event is None:
        return None
    return event.pk, selectors.stage_frame(event)


class StageConsumer(AsyncWebsocketConsumer):
    """The hall's screen: receives stage frames only, opened by the secret stage link."""

    channel_layer_alias = None  # the hub delivers; see dialogue/fanout.py

    async def connect(self) -> None:
        opened = await database_sync_to_async(_stage_event)(
            self.scope["url_route"]["kwargs"]["token"]
        )
        if opened is None:
            await self.close()
            return
        event_id, _snapshot = opened
        await self.accept()
        self.audiences = [stage_group(event_id)]
        self.subscriber = Subscriber(self._send_text)
        await hub_for_running_loop().subscribe(self.audiences, self.subscriber)
        # Read again after joining, so nothing between the first read and the join is missed.
        opened = await database_sync_to_async(_stage_event)(
            self.scope["url_route"]["kwargs"]["token"]
        )
        if opened is None:
            await self.close()
            return
        await self._send_text(messages.dumps(opened[1]))
        await self.subscriber.release()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "subscriber"):
            await hub_for_running_loop().unsubscribe(self.audiences, self.subscriber)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The stage only listens; anything it is sent is answered with an error and ignored.
        error = NotAllowed("The stage screen sends no commands.", code="not_allowed")
        await self._send_text(messages.dumps(error_frame(error, reply_to=command_id(text_data))))

    async def _send_text(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})
