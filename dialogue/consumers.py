"""The citizen socket of one dialogue: snapshot, then live deltas in order; ask, vote, resync.

Path: /ws/events/<slug>/. The protocol is documented in docs/protocol.md. This module is
transport only: it authenticates, joins the hub (live/), parses each frame and calls one command.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any

from django.db import DatabaseError
from django.utils.translation import gettext as _

from dialogue import commands, frames, messages
from dialogue.batching import poll_answers_for_running_loop, votes_for_running_loop
from dialogue.permissions import can_view_event
from dialogue.selectors import (
    followed_participant_id,
    participant_for,
    public_snapshot_text,
    snapshot_text,
)
from events.models import Event
from live import metrics, threads
from live.errors import InvalidMessage, RateLimited
from live.groups import participant_group, public_group, session_group
from live.hub import hub_for_running_loop
from live.sockets import RECONNECT, LiveSocket
from live.wire import build, dumps, part

log = logging.getLogger(__name__)

Opened = tuple[commands.Connection, dict[str, Any]]

# Public dialogues by slug, for a few seconds: a crowd of anonymous viewers joining at once then
# costs no query and no thread hop each (their snapshot comes from the hub's cache).
_EVENTS: dict[str, tuple[float, Event]] = {}
EVENT_CACHE_SECONDS = 2.0
# A socket may ask for this many repairs per window; a snapshot is at most one at a time.
RESYNCS_PER_WINDOW, RESYNC_WINDOW_SECONDS = 5, 10.0


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


def _public_part(event_id: int) -> tuple[int, str]:
    """The public part of the snapshot as text, and the `seq` it is valid at."""
    text = public_snapshot_text(event=Event.objects.get(pk=event_id))
    return int(text[len('"seq":') : text.index(",")]), text


class EventConsumer(LiveSocket):
    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        opened: Opened | None = _open_cached(slug, self.scope)
        if opened is None:
            try:
                opened = await threads.read(_open)(slug, self.scope)
            except DatabaseError:
                await self.unavailable()
                return
        if opened is None:
            await self.close()  # Before accept: the handshake is refused with 403.
            return
        self.connection: commands.Connection = opened[0]
        found = opened[1]
        await self.take_seat(people=found["event"].people_per_address)
        self.public = public_group(self.connection.event_id)
        self.resyncs: list[float] = []
        self.snapshotting = False
        audiences = [self.public]
        if self.connection.participant_id is not None:
            audiences.append(participant_group(self.connection.participant_id))
        if self.scope["user"].is_authenticated and self.connection.session_key:
            audiences.append(session_group(self.connection.session_key))
        participant = found["participant"]

        async def snapshot() -> str:
            public = await self._public_snapshot()
            if participant is None:
                return snapshot_text(public, None)
            return str(await threads.read(snapshot_text)(public, participant))

        await self.open(audiences, snapshot)

    async def _public_snapshot(self) -> str:
        """The shared public part (built once per change), and the hub's order starts after it."""
        hub, event_id = hub_for_running_loop(), self.connection.event_id
        build = threads.read(_public_part)
        seq, text = await hub.snapshots.get(self.public, lambda: build(event_id))
        hub.start_sequence(self.public, seq)
        return text

    parse = staticmethod(messages.parse_command)
    reply_to = staticmethod(messages.command_id)

    async def handle(self, command: messages.CitizenCommand) -> dict[str, Any] | None:
        known, read_at = self.connection.participant_id, time.perf_counter()
        try:
            if isinstance(command, messages.VoteCommand | messages.Unvote):
                # Stored together with the other sockets' votes, one transaction per batch. The
                # socket reads its next frame meanwhile; the reply follows when the batch is in.
                stored = votes_for_running_loop().enqueue((self.connection, command))
                stored.add_done_callback(functools.partial(self._voted, known, read_at))
                return None
            if isinstance(command, messages.PollAnswerCommand):
                # Batched as votes are: a poll's answers arrive together, when it opens.
                stored = poll_answers_for_running_loop().enqueue((self.connection, command))
                stored.add_done_callback(functools.partial(self._answered, known))
                return None
            if isinstance(command, messages.Resync):
                await self._resync(command)
                return None
            if isinstance(command, messages.Follow):
                return await self._follow_link(command)
            return await threads.write(commands.handle)(self.connection, command)
        finally:
            await self._follow_new_participant(known)
            if isinstance(command, messages.Ask):
                metrics.ask_acknowledged(time.perf_counter() - read_at)

    async def _follow_link(self, command: messages.Follow) -> dict[str, Any]:
        """Follow the questions of the private link's asker: their page updates as they change.

        The link is the secret, as for the page itself; a renewed one closes these sockets
        (`dialogue/services.py`: `renew_follow_link`), and their page's next `follow` fails.
        """
        found = await threads.read(followed_participant_id)(self.connection.event_id, command.token)
        if found is None:
            raise InvalidMessage(
                _(
                    "This link to your questions is not valid: it was renewed, it has expired, "
                    "or its data was erased."
                ),
                code="invalid_link",
            )
        await self.follow(participant_group(found))
        return build(frames.Followed, reply_to=command.id)

    async def _resync(self, command: messages.Resync) -> None:
        """Repair from the hub's recent deltas, else from the cached public snapshot: no query."""
        now = time.monotonic()
        self.resyncs = [t for t in self.resyncs if t > now - RESYNC_WINDOW_SECONDS]
        if self.snapshotting or len(self.resyncs) >= RESYNCS_PER_WINDOW:
            raise RateLimited()
        self.resyncs.append(now)
        hub = hub_for_running_loop()
        if command.since is not None:
            deltas = hub.backlog(self.public, command.since)
            if deltas is not None:
                # The deltas were checked when they were built; the head is checked here.
                head = dumps(
                    build(frames.Backlog, reply_to=command.id, since=command.since, frames=[])
                )
                self.reply(head[: -len("]}")] + ",".join(deltas) + "]}")
                metrics.resync_served()
                return
        # Frames wait while the snapshot is read, so none is sent before it.
        self.snapshotting = True
        self.subscriber.hold()
        try:
            public = await self._public_snapshot()
            head = dumps(
                part(frames.SnapshotHead, type="snapshot", reply_to=command.id, partial=True)
            )
            await self.send_text(f"{head[:-1]},{public}}}")
            metrics.snapshot_served()
        finally:
            self.snapshotting = False
            self.subscriber.release()

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
            self.end(RECONNECT)
            return
        if known is None and self.connection.participant_id is not None:
            self._following = asyncio.ensure_future(self._follow_new_participant(known))
        self.reply(dumps(stored.result()))
        metrics.vote_acknowledged(time.perf_counter() - read_at)

    def _answered(self, known: int | None, stored: asyncio.Future[dict[str, Any]]) -> None:
        """Send a stored poll answer's reply, in order with the hub's frames for this socket."""
        if stored.cancelled():
            return
        error = stored.exception()
        if error is not None:
            log.error("storing a batch of poll answers failed", exc_info=error)
            self.end(RECONNECT)
            return
        if known is None and self.connection.participant_id is not None:
            self._following = asyncio.ensure_future(self._follow_new_participant(known))
        self.reply(dumps(stored.result()))

    async def _follow_new_participant(self, known: int | None) -> None:
        """A signed-in user became a participant with a command: follow their questions."""
        if known is None and self.connection.participant_id is not None:
            await self.follow(participant_group(self.connection.participant_id))
