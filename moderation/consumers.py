"""The moderator socket of one dialogue: every question live, and the moderation commands.

Path: /ws/events/<slug>/moderate/. The protocol is in docs/protocol.md ("The moderator
socket"). Transport only: authenticate, join the hub, parse each frame, call one command.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from dialogue.fanout import Subscriber, hub_for_running_loop, public_group
from dialogue.messages import command_id, error_frame
from dialogue.sessions import session_group, user_group
from events.errors import DomainError
from events.models import Event
from events.permissions import can_moderate, needs_two_factor_setup
from moderation import commands, messages, selectors
from moderation.services import StaleVersion, moderators_group


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
