"""How many people are connected to each dialogue now, across workers, without a query per join.

Every `INTERVAL` seconds each hub counts its local sockets per dialogue (the union of the
dialogue's groups, so a console in two groups counts once) and, with Redis, writes its counts
and reads back every worker's through `live/counts.py`, in one round trip (a killed worker's
count ages out in `STALE` seconds; with Redis unavailable, this process's own count is told). When
the total changes, each hub tells its own local sockets with one `presence` frame: no message
crosses Redis per socket, and nothing touches the database. A socket that joins between two
changes is sent the last total right after its snapshot (`last_frame`), so a screen opened or
reloaded mid-dialogue does not wait for the next change to show a count. Once a minute one
worker (the one that takes the minute's key) records the total through the registered
`record_presence` source, for the reports' "peak concurrent" and "over time".
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings

from live import threads, wire
from live.adapters import layer_key, layer_redis
from live.counts import SharedCounts
from live.wire import dumps

if TYPE_CHECKING:
    from live.hub import Hub
    from live.subscriber import Subscriber

log = logging.getLogger(__name__)

INTERVAL = 5.0
STALE = 3 * INTERVAL
SAMPLE_SECONDS = 60


def event_of_group(group: str) -> int | None:
    """The dialogue a group belongs to (`event.<id>.…`), or None."""
    parts = group.split(".")
    if len(parts) >= 3 and parts[0] == "event" and parts[1].isdigit():
        return int(parts[1])
    return None


class Presence:
    """Counts the sockets of each dialogue on this process and, through Redis, on all of them."""

    def __init__(self, hub: Hub, record: Any = None) -> None:
        self.hub = hub
        self.record = record  # callable(event_id, connected) or None
        self.totals: dict[int, int] = {}
        self._sampled: dict[int, int] = {}  # event id -> minute last recorded here
        self.shared = SharedCounts(settings.REDIS_URL, "presence")

    def local(self) -> dict[int, set[Subscriber]]:
        """This process's sockets per dialogue."""
        sockets: dict[int, set[Subscriber]] = {}
        for group, members in self.hub.members.items():
            event_id = event_of_group(group)
            if event_id is not None:
                sockets.setdefault(event_id, set()).update(members)
        return sockets

    def last_frame(self, groups: list[str]) -> str | None:
        """The `presence` frame last sent to the dialogue these groups belong to, or None."""
        for group in groups:
            event_id = event_of_group(group)
            if event_id is not None and event_id in self.totals:
                return dumps(wire.build(wire.Presence, connected=self.totals[event_id]))
        return None

    async def tick(self) -> None:
        """Count, share, add up, and tell local sockets of a change; record once a minute."""
        sockets = self.local()
        counts = {event_id: len(members) for event_id, members in sockets.items()}
        totals = await self._shared(counts)
        for event_id, total in totals.items():
            if self.totals.get(event_id) != total and event_id in sockets:
                frame = dumps(wire.build(wire.Presence, connected=total))
                for subscriber in sockets[event_id]:
                    subscriber.push(frame)
            await self._sample(event_id, total)
        self.totals = totals

    async def _shared(self, counts: dict[int, int]) -> dict[int, int]:
        """Every worker's sockets per dialogue, this process's included."""
        if not self.shared.shared:
            return counts
        ids = set(counts) | set(self.totals)
        totals = await self.shared.totals({str(i): counts.get(i, 0) for i in ids}, STALE)
        if totals is None:  # Redis unavailable: what this process knows
            return counts
        return {int(key): total for key, total in totals.items() if total or int(key) in counts}

    async def close(self) -> None:
        """Let go of Redis (the hub closes)."""
        await self.shared.close()

    async def _sample(self, event_id: int, total: int) -> None:
        if self.record is None:
            return
        minute = int(time.time() // SAMPLE_SECONDS)
        if self._sampled.get(event_id) == minute:
            return
        self._sampled[event_id] = minute
        redis = layer_redis(self.hub.layer, "presence")
        if redis is not None:
            key = layer_key(self.hub.layer, f"presence:{event_id}:sampled:{minute}")
            redis = layer_redis(self.hub.layer, key)
            if redis is None:
                raise RuntimeError("presence samples need the Redis channel layer")
            if not await redis.set(key, 1, nx=True, ex=SAMPLE_SECONDS * 2):
                return  # another worker records this minute
        await threads.read(self.record)(event_id, total)

    async def run(self) -> None:
        while not asyncio.current_task().cancelling():  # type: ignore[union-attr]
            await asyncio.sleep(INTERVAL)
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("counting presence failed", exc_info=True)
