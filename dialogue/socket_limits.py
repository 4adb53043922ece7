"""Caps on open sockets per address and per browser session, shared by every worker.

Each process counts its own sockets in memory; that count is exact and decides alone when there
is no Redis. With REDIS_URL set, each process also writes its count for a key into one Redis
hash per key (a field per process, holding the count and when it stops being valid), and a
socket is admitted when the sum of every live field stays within the cap. A process renews its
fields every third of SOCKET_COUNT_SECONDS; a process that is killed stops renewing, and its
sockets stop counting after SOCKET_COUNT_SECONDS, instead of holding a hall's seats forever.

Redis unreachable: sockets are admitted on this process's count alone (open, not closed: a
Redis outage must not lock citizens out).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
import uuid
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from channels.exceptions import StopConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from dialogue.messages import error_frame
from dialogue.ratelimit import address
from events.errors import RateLimited

log = logging.getLogger(__name__)

# KEYS: one hash per capped key. ARGV: process, now, seconds valid, then per key its cap and
# this process's count after the change. Fields hold "count:valid_until"; expired ones are
# dropped on the way. All keys or none: returns 1 when every cap holds (and writes), else 0.
_ADMIT = """
local process, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local totals = {}
for i, key in ipairs(KEYS) do
  local total = 0
  local fields = redis.call('HGETALL', key)
  for j = 1, #fields, 2 do
    if fields[j] ~= process then
      local count, valid = string.match(fields[j + 1], '^(%d+):(%d+%.?%d*)$')
      if count == nil or tonumber(valid) < now then
        redis.call('HDEL', key, fields[j])
      else
        total = total + tonumber(count)
      end
    end
  end
  local cap, mine = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  if cap >= 0 and total + mine > cap then
    return 0
  end
end
for i, key in ipairs(KEYS) do
  local mine = tonumber(ARGV[3 + 2 * i])
  if mine > 0 then
    redis.call('HSET', key, process, mine .. ':' .. (now + ttl))
    redis.call('EXPIRE', key, math.ceil(ttl) * 2)
  else
    redis.call('HDEL', key, process)
  end
end
return 1
"""


@dataclass
class Admission:
    """The keys one open socket counts against; released when it closes."""

    keys: list[str] = field(default_factory=list)


class SocketCounts:
    """This process's sockets per key, mirrored into Redis for the caps every worker shares."""

    def __init__(self, redis_url: str = "") -> None:
        self.process = f"{os.getpid()}.{uuid.uuid4().hex[:8]}"
        self.counts: Counter[str] = Counter()
        self._redis: Any = None
        self._script: Any = None
        self._renewer: asyncio.Task[None] | None = None
        if redis_url:
            import redis.asyncio as redis

            self._redis = redis.from_url(redis_url)
            self._script = self._redis.register_script(_ADMIT)

    async def admit(self, caps: dict[str, int]) -> Admission | None:
        """Count one socket against each key's cap; None (nothing counted) if one is full."""
        keys = list(caps)
        for key in keys:
            self.counts[key] += 1
        allowed = all(self.counts[key] <= caps[key] for key in keys)
        if allowed and self._redis is not None:
            allowed = await self._shared(keys, [caps[key] for key in keys])
        if not allowed:
            self._forget(keys)
            return None
        self._renew_soon()
        return Admission(keys)

    async def release(self, admission: Admission | None) -> None:
        """The socket closed: it no longer counts, here or in Redis."""
        if admission is None or not admission.keys:
            return
        keys, admission.keys = admission.keys, []
        self._forget(keys)
        if self._redis is not None:
            await self._shared(keys, [-1] * len(keys))

    def _forget(self, keys: list[str]) -> None:
        for key in keys:
            self.counts[key] -= 1
            if self.counts[key] <= 0:
                del self.counts[key]

    async def _shared(self, keys: list[str], caps: list[int]) -> bool:
        ttl = settings.DIALOGUE["SOCKET_COUNT_SECONDS"]
        values: list[Any] = [self.process, time.time(), ttl]
        for key, cap in zip(keys, caps, strict=True):
            values += [cap, self.counts.get(key, 0)]
        try:
            return bool(await self._script(keys=[_redis_key(k) for k in keys], args=values))
        except Exception:  # Redis is down or restarting: this process's count decides
            log.warning("socket counts: Redis unavailable, counting this process only")
            return True

    async def close(self) -> None:
        """Stop renewing and let go of Redis (the process or its event loop ends)."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        if self._redis is not None:
            await self._redis.aclose()

    def _renew_soon(self) -> None:
        if self._redis is not None and self._renewer is None:
            self._renewer = asyncio.create_task(self._renew())

    async def _renew(self) -> None:
        """Rewrite this process's counts with a new validity, while it has sockets."""
        try:
            while self.counts:
                await asyncio.sleep(settings.DIALOGUE["SOCKET_COUNT_SECONDS"] / 3)
                keys = list(self.counts)
                if keys:
                    with contextlib.suppress(Exception):
                        await self._shared(keys, [-1] * len(keys))
        finally:
            self._renewer = None


def _redis_key(key: str) -> str:
    return f"dialogue:sockets:{key}"


_counts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SocketCounts] = (
    weakref.WeakKeyDictionary()
)


def counts_for_running_loop() -> SocketCounts:
    """This process's socket counts (one per event loop, like the hub: Redis clients are too)."""
    loop = asyncio.get_running_loop()
    counts = _counts.get(loop)
    if counts is None:
        counts = _counts[loop] = SocketCounts(settings.REDIS_URL)
    return counts


def caps_for(scope: dict[str, Any], *, people: int) -> dict[str, int]:
    """The keys a socket of this scope counts against, with their caps."""
    caps: dict[str, int] = {}
    client = scope.get("client") or (None, None)
    where = address(client[0])
    if where is not None:
        # Two sockets a person (a phone and a laptop, or two tabs).
        caps[f"address:{where}"] = 2 * people
    session_key = getattr(scope.get("session"), "session_key", None)
    if session_key:
        digest = hashlib.sha256(session_key.encode()).hexdigest()[:32]
        caps[f"session:{digest}"] = settings.DIALOGUE["SOCKETS_PER_SESSION"]
    return caps


async def close_for_running_loop() -> None:
    """Close this event loop's counts, if it has any (the loop is about to end)."""
    counts = _counts.pop(asyncio.get_running_loop(), None)
    if counts is not None:
        await counts.close()


async def admit(scope: dict[str, Any], *, people: int | None = None) -> Admission | None:
    """Count a socket about to open; None if its address or session has too many open."""
    people = people or settings.DIALOGUE["PEOPLE_PER_ADDRESS"]
    return await counts_for_running_loop().admit(caps_for(scope, people=people))


async def release(admission: Admission | None) -> None:
    """Stop counting a socket that closed."""
    await counts_for_running_loop().release(admission)


# "Try again later": the page's socket reconnects with backoff, and gets in once a seat is free.
CROWDED_CLOSE_CODE = 1013


async def admit_socket(consumer: Any, *, people: int | None = None) -> None:
    """Admit a consumer's socket, or accept it only to say why, close it and stop the consumer."""
    consumer.socket_admission = await admit(consumer.scope, people=people)
    if consumer.socket_admission is not None:
        return
    await consumer.accept()
    error = RateLimited(
        _(
            "Too many open connections from your network or browser. Close other tabs of this "
            "page, or wait a moment."
        ),
        code="too_many_sockets",
    )
    await consumer.send(text_data=json.dumps(error_frame(error), ensure_ascii=False))
    await consumer.close(code=CROWDED_CLOSE_CODE)
    # Nothing more from this socket reaches the consumer, which holds no connection to use.
    raise StopConsumer


async def release_socket(consumer: Any) -> None:
    """The consumer's socket closed: free its seat."""
    await release(getattr(consumer, "socket_admission", None))
