"""Vote counts reach sockets as one `tally` frame per event per interval, holding what changed.

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
from typing import Any

from live.adapters import layer_key, layer_redis

log = logging.getLogger(__name__)

# Reads the current counts of these questions: {question id: votes}.
CountReader = Callable[[set[int]], Awaitable[dict[int, int]]]
# Sends a tally frame (already counted) for an event.
TallySender = Callable[[int, dict[int, int]], Awaitable[None]]


class TallyCoalescer:
    """Collects changed vote counts per event and flushes each event at most once per interval."""

    def __init__(self, interval: float, layer: Any, count: CountReader, send: TallySender) -> None:
        self.interval = interval
        self.layer = layer
        self._count = count
        self._send = send
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
        try:
            redis = layer_redis(self.layer, self._key(event_id))
            if redis is not None:
                claimed = await self._claim(redis, event_id, question_ids)
                if claimed is None:
                    return
                question_ids = claimed
            if not question_ids:
                return
            counts = await self._count(question_ids)
            if counts:
                await self._send(event_id, counts)
        except Exception:
            # With Redis away the counts are still stored; the next vote marks them again.
            log.warning("tally flush for event %s failed", event_id, exc_info=True)

    def _key(self, event_id: int) -> str:
        return layer_key(self.layer, f"tally:{event_id}")

    async def _claim(self, redis: Any, event_id: int, question_ids: set[int]) -> set[int] | None:
        """Share what changed; return every worker's changes if ours is this interval's flush."""
        key = self._key(event_id)
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
