"""The citizen socket of one dialogue: snapshot, then live deltas; ask and vote.

Path: /ws/events/<slug>/. The protocol is documented in docs/protocol.md. This module is
transport only: it authenticates, joins the hub, parses each frame and calls one command.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from typing import Any

from channels.db import database_sync_to_async

from dialogue import commands, messages
from dialogue.batching import votes_for_running_loop
from dialogue.fanout import (
    Subscriber,
    hub_for_running_loop,
    participant_group,
    public_group,
    server_send,
)
from dialogue.permissions import can_view_event
from dialogue.selectors import participant_for, public_snapshot_text, snapshot_text
from dialogue.sessions import session_group
from dialogue.sockets import HubConsumer
from events.errors import DomainError
from events.models import Event
from live import metrics

# What a server closes a socket with when the application fails (RFC 6455, 7.4.1).
INTERNAL_ERROR_CODE = 1011
# "Try again later": a client that was too slow to read reconnects (with backoff) and resyncs.
STALLED_CLOSE_CODE = 1013
STALLED_CLOSE_SECONDS = 30.0


log = logging.getLogger(__name__)

Opened = tuple[commands.Connection, dict[str, Any]]

# Public dialogues by slug, for a few seconds: a crowd of anonymous viewers joining at once then
# costs no query and no thread hop each (their snapshot comes from the hub's cache).
_EVENTS: dict[str, tuple[float, Event]] = {}
EVENT_CACHE_SECONDS = 2.0


def _open(slug: str, scope: dict[str, Any]) -> Opened | None:
    event = Event.objects.filter(slug=slug).first()
    if event is None or not can_view_event(scope["user"], event):
        return None
    if event.is_public:
        _EVENTS[slug] = (time.monotonic() + EVENT_CACHE_SECONDS, event)
    participant = participant_for(event=event, user=scope["user"], session=scope.get("session"))
    participant_id = participant.pk if participant else None
    connection = commands.Connection(event.pk, scope["user"], participant_id, **_origin(scope))
    return connection, {"event": event, "participant": participant}


def _origin(scope: dict[str, Any]) -> dict[str, str | None]:
    """The client's address (for rate limits) and its session (to notice a sign-out)."""
    client = scope.get("client") or (None, None)
    session = scope.get("session")
    return {"ip": client[0], "session_key": getattr(session, "session_key", None)}


def _open_cached(slug: str, scope: dict[str, Any]) -> Opened | None:
    """`_open` without the database, for a viewer with no account and no participant yet."""
    cached = _EVENTS.get(slug)
    session = scope.get("session")
    if cached is None or cached[0] < time.monotonic() or scope["user"].is_authenticated:
        return None
    if session is not None and session.session_key is not None:
        return None  # this browser may be a participant: look it up
    connection = commands.Connection(cached[1].pk, scope["user"], None, **_origin(scope))
    return connection, {"event": cached[1], "participant": None}


class EventConsumer(HubConsumer):
    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        opened: Opened | None = _open_cached(slug, self.scope)
        if opened is None:
            opened = await database_sync_to_async(_open)(slug, self.scope)
        if opened is None:
            await self.close()  # Before accept: the handshake is refused with 403.
            return
        connection, found = opened
        self.connection = connection
        await self.accept()
        # Join first, then snapshot: frames arriving meanwhile are held back, then sent after it.
        self.audiences = [public_group(self.connection.event_id)]
        if self.connection.participant_id is not None:
            self.audiences.append(participant_group(self.connection.participant_id))
        if self.scope["user"].is_authenticated and self.connection.session_key:
            self.audiences.append(session_group(self.connection.session_key))
        self._send_frame = server_send(self.base_send)
        self.subscriber = Subscriber(
            self._send_text, on_stall=self._stalled, asgi_send=self._send_frame
        )
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
        known = self.connection.participant_id
        read_at = time.perf_counter()
        command: messages.CitizenCommand | None = None
        try:
            command = messages.parse_command(text_data)
            if isinstance(command, messages.VoteCommand | messages.Unvote):
                # Stored together with the other sockets' votes, one transaction per batch. The
                # socket reads its next frame meanwhile; the reply follows when the batch is in.
                stored = votes_for_running_loop().enqueue((self.connection, command))
                stored.add_done_callback(functools.partial(self._voted, known, read_at))
                return
            reply = await database_sync_to_async(commands.handle)(self.connection, command)
        except DomainError as error:
            reply = messages.error_frame(error, reply_to=messages.command_id(text_data))
        await self._follow_new_participant(known)
        await self._send_text(messages.dumps(reply))
        if isinstance(command, messages.Ask):
            metrics.ask_acknowledged(time.perf_counter() - read_at)

    def _voted(
        self, known: int | None, read_at: float, stored: asyncio.Future[dict[str, Any]]
    ) -> None:
        """Send a stored vote's reply, in order with the hub's frames for this socket."""
        if stored.cancelled():
            return
        error = stored.exception()
        if error is not None:
            # As when any command fails unexpectedly: the client reconnects, resyncs and sends
            # again what had no reply.
            log.error("storing a vote batch failed", exc_info=error)
            self._closing = asyncio.ensure_future(self.close(code=INTERNAL_ERROR_CODE))
            return
        if known is None and self.connection.participant_id is not None:
            self._following = asyncio.ensure_future(self._follow_new_participant(known))
        self.subscriber.reply(messages.dumps(stored.result()))
        metrics.vote_acknowledged(time.perf_counter() - read_at)

    async def _follow_new_participant(self, known: int | None) -> None:
        """A signed-in user became a participant with a command: follow their questions."""
        if known is not None or self.connection.participant_id is None:
            return
        group = participant_group(self.connection.participant_id)
        if group not in self.audiences:
            self.audiences.append(group)
            await hub_for_running_loop().subscribe([group], self.subscriber)

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
