"""Vote counts reach sockets as one `tally` frame per event per interval, holding what changed.

The same mechanism carries poll results (`poll.results`): a second coalescer of the hub, under
its own name, marks polls instead of questions and reads results instead of counts.

Votes are stored at once; they only mark questions as changed. At most once per interval the
hub reads the current counts of what changed and broadcasts one frame, so the clients' cost does
not grow with the vote rate. With Redis the limit holds across workers: each worker adds what
changed to a shared set, and only the worker that takes the event's lock for this interval
reads the set and sends the tally. A worker that finds the lock taken tries again when it
expires, until the set has been taken by someone, so no change is left behind. A flush that
fails (Redis or the database restarting) keeps what it was sending and is tried again a few
intervals later, until it goes through; what a restarted Redis lost of the shared set, each hub
makes good after the outage by sending every current count (live/hub.py, `_resend_counts`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from live.adapters import layer_key, layer_redis

log = logging.getLogger(__name__)

# A flush that failed (Redis or the database away) is tried again this many intervals later.
RETRY_INTERVALS = 4

# What a flush reads for each changed item: a question's votes, a poll's results.
V = TypeVar("V")
# Reads the current counts of these items: {item id: count}.
CountReader = Callable[[set[int]], Awaitable[dict[int, V]]]
# Sends a tally frame (already counted) for an event.
TallySender = Callable[[int, dict[int, V]], Awaitable[None]]


class Failing:
    """A failure logged when it starts, and once more when it ends, never once per attempt."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.failures = 0

    def warn(self) -> None:
        if self.failures == 0:
            log.warning(self.message, exc_info=True)
        self.failures += 1

    def recovered(self) -> None:
        if self.failures:
            log.warning("%s: went through after %d failures", self.message, self.failures)
            self.failures = 0


class TallyCoalescer(Generic[V]):
    """Collects changed counts per event and flushes each event at most once per interval."""

    def __init__(
        self,
        interval: float,
        layer: Any,
        count: CountReader[V],
        send: TallySender[V],
        *,
        name: str = "tally",
    ) -> None:
        self.interval = interval
        self.layer = layer
        self.name = name  # the shared set's key in Redis: one per kind of count
        self._count = count
        self._send = send
        self._changed: dict[int, set[int]] = {}  # event id -> changed item ids
        self._flushing: set[asyncio.Task[None]] = set()  # strong references until done
        self._scheduled: dict[int, asyncio.TimerHandle] = {}  # event id -> its next flush
        self._failed = Failing(f"{name} flushes failed; retrying until they go through")

    def mark(self, event_id: int, item_id: int) -> None:
        changed = self._changed.get(event_id)
        if changed is not None:
            changed.add(item_id)
            return
        self._changed[event_id] = {item_id}
        self._schedule(event_id, self.interval)

    def _schedule(self, event_id: int, delay: float) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # No loop runs: a flush interrupted while its loop shuts down (its coroutine closed
            # at an await) has no later to try again in, and no socket left to tell.
            return
        # A fresh context: the caller's belongs to a finished sync-to-async call, whose thread
        # executor the flush must not reuse.
        self._scheduled[event_id] = loop.call_later(
            delay, self._start_flush, event_id, context=contextvars.Context()
        )

    def _start_flush(self, event_id: int) -> None:
        self._scheduled.pop(event_id, None)
        task = asyncio.ensure_future(self._flush(self._changed.pop(event_id, set()), event_id))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _flush(self, item_ids: set[int], event_id: int) -> None:
        try:
            redis = layer_redis(self.layer, self._key(event_id))
            if redis is not None:
                claimed = await self._claim(redis, event_id, item_ids)
                if claimed is None:
                    return
                item_ids = claimed
            if not item_ids:
                return
            counts = await self._count(item_ids)
            if counts:
                await self._send(event_id, counts)
        except Exception:
            # Redis or the database is away: the votes are stored, their counts not yet sent.
            # Keep what changed and try again, until the flush goes through.
            self._failed.warn()
            self._retry(event_id, item_ids, self.interval * RETRY_INTERVALS)
        else:
            self._failed.recovered()

    async def close(self) -> None:
        """Drop the flushes not yet due and stop those under way (the hub's loop ends).

        A flush left waiting on Redis when its loop closes would be destroyed still pending.
        """
        for handle in self._scheduled.values():
            handle.cancel()
        self._scheduled.clear()
        self._changed.clear()
        tasks = list(self._flushing)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    def _retry(self, event_id: int, item_ids: set[int], delay: float) -> None:
        """Flush these again after `delay`, with whatever changes meanwhile."""
        changed = self._changed.get(event_id)
        if changed is not None:
            changed.update(item_ids)  # a flush is already scheduled: it takes these too
            return
        self._changed[event_id] = set(item_ids)
        self._schedule(event_id, delay)

    def _key(self, event_id: int) -> str:
        return layer_key(self.layer, f"{self.name}:{event_id}")

    async def _claim(self, redis: Any, event_id: int, item_ids: set[int]) -> set[int] | None:
        """Share what changed; return every worker's changes if ours is this interval's flush."""
        key = self._key(event_id)
        if item_ids:
            await redis.sadd(key, *item_ids)
            await redis.pexpire(key, 60_000)
        lock = int(self.interval * 1000)
        if not await redis.set(f"{key}:lock", 1, nx=True, px=lock):
            # Another worker flushed within this interval: look again when its lock expires.
            wait = await redis.pttl(f"{key}:lock")
            self._retry(event_id, set(), max(wait, 1) / 1000)
            return None
        async with redis.pipeline(transaction=True) as pipe:
            members, _ = await pipe.smembers(key).delete(key).execute()
        return {int(member) for member in members}
