"""Counts each process keeps of its own, added up over every worker through Redis.

Two things are counted this way: the sockets following each dialogue (`live/presence.py`) and
the sockets open per address and per browser session, which are capped (`live/admission.py`).
Each process is exact about its own sockets and writes its count for a key into one Redis hash
per key: a field per process, holding the count and the time it stops being valid. The total of
a key is the sum of the fields still valid, so a killed worker's count ages out by itself
instead of holding seats or inflating a count forever. A process rewrites its counts before
they lapse while it still has them.

Redis is reached through a pool that waits for a free connection when a join storm takes them
all (never "too many connections"), and a Redis that is down answers None at once: the caller
then decides on this process's counts alone. Such a failure is logged once per interval, never
once per socket.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from typing import Any

log = logging.getLogger(__name__)

# Connections to Redis per process for the counts, and how long a caller waits for one.
POOL_SIZE = 16
POOL_WAIT_SECONDS = 2.0
# A Redis that does not answer within this long counts as unavailable.
REDIS_SECONDS = 1.0
# The most one failure is logged: once per this many seconds.
LOG_EVERY_SECONDS = 30.0

# KEYS: a hash per key. ARGV: process, now, seconds valid, then per key its cap (-1: none) and
# this process's count after the change. Expired fields are dropped on the way. Writes only when
# every cap holds (all keys or none) and returns 1, else 0.
_ADMIT = """
local process, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
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


class LogOnce:
    """A warning logged at most once per interval, with how many times it happened meanwhile."""

    def __init__(self, logger: logging.Logger, message: str, every: float = LOG_EVERY_SECONDS):
        self.logger, self.message, self.every = logger, message, every
        self._last = -every
        self._missed = 0

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            self._missed += 1
            return
        self.logger.warning("%s (%d more since last logged)", self.message, self._missed)
        self._last, self._missed = now, 0


class SharedCounts:
    """This process's counts per key in `namespace`, and their totals over every process."""

    def __init__(self, redis_url: str, namespace: str) -> None:
        self.namespace = namespace
        self.process = f"{os.getpid()}.{uuid.uuid4().hex[:8]}"
        self._redis: Any = None
        self._admit: Any = None
        self._unavailable = LogOnce(log, f"{namespace} counts: Redis unavailable")
        if redis_url:
            import redis.asyncio as redis

            pool = redis.BlockingConnectionPool.from_url(
                redis_url,
                max_connections=POOL_SIZE,
                timeout=POOL_WAIT_SECONDS,
                socket_connect_timeout=REDIS_SECONDS,
                socket_timeout=REDIS_SECONDS,
            )
            self._redis = redis.Redis(connection_pool=pool)
            self._admit = self._redis.register_script(_ADMIT)

    @property
    def shared(self) -> bool:
        """Whether other processes are counted too (there is a Redis)."""
        return self._redis is not None

    async def admit(self, counts: dict[str, tuple[int, int]], valid: float) -> bool | None:
        """Write this process's count of each key if, with every other process's, it stays
        within the key's cap (`{key: (cap, mine)}`, cap -1 for none); all keys or none.
        True written, False a cap is full, None Redis unavailable (nothing known)."""
        if self._redis is None:
            return None
        args: list[Any] = [self.process, time.time(), valid]
        for cap, mine in counts.values():
            args += [cap, mine]
        try:
            return bool(await self._admit(keys=[self._key(key) for key in counts], args=args))
        except Exception:  # Redis is down, restarting, or every connection is busy too long
            self._unavailable()
            return None

    async def write(self, counts: dict[str, int], valid: float) -> bool:
        """Write this process's counts, with no cap; False if Redis is unavailable."""
        return bool(await self.admit({key: (-1, mine) for key, mine in counts.items()}, valid))

    async def totals(self, counts: dict[str, int], valid: float) -> dict[str, int] | None:
        """Write this process's count of each key and read back each key's total over every
        process still valid; None if Redis is unavailable."""
        if self._redis is None or not counts:
            return None if self._redis is None else {}
        now = time.time()
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, mine in counts.items():
                    name = self._key(key)
                    if mine > 0:
                        pipe.hset(name, self.process, f"{mine}:{now + valid}")
                        pipe.expire(name, int(valid * 2) + 1)
                    else:
                        pipe.hdel(name, self.process)
                    pipe.hgetall(name)
                replies = await pipe.execute()
        except Exception:
            self._unavailable()
            return None
        entries = [reply for reply in replies if isinstance(reply, dict)]
        totals: dict[str, int] = {}
        for key, fields in zip(counts, entries, strict=True):
            pairs = (value.decode().split(":", 1) for value in fields.values())
            totals[key] = sum(int(count) for count, until in pairs if float(until) >= now)
        return totals

    def _key(self, key: str) -> str:
        return f"live:{self.namespace}:{key}"

    async def close(self) -> None:
        """Let go of Redis (the process or its event loop ends)."""
        if self._redis is not None:
            await self._redis.aclose()
            await self._redis.connection_pool.disconnect()
