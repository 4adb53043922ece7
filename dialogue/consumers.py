"""The citizen socket of one dialogue: snapshot, then live deltas; ask and vote.

Path: /ws/events/<slug>/. The protocol is documented in docs/protocol.md. This module is
transport only: it authenticates, joins the hub, parses each frame and calls one command.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from dialogue import commands, messages
from dialogue.fanout import (
    Subscriber,
    hub_for_running_loop,
    participant_group,
    public_group,
    server_send,
)
from dialogue.permissions import can_view_event
from dialogue.selectors import participant_for, public_snapshot_text, snapshot_text
from events.errors import DomainError
from events.models import Event

# "Try again later": a client that was too slow to read reconnects (with backoff) and resyncs.
STALLED_CLOSE_CODE = 1013
STALLED_CLOSE_SECONDS = 30.0


def _open(slug: str, scope: dict[str, Any]) -> tuple[commands.Connection, dict[str, Any]] | None:
    event = Event.objects.filter(slug=slug).first()
    if event is None or not can_view_event(scope["user"], event):
        return None
    participant = participant_for(event=event, user=scope["user"], session=scope.get("session"))
    connection = commands.Connection(
        event.pk, scope["user"], participant.pk if participant else None
    )
    return connection, {"event": event, "participant": participant}


class EventConsumer(AsyncWebsocketConsumer):
    # No channel per socket: the process's hub receives every broadcast once and writes it to
    # each local socket, so a consumer never reads from the channel layer itself.
    channel_layer_alias = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its per-message thread hop to close database connections."""
        # This consumer touches the database only through database_sync_to_async, which closes
        # stale connections in its own thread; the extra hop cost a third of each join and vote.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        opened = await database_sync_to_async(_open)(
            self.scope["url_route"]["kwargs"]["slug"], self.scope
        )
        if opened is None:
            await self.close()  # Before accept: the handshake is refused with 403.
            return
        self.connection, found = opened
        await self.accept()
        # Join first, then snapshot: frames arriving meanwhile are held back, then sent after it.
        self.audiences = [public_group(self.connection.event_id)]
        if self.connection.participant_id is not None:
            self.audiences.append(participant_group(self.connection.participant_id))
        self._send_frame = server_send(self.base_send)
        self.subscriber = Subscriber(self._send_text, on_stall=self._stalled)
        hub = hub_for_running_loop()
        await hub.subscribe(self.audiences, self.subscriber)
        # The public part is built once per change and shared by every join (no query per join).
        build = database_sync_to_async(public_snapshot_text)
        public = await hub.snapshots.get(self.audiences[0], lambda: build(event=found["event"]))
        if found["participant"] is None:
            await self._send_text(snapshot_text(public, None))
        else:
            personal = database_sync_to_async(snapshot_text)
            await self._send_text(await personal(public, found["participant"]))
        await self.subscriber.release()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "subscriber"):
            await hub_for_running_loop().unsubscribe(self.audiences, self.subscriber)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            command = messages.parse_command(text_data)
            known = self.connection.participant_id
            reply = await database_sync_to_async(commands.handle)(self.connection, command)
            if known is None and self.connection.participant_id is not None:
                # A signed-in user became a participant with this command: follow their questions.
                group = participant_group(self.connection.participant_id)
                self.audiences.append(group)
                await hub_for_running_loop().subscribe([group], self.subscriber)
        except DomainError as error:
            reply = messages.error_frame(error, reply_to=messages.command_id(text_data))
        await self._send_text(messages.dumps(reply))

    def _stalled(self) -> None:
        """The client stopped reading: the hub already skips it; close it in the background."""
        self._dropping = asyncio.ensure_future(self._drop())

    async def _drop(self) -> None:
        await hub_for_running_loop().unsubscribe(self.audiences, self.subscriber)
        # The close frame waits behind the unread data, so it is bounded in time: after that the
        # server's own keepalive timeout ends the connection (docs/protocol.md, "Slow readers").
        with contextlib.suppress(Exception):
            async with asyncio.timeout(STALLED_CLOSE_SECONDS):
                await self.close(code=STALLED_CLOSE_CODE)

    async def _send_text(self, text: str) -> None:
        await self._send_frame({"type": "websocket.send", "text": text})
