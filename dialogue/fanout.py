"""The live fan-out: one broadcast helper for every service, one hub per server process.

Services call `broadcast_on_commit`; after the transaction commits, the frame is serialised once
and sent to the channel-layer group of its audience. Each process's hub holds one channel that
is a member of every group a local socket needs, reads each message once and writes the
pre-serialised text straight to each local socket (DESIGN.md, "The real-time model", 6). With
Redis, a broadcast therefore costs one message per process, not one per socket.

Under uvicorn's `websockets-sansio` server the hub goes one step further: it encodes each frame
to its wire bytes once per broadcast and writes those bytes to every open socket's transport, as a
bare `websockets` server would, instead of handing each socket an ASGI message to encode again
(`wire_socket`). Any other server, and any socket that is closing, compressing or blocked, takes
the ASGI path.

The same path carries the heartbeat: every `HEARTBEAT_SECONDS` the hub writes one unsolicited
pong frame (RFC 6455, 5.5.3: a unidirectional heartbeat, no reply expected) to every socket. The
traffic, and the client's TCP acknowledgement, keep a quiet phone's mapping alive in mobile NATs
and proxies for the cost of one write per socket, without the server's ping, its pong and its
timer per socket (docs/deploy.md, "uvicorn options"); the server's slower ping still finds the
dead sockets.

Vote tallies are coalesced: votes mark questions as changed, and at most once per interval the
hub of the process reads the current counts of what changed and broadcasts one `tally` frame.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

from asgiref.sync import SyncToAsync, async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper
from django.conf import settings
from django.db import transaction
from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # uvicorn is a production dependency; the development server is daphne
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

from dialogue import messages

log = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[None]]


def public_group(event_id: int) -> str:
    return f"event.{event_id}.public"


def stage_group(event_id: int) -> str:
    """The hall's screen: the question being answered and the next ones."""
    return f"event.{event_id}.stage"


def participant_group(participant_id: int) -> str:
    return f"participant.{participant_id}"


# --- Sending -------------------------------------------------------------------------------


def broadcast_on_commit(group: str, frame: dict[str, Any]) -> None:
    """Send `frame` to everyone in `group` once the current transaction commits."""
    transaction.on_commit(lambda: _send_to_group(group, stamped(frame)))


def stamped(frame: dict[str, Any]) -> str:
    """Serialise a broadcast frame once, with the server time it leaves (`sent_at`, Unix ms)."""
    # Stamped at commit, not when the service built it: latency is measured from the moment a
    # change became true in the database (docs/protocol.md, docs/performance.md).
    return messages.dumps({**frame, "sent_at": round(time.time() * 1000, 1)})


def tally_on_commit(event_id: int, *question_ids: int) -> None:
    """Note that questions' vote counts changed; their tally frame follows within an interval."""
    transaction.on_commit(lambda: _mark_tally(event_id, question_ids))


def _send_to_group(group: str, text: str) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(
            group, {"type": "hub.frame", "group": group, "text": text}
        )
    except Exception:
        # Best effort: the database holds the truth and clients repair gaps by resyncing.
        log.exception("broadcast to %s failed", group)


def _mark_tally(event_id: int, question_ids: tuple[int, ...]) -> None:
    # Called after commit in the database thread. Marking takes microseconds in the hub's loop,
    # so it is handed over without waiting: a blocking hop would hold the next vote batch until
    # the busy loop came round to it (asgiref keeps the loop of the calling coroutine here).
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    try:
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(_mark_in_loop, event_id, question_ids)
        else:
            async_to_sync(_amark_tally)(event_id, question_ids)
    except Exception:
        log.exception("tally for event %s failed", event_id)


def _mark_in_loop(event_id: int, question_ids: tuple[int, ...]) -> None:
    tallies = hub_for_running_loop().tallies
    for question_id in question_ids:
        tallies.mark(event_id, question_id)


async def _amark_tally(event_id: int, question_ids: tuple[int, ...]) -> None:
    _mark_in_loop(event_id, question_ids)


# --- The hub -------------------------------------------------------------------------------


# A subscriber whose socket stops reading is dropped once this many frames wait behind it, or
# once one send has been blocked this long. Frames are small (≈1 KB), so this bounds the memory
# a stalled phone can hold at well under 100 KB on top of the server's transport buffer.
BACKLOG_LIMIT = 64
STALL_SECONDS = 10.0
# The longest a cached snapshot may lag behind what changes without a frame (see SnapshotCache).
SNAPSHOT_SECONDS = 2.0
# An empty pong frame, as the hub's heartbeat writes it to each socket.
HEARTBEAT_FRAME = Frame(Opcode.PONG, b"").serialize(mask=False)
# How long the hub's read of the channel layer blocks in Redis before asking again.
HUB_BLOCK_SECONDS = 2


class Subscriber:
    """One local socket's place in the hub; holds frames back until its snapshot is sent.

    Delivery is eager: the send coroutine is stepped at once, and a server that accepts the frame
    into its transport buffer (the usual case) finishes it in that step, with no task and no
    context switch per socket. Only a send that blocks (the socket's buffer is full because the
    client stopped reading) becomes a task; later frames wait behind it in a bounded backlog,
    and a socket that stays blocked is dropped (`on_stall`) so it never slows the others.
    """

    __slots__ = (
        "_asgi_send",
        "_backlog",
        "_held",
        "_on_stall",
        "_send",
        "_task",
        "_wire",
        "stalled",
    )

    def __init__(
        self,
        send: Send,
        on_stall: Callable[[], object] | None = None,
        asgi_send: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self._send = send
        self._on_stall = on_stall
        # The server's own ASGI send, when the owner offers it: the hub then hands every socket
        # the same `websocket.send` message, built once per broadcast (see Hub.dispatch).
        self._asgi_send = asgi_send
        # The server's connection behind that send, when the hub may write wire bytes to it.
        self._wire = wire_socket(asgi_send)
        self._held: list[str] | None = []
        self._backlog: deque[str] | None = None
        self._task: asyncio.Task[None] | None = None
        self.stalled = False

    async def deliver(self, text: str) -> None:
        self.push(text)

    @property
    def writes_wire(self) -> bool:
        """Whether the hub may hand this socket a frame's wire bytes (see `wire_socket`)."""
        return self._wire is not None

    def push(
        self, text: str, message: dict[str, Any] | None = None, wire: bytes | None = None
    ) -> None:
        """Hand one frame to the socket without waiting for it (the hub's fast path).

        `message` is the frame as the ASGI message, `wire` as the bytes of a whole unmasked
        text frame, both built once per broadcast by the hub.
        """
        if self.stalled:
            return
        if self._held is not None:
            self._held.append(text)
            if len(self._held) > BACKLOG_LIMIT:
                self.stall()
        elif self._backlog is not None:
            self._backlog.append(text)
            if len(self._backlog) > BACKLOG_LIMIT:
                self.stall()
        elif wire is not None and _write_wire(self._wire, wire):
            return
        elif message is not None and self._asgi_send is not None:
            self._step(self._asgi_send(message))
        else:
            self._step(self._send(text))

    def _step(self, send: Awaitable[None]) -> None:
        sending = cast(Coroutine[Any, Any, None], send)  # ASGI sends are coroutine functions
        try:
            blocked = sending.send(None)
        except StopIteration:
            return
        except Exception:
            log.debug("delivery to a closing socket failed", exc_info=True)
            return
        # The send is waiting for the socket to drain: finish it, and what follows, in a task.
        self._backlog = deque()
        self._task = asyncio.ensure_future(self._drain(sending, blocked))

    async def _drain(self, sending: Coroutine[Any, Any, None], blocked: Any) -> None:
        try:
            async with asyncio.timeout(STALL_SECONDS):
                await _finish(sending, blocked)
                while self._backlog:
                    await self._send(self._backlog.popleft())
        except TimeoutError:
            self.stall()
        except Exception:
            log.debug("delivery to a closing socket failed", exc_info=True)
        finally:
            self._backlog = None
            self._task = None

    def reply(self, text: str) -> None:
        """A frame for this socket alone (a command's reply), in order with the hub's frames."""
        self.push(text, None, wire_frame(text) if self._wire is not None else None)

    def beat(self) -> None:
        """Write the heartbeat frame if this socket takes wire bytes and has nothing waiting."""
        if self._held is None and self._backlog is None and not self.stalled:
            _write_wire(self._wire, HEARTBEAT_FRAME)

    def stall(self) -> None:
        """Stop delivering to this socket and tell its owner, which drops the connection."""
        if self.stalled:
            return
        self.stalled = True
        self._held = None
        self._backlog = None
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
        log.info("dropping a socket that stopped reading")
        if self._on_stall is not None:
            self._on_stall()

    async def release(self) -> None:
        """Send what arrived while the snapshot was being made, then deliver directly."""
        held = self._held or []
        self._held = None
        for text in held:
            self.push(text)


def server_send(send: Any) -> Any:
    """The server's own ASGI `send` under Channels' session middleware, for frames after accept."""
    # The wrapper only has work on `websocket.accept` (saving the session), yet inspects the
    # lazy session on every frame: a measurable cost per socket per broadcast.
    owner = getattr(send, "__self__", None)
    while isinstance(owner, InstanceSessionWrapper):
        send = owner.real_send
        owner = getattr(send, "__self__", None)
    return send


def wire_socket(send: Any) -> Any:
    """uvicorn's websockets-sansio connection behind an ASGI `send`, or None for other servers.

    Every server-to-client frame of a message is the same bytes on every socket (unmasked, and
    uncompressed when the socket negotiated no extension), so the hub can encode it once and
    write it to each connection's transport. The connection's own `send` would encode the same
    text again for each socket and run two coroutine layers around it: most of what separates
    the application's fan-out from a bare `websockets` broadcast.
    """
    owner = getattr(send, "__self__", None)
    if WebSocketsSansIOProtocol is None or not isinstance(owner, WebSocketsSansIOProtocol):
        return None
    return owner


def wire_frame(text: str) -> bytes:
    """A whole text frame as a server sends it: no mask, no extension, one fragment."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def _write_wire(connection: Any, wire: bytes) -> bool:
    """Write a frame's bytes to the connection if it is open, idle and plain; else say no.

    What falls back to the server's own `send`: a connection that is closing or closed (its
    `send` raises or ignores as the server decides), one whose transport asked to stop writing
    (its `send` waits, and the subscriber's backlog takes over), and one with an extension such
    as compression, whose frames the server must transform itself.
    """
    if (
        connection is None
        or connection.close_sent
        or connection.disconnected
        or not connection.writable.is_set()
        or connection.conn.state is not OPEN
        or connection.conn.extensions
    ):
        return False
    transport = connection.transport
    if transport.is_closing():
        return False
    transport.write(wire)
    return True


async def _finish(sending: Coroutine[Any, Any, None], blocked: Any) -> None:
    """Run a coroutine that was stepped by hand, and suspended on `blocked`, to its end."""
    # This is what an asyncio task does with a coroutine (Python 3.12's eager tasks do the same
    # for the first step): wait for the future it yielded, then resume it, until it returns.
    try:
        while True:
            if blocked is None:
                await asyncio.sleep(0)
            else:
                await asyncio.wait((blocked,))
            blocked = sending.send(None)
    except StopIteration:
        return
    except BaseException:
        sending.close()
        raise


class TallyCoalescer:
    """Collects changed vote counts per event and flushes each event at most once per interval.

    With Redis, the limit holds across workers: each worker adds what changed to a shared set,
    and only the worker that takes the event's lock for this interval reads the set and sends the
    tally. A worker that finds the lock taken tries again when it expires, until the set has been
    taken by someone, so no change is left behind.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._changed: dict[int, set[int]] = {}
        self._flushing: set[asyncio.Task[None]] = set()  # strong references until done

    def mark(self, event_id: int, question_id: int) -> None:
        changed = self._changed.get(event_id)
        if changed is not None:
            changed.add(question_id)
            return
        self._changed[event_id] = {question_id}
        self._schedule(event_id, self.interval)

    def _schedule(self, event_id: int, delay: float) -> None:
        # A fresh context: the caller's belongs to a finished sync-to-async call, whose thread
        # executor the flush must not reuse.
        asyncio.get_running_loop().call_later(
            delay, self._start_flush, event_id, context=contextvars.Context()
        )

    def _start_flush(self, event_id: int) -> None:
        task = asyncio.ensure_future(self._flush(self._changed.pop(event_id, set()), event_id))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _flush(self, question_ids: set[int], event_id: int) -> None:
        from dialogue.selectors import vote_counts

        try:
            layer = get_channel_layer()
            if hasattr(layer, "connection"):
                claimed = await self._claim(layer, event_id, question_ids)
                if claimed is None:
                    return
                question_ids = claimed
            if not question_ids:
                return
            counts = await database_sync_to_async(vote_counts)(question_ids=question_ids)
            if counts:
                text = stamped(messages.tally(counts))
                # The stage shows vote counts too; a tally carries only ids and numbers.
                for group in (public_group(event_id), stage_group(event_id)):
                    message = {"type": "hub.frame", "group": group, "text": text}
                    await layer.group_send(group, message)
        except Exception:
            log.exception("tally flush for event %s failed", event_id)

    async def _claim(self, layer: Any, event_id: int, question_ids: set[int]) -> set[int] | None:
        """Share what changed; return every worker's changes if ours is this interval's flush."""
        key = f"{layer.prefix}:tally:{event_id}"
        redis = layer.connection(layer.consistent_hash(key))
        if question_ids:
            await redis.sadd(key, *question_ids)
            await redis.pexpire(key, 60_000)
        lock = int(self.interval * 1000)
        if not await redis.set(f"{key}:lock", 1, nx=True, px=lock):
            # Another worker flushed within this interval: look again when its lock expires.
            wait = await redis.pttl(f"{key}:lock")
            self._schedule_retry(event_id, max(wait, 1) / 1000)
            return None
        async with redis.pipeline(transaction=True) as pipe:
            members, _ = await pipe.smembers(key).delete(key).execute()
        return {int(member) for member in members}

    def _schedule_retry(self, event_id: int, delay: float) -> None:
        if event_id not in self._changed:
            self._changed[event_id] = set()  # later votes join this retry
            self._schedule(event_id, delay)


class SnapshotCache:
    """The public part of each audience's snapshot, built once and shared by every join.

    An entry is only trusted while the hub is a member of its group, so it sees every delta: any
    frame to the group drops the entry (and forgets a build in progress, which joins that
    subscribed after the frame must not share). A join builds, or waits for the one build in
    progress, *after* subscribing, so a delta is either in its snapshot or delivered after it.
    Entries also expire after `ttl` seconds, for what changes without a frame (the clock
    opening the intake, an organiser's setting).
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, str]] = {}
        self._building: dict[str, asyncio.Future[str]] = {}
        self._versions: dict[str, int] = {}

    def invalidate(self, group: str) -> None:
        self._versions[group] = self._versions.get(group, 0) + 1
        self._entries.pop(group, None)
        self._building.pop(group, None)

    def clear(self) -> None:
        for group in list(self._versions):
            self.invalidate(group)

    async def get(self, group: str, build: Callable[[], Awaitable[str]]) -> str:
        """The cached text, or the text of the build in progress, or a new build's."""
        now = time.monotonic()
        entry = self._entries.get(group)
        if entry is not None and entry[0] > now:
            return entry[1]
        pending = self._building.get(group)
        if pending is None:
            version = self._versions.get(group, 0)
            pending = asyncio.ensure_future(build())
            self._building[group] = pending
            try:
                text = await pending
            finally:
                if self._building.get(group) is pending:
                    del self._building[group]
            if self._versions.get(group, 0) == version:
                self._entries[group] = (now + self.ttl, text)
            return text
        return await asyncio.shield(pending)


class Hub:
    """The process's single channel, its group memberships and its local sockets."""

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        if getattr(self.layer, "brpop_timeout", 0) > HUB_BLOCK_SECONDS:
            # redis-py 8 reads with a 5 s socket timeout by default, exactly channels_redis's
            # 5 s blocking pop: a reply that comes a little late is dropped with its connection,
            # and the broadcast it carried is lost (redis/redis-py#4091). Block for less.
            self.layer.brpop_timeout = HUB_BLOCK_SECONDS
        self.channel: str | None = None
        self.members: dict[str, set[Subscriber]] = {}
        self.tallies = TallyCoalescer(settings.DIALOGUE["TALLY_INTERVAL"])
        self.snapshots = SnapshotCache(SNAPSHOT_SECONDS)
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None
        self._heart: asyncio.Task[None] | None = None

    async def subscribe(self, groups: list[str], subscriber: Subscriber) -> None:
        async with self._lock:
            if self.channel is None:
                # Default prefix: channels_redis reads all of a process's channels from one list.
                self.channel = await self.layer.new_channel()
                self._reader = asyncio.create_task(self._read(), context=contextvars.Context())
                interval = settings.DIALOGUE["HEARTBEAT_SECONDS"]
                if interval > 0:
                    beating = self._beat(interval)
                    self._heart = asyncio.create_task(beating, context=contextvars.Context())
            for group in groups:
                if group not in self.members:
                    self.members[group] = set()
                    await self.layer.group_add(group, self.channel)
                self.members[group].add(subscriber)

    async def unsubscribe(self, groups: list[str], subscriber: Subscriber) -> None:
        async with self._lock:
            for group in groups:
                members = self.members.get(group)
                if members is None:
                    continue
                members.discard(subscriber)
                if not members:
                    del self.members[group]
                    self.snapshots.invalidate(group)  # no longer sees this group's deltas
                    await self.layer.group_discard(group, self.channel)

    async def dispatch(self, message: dict[str, Any]) -> None:
        text = message["text"]
        self.snapshots.invalidate(message["group"])
        frame = {"type": "websocket.send", "text": text}  # one ASGI message for every socket
        subscribers = tuple(self.members.get(message["group"], ()))
        # The frame's wire bytes, encoded once, when some socket here takes them (uvicorn).
        wire = wire_frame(text) if any(s.writes_wire for s in subscribers) else None
        for subscriber in subscribers:
            # Never awaits a socket: one slow reader must not hold up the frame for the rest.
            subscriber.push(text, frame, wire)

    async def _beat(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            for subscriber in set().union(*self.members.values()):
                subscriber.beat()

    async def _read(self) -> None:
        assert self.channel is not None
        backoff = 0.1
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The layer's server went away (a Redis restart): wait, then join again.
                log.warning("hub lost its channel layer; retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                await self._rejoin()
                continue
            backoff = 0.1
            if message.get("type") == "hub.frame":
                await self.dispatch(message)

    async def _rejoin(self) -> None:
        self.snapshots.clear()  # frames may have been lost while the layer was away
        async with self._lock:
            for group in self.members:
                try:
                    await self.layer.group_add(group, self.channel)
                except Exception:
                    log.debug("rejoin of %s failed", group, exc_info=True)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub_for_running_loop() -> Hub:
    """The hub of this process (one per event loop, so tests with fresh loops stay isolated)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub
