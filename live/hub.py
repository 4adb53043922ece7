"""The process's single channel, its group memberships and its local sockets.

Each process has one hub (per event loop). Its one channel joins a group per audience the first
time a local socket needs it, reads each broadcast once and writes the pre-serialised frame to
each local socket (DESIGN.md, "The real-time model", 6): with Redis a broadcast is one message
per process, not one per socket. Sequenced deltas pass through `ordering.Sequence` first, so
sockets see them in `seq` order. Broadcasts leave through the hub too (`post`), so the thread
that committed never waits for the channel layer.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from live import metrics, threads
from live.adapters import group_expiry, shorten_blocking_pop
from live.frames import stamped, wire_frame
from live.groups import event_of_public_group, public_group, stage_group
from live.ordering import HOLD_SECONDS, Sequence
from live.presence import Presence, event_of_group
from live.snapshots import SnapshotCache
from live.subscriber import Subscriber
from live.tallies import TallyCoalescer

log = logging.getLogger(__name__)

# The longest a cached snapshot may lag behind what changes without a frame (see SnapshotCache).
SNAPSHOT_SECONDS = 2.0
# How long the hub's read of the channel layer blocks in Redis before asking again.
HUB_BLOCK_SECONDS = 2
# Broadcasts waiting to leave for the channel layer; beyond this the oldest are dropped (and
# repaired from the delta log), so a channel layer that is down never grows memory.
OUTBOX_LIMIT = 10_000
# A broadcast the layer has not taken within this long is given up (the layer is down).
SEND_SECONDS = 2.0
# While the layer is down the hub tries to rejoin at most this long apart, so that screens get
# their missed deltas and counts within about a second of its return.
REJOIN_MAX_SECONDS = 1.0


@dataclass
class Sources:
    """What the hub reads from the apps, registered in their `AppConfig.ready`."""

    # {question id: votes} for these questions.
    vote_counts: Callable[[set[int]], dict[int, int]] | None = None
    # The logged public deltas of an event with after < seq < before (before None: all newer).
    public_deltas: Callable[[int, int, int | None], list[tuple[int, str]]] | None = None
    # The tally frame for these counts.
    tally_frame: Callable[[dict[int, int]], dict[str, Any]] | None = None
    # Records how many were connected to a dialogue (once a minute, by one worker).
    record_presence: Callable[[int, int], None] | None = None
    # {poll id: its `poll.results` frame} for these polls.
    poll_results: Callable[[set[int]], dict[int, dict[str, Any]]] | None = None
    # Every current count of an event (its tally and open polls' results), as frames.
    current_counts: Callable[[int], list[dict[str, Any]]] | None = None


sources = Sources()


def register(**kwargs: Any) -> None:
    """Tell the live core how to read what it needs from the apps (see `Sources`)."""
    for name, value in kwargs.items():
        if not hasattr(sources, name):
            raise TypeError(f"unknown source {name}")
        setattr(sources, name, value)


class Hub:
    """One channel per process: group memberships, local subscribers, ordering and repair."""

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        shorten_blocking_pop(self.layer, HUB_BLOCK_SECONDS)
        self.channel: str | None = None
        self.members: dict[str, set[Subscriber]] = {}
        self.sequences: dict[str, Sequence] = {}
        self.tallies = TallyCoalescer(
            settings.LIVE["TALLY_INTERVAL"], self.layer, self._read_counts, self._send_tally
        )
        # Poll results travel as tallies do: one frame per poll per interval at most.
        self.poll_results: TallyCoalescer[dict[str, Any]] = TallyCoalescer(
            settings.LIVE["TALLY_INTERVAL"],
            self.layer,
            self._read_poll_results,
            self._send_poll_results,
            name="poll",
        )
        self.snapshots: SnapshotCache[tuple[int, str]] = SnapshotCache(SNAPSHOT_SECONDS)
        self.presence = Presence(self, sources.record_presence)
        self.outbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._repairs: dict[str, asyncio.TimerHandle] = {}

    # --- Membership ---------------------------------------------------------------------

    async def subscribe(self, groups: list[str], subscriber: Subscriber) -> None:
        async with self._lock:
            if self.channel is None:
                # Default prefix: channels_redis reads all of a process's channels from one list.
                self.channel = await self.layer.new_channel()
                self._start("read", self._read())
                interval = settings.LIVE["HEARTBEAT_SECONDS"]
                if interval > 0:
                    self._start("beat", self._beat(interval))
                self._start("refresh", self._refresh())
                self._start("presence", self.presence.run())
            for group in groups:
                if group not in self.members:
                    self.members[group] = set()
                    await self._group_add(group)
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
                    # No longer sees this group's deltas: nothing about it can be trusted.
                    self.snapshots.forget(group)
                    self.sequences.pop(group, None)
                    repair = self._repairs.pop(group, None)
                    if repair is not None:
                        repair.cancel()
                    await self._group_discard(group)

    def count(self, group: str) -> int:
        """How many local sockets follow this group."""
        return len(self.members.get(group, ()))

    async def _group_add(self, group: str) -> None:
        try:
            await self.layer.group_add(group, self.channel)
        except Exception:
            # The layer is away: the reader notices, and joins every group again on its return.
            log.warning("joining %s failed", group, exc_info=True)

    async def _group_discard(self, group: str) -> None:
        try:
            await self.layer.group_discard(group, self.channel)
        except Exception:
            log.debug("leaving %s failed", group, exc_info=True)

    # --- Sending ------------------------------------------------------------------------

    def post(self, group: str, message: dict[str, Any]) -> None:
        """Queue a broadcast for the channel layer; never waits (called in the loop)."""
        if self.outbox.qsize() >= OUTBOX_LIMIT:
            self.outbox.get_nowait()
            log.warning("outbox full: the oldest broadcast was dropped")
        self.outbox.put_nowait((group, message))
        if "send" not in self._tasks:
            self._start("send", self._send_outbox())

    async def _send_outbox(self) -> None:
        # One sender, in order: broadcasts leave this process in the order they committed.
        while not _cancelled():
            group, message = await self.outbox.get()
            try:
                async with asyncio.timeout(SEND_SECONDS):
                    await self.layer.group_send(group, message)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Best effort: the database holds the truth; sequenced deltas are repaired from
                # the log, everything else by the clients' resync.
                log.warning("broadcast to %s failed", group, exc_info=True)

    async def _send_tally(self, event_id: int, counts: dict[int, int]) -> None:
        if sources.tally_frame is None:
            raise RuntimeError("no tally frame registered (live/sources.py)")
        text = stamped(sources.tally_frame(counts))
        # The stage shows vote counts too; a tally carries only ids and numbers.
        for group in (public_group(event_id), stage_group(event_id)):
            await self.layer.group_send(group, {"type": "hub.frame", "group": group, "text": text})

    async def _read_poll_results(self, poll_ids: set[int]) -> dict[int, dict[str, Any]]:
        if sources.poll_results is None:
            raise RuntimeError("no poll results registered (live/sources.py)")
        results: dict[int, dict[str, Any]] = await threads.read(sources.poll_results)(poll_ids)
        return results

    async def _send_poll_results(self, event_id: int, results: dict[int, dict[str, Any]]) -> None:
        # Results are public, and the stage shows them when the moderator asks it to.
        for frame in results.values():
            text = stamped(frame)
            for group in (public_group(event_id), stage_group(event_id)):
                message = {"type": "hub.frame", "group": group, "text": text}
                await self.layer.group_send(group, message)

    async def _read_counts(self, question_ids: set[int]) -> dict[int, int]:
        if sources.vote_counts is None:
            raise RuntimeError("no vote counts registered (live/sources.py)")
        counts: dict[int, int] = await threads.read(sources.vote_counts)(question_ids)
        return counts

    # --- Receiving ----------------------------------------------------------------------

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Deliver one broadcast to the local sockets of its group, sequenced ones in order."""
        group = message["group"]
        self.snapshots.invalidate(group)
        if message.get("type") == "hub.control":
            if message.get("action") == "redact":
                # Rewritten deltas (docs/architecture.md, "The record"): the hub's memory of
                # them is rewritten too, so no "since seq N" repair replays what was erased.
                sequence = self.sequences.get(group)
                if sequence is not None:
                    sequence.redact({int(seq): text for seq, text in message["deltas"].items()})
                return
            for subscriber in tuple(self.members.get(group, ())):
                if subscriber.on_control is not None and not subscriber.closed:
                    subscriber.on_control(message)
            return
        seq = message.get("seq")
        if seq is None:
            self._deliver(group, message["text"])
            return
        sequence = self.sequences.setdefault(group, Sequence())
        for text in sequence.offer(seq, message["text"]):
            self._deliver(group, text)
        self._watch(group, sequence)

    def start_sequence(self, group: str, seq: int) -> None:
        """A snapshot at `seq` was sent from this group: deltas continue after it."""
        sequence = self.sequences.setdefault(group, Sequence())
        for text in sequence.start_at(seq):
            self._deliver(group, text)
        self._watch(group, sequence)

    def backlog(self, group: str, seq: int) -> list[str] | None:
        """The deltas delivered after `seq`, or None when the hub no longer holds them all."""
        sequence = self.sequences.get(group)
        return None if sequence is None else sequence.since(seq)

    def _deliver(self, group: str, text: str) -> None:
        frame = {"type": "websocket.send", "text": text}  # one ASGI message for every socket
        subscribers = tuple(self.members.get(group, ()))
        # The frame's wire bytes, encoded once, when some socket here takes them (uvicorn).
        wire = wire_frame(text) if any(s.writes_wire for s in subscribers) else None
        for subscriber in subscribers:
            # Never awaits a socket: one slow reader must not hold up the frame for the rest.
            subscriber.push(text, frame, wire)
        metrics.frame_sent(len(wire) if wire is not None else len(text), len(subscribers))

    def _watch(self, group: str, sequence: Sequence) -> None:
        """Repair a gap that lasts: read the missing deltas from the log after a short hold."""
        if not sequence.early or group in self._repairs:
            return
        loop = asyncio.get_running_loop()
        self._repairs[group] = loop.call_later(
            HOLD_SECONDS, self._start_repair, group, context=contextvars.Context()
        )

    def _start_repair(self, group: str) -> None:
        self._start(f"repair:{group}", self._repair(group))

    async def _repair(self, group: str, upto_latest: bool = False) -> None:
        self._repairs.pop(group, None)
        sequence = self.sequences.get(group)
        if sequence is None:
            return
        event_id = event_of_public_group(group)
        gap = sequence.gap()
        if upto_latest and sequence.last is not None:
            gap = (sequence.last, None)  # type: ignore[assignment]
        found: list[tuple[int, str]] = []
        if gap is not None and event_id is not None and sources.public_deltas is not None:
            try:
                found = await threads.read(sources.public_deltas)(event_id, *gap)
            except Exception:
                log.warning("reading the delta log of %s failed", group, exc_info=True)
        if self.sequences.get(group) is not sequence:
            return  # the group was left meanwhile
        for seq, text in found:
            for ready in sequence.offer(seq, text):
                self._deliver(group, ready)
        if sequence.gap() is not None or (sequence.last is None and sequence.early):
            # The log no longer has them (or this group has no start yet): go on after the gap;
            # clients repair a real gap themselves ("since seq N").
            for ready in sequence.skip():
                self._deliver(group, ready)
        self._watch(group, sequence)

    async def _read(self) -> None:
        if self.channel is None:
            raise RuntimeError("the hub reads only once it has its channel")
        backoff, lost = 0.1, False
        while not _cancelled():
            # The layer's server went away (a Redis restart, which forgets every membership):
            # join every group again and repair before reading on. Until a join works, the hub
            # does not read: the layer's read blocks until a message comes, and none would come
            # to a channel that is in no group.
            if lost:
                if not await self._rejoin():
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, REJOIN_MAX_SECONDS)
                    continue
                lost, backoff = False, 0.1
                await self._recovered()
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("hub lost its channel layer; retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff, lost = min(backoff * 2, REJOIN_MAX_SECONDS), True
                continue
            backoff = 0.1
            if message.get("type") in ("hub.frame", "hub.control"):
                await self.dispatch(message)

    async def _rejoin(self) -> bool:
        """Join every group again after the layer came back; say whether it worked."""
        self.snapshots.clear()  # frames may have been lost while the layer was away
        try:
            async with self._lock:
                for group in list(self.members):
                    await self.layer.group_add(group, self.channel)
        except Exception:
            log.debug("rejoining failed", exc_info=True)
            return False
        return True

    async def _recovered(self) -> None:
        """After an outage: read the missed public deltas and counts; tell every socket (staff
        reload)."""
        for group in list(self.sequences):
            await self._repair(group, upto_latest=True)
        await self._resend_counts()
        control = {"type": "hub.control", "action": "recovered"}
        for group, subscribers in list(self.members.items()):
            for subscriber in tuple(subscribers):
                if subscriber.on_control is not None and not subscriber.closed:
                    subscriber.on_control({**control, "group": group})

    async def _resend_counts(self) -> None:
        """Tallies and poll results sent while the layer was away are lost, and so is the set of
        what changed, which lived in Redis: send this process's screens every current count of
        their dialogues, read from the database, once. Votes stored after this read travel as
        usual, so every screen converges on the database."""
        if sources.current_counts is None:
            return
        events = {event_of_group(group) for group in self.members} - {None}
        for event_id in sorted(e for e in events if e is not None):
            try:
                frames = await threads.read(sources.current_counts)(event_id)
            except Exception:
                log.warning("reading the counts of event %s failed", event_id, exc_info=True)
                continue
            for frame in frames:
                text = stamped(frame)
                for audience in (public_group(event_id), stage_group(event_id)):
                    if audience in self.members:
                        self._deliver(audience, text)

    async def _beat(self, interval: float) -> None:
        while not _cancelled():
            await asyncio.sleep(interval)
            for subscriber in set().union(*self.members.values()):
                subscriber.beat()

    def refresh_interval(self) -> float:
        """How often memberships are renewed: a quarter of the layer's group expiry."""
        return max(group_expiry(self.layer) / 4, 1.0)

    async def refresh_memberships(self) -> None:
        """Join every group again, so the layer's group expiry never forgets this channel."""
        for group in list(self.members):
            await self._group_add(group)

    async def _refresh(self) -> None:
        # channels_redis forgets a membership after `group_expiry` (24 h): a worker that ran
        # a day would go silent (docs/architecture.md, "The live core").
        while not _cancelled():
            await asyncio.sleep(self.refresh_interval())
            await self.refresh_memberships()

    async def close(self) -> None:
        """Stop the hub's tasks and let go of the layer's connections (a loop that ends)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=5)
            if pending and hasattr(self.layer, "close_pools"):
                # A blocking read in redis-py can outlast its cancellation: closing the
                # connections under it ends it.
                await self.layer.close_pools()
                await asyncio.wait(pending, timeout=5)
        await self.tallies.close()
        await self.poll_results.close()
        await self.presence.close()

    def _start(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        # A fresh context: the caller's may belong to a finished sync-to-async call, whose
        # thread executor the task must not reuse.
        loop = asyncio.get_running_loop()
        task = loop.create_task(work, context=contextvars.Context())
        self._tasks[name] = task
        task.add_done_callback(lambda done: self._finished(name, done))

    def _finished(self, name: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(name) is task:
            del self._tasks[name]
        if not task.cancelled() and task.exception() is not None:
            log.error("hub task %s failed", name, exc_info=task.exception())


def _cancelled() -> bool:
    """Whether this task was asked to stop, even if a library swallowed the CancelledError.

    channels_redis and redis-py catch a cancellation in some of their cleanup paths and go on;
    a hub task that looped again after that would keep its event loop from ever closing.
    """
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub_for_running_loop() -> Hub:
    """The hub of this process (one per event loop, so tests with fresh loops stay isolated)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub
