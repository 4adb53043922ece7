"""Vote counts reach sockets as one `tally` frame per event per interval, holding what changed.

The same mechanism carries poll results (`poll.results`): a second coalescer of the hub, under
its own name, marks polls instead of questions and reads results instead of counts.

Votes are stored at once; they only mark questions as changed. At most once per interval the
hub reads the current counts of what changed and broadcasts one frame, so the clients' cost does
not grow with the vote rate. With Redis the limit holds across workers: each worker adds what
changed to a shared set, and only the worker that takes the event's lock for this interval
reads the set and sends the tally. A worker that finds the lock taken tries again when it
expires, until the set has been taken by someone, so no change is left behind.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from live.adapters import layer_key, layer_redis

log = logging.getLogger(__name__)

# What a flush reads for each changed item: a question's votes, a poll's results.
V = TypeVar("V")
# Reads the current counts of these items: {item id: count}.
CountReader = Callable[[set[int]], Awaitable[dict[int, V]]]
# Sends a tally frame (already counted) for an event.
TallySender = Callable[[int, dict[int, V]], Awaitable[None]]


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

    def mark(self, event_id: int, item_id: int) -> None:
        changed = self._changed.get(event_id)
        if changed is not None:
            changed.add(item_id)
            return
        self._changed[event_id] = {item_id}
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
            # With Redis away the counts are still stored; the next vote marks them again.
            log.warning("tally flush for event %s failed", event_id, exc_info=True)

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
            self._schedule_retry(event_id, max(wait, 1) / 1000)
            return None
        async with redis.pipeline(transaction=True) as pipe:
            members, _ = await pipe.smembers(key).delete(key).execute()
        return {int(member) for member in members}

    def _schedule_retry(self, event_id: int, delay: float) -> None:
        if event_id not in self._changed:
            self._changed[event_id] = set()  # later votes join this retry
            self._schedule(event_id, delay)
