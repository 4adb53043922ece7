"""Caps on open sockets per address and per browser session, shared by every worker.

A socket takes a seat under its address's key and its session's key before it is accepted
(`LiveSocket.take_seat`) and gives them back when it closes. Each process counts its own seats
exactly; that count decides alone when there is no Redis, or while Redis is unavailable (a Redis
outage must not lock citizens out). With Redis, the seats of every worker are added up through
`live/counts.py`: a socket is admitted while the total stays within the cap, and a killed
worker's seats stop counting after SOCKET_COUNT_SECONDS instead of holding a hall's seats
forever. A process renews its counts every third of that while it holds seats.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import weakref
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings

from live.counts import SharedCounts


@lru_cache(maxsize=4096)
def address(ip: str | None) -> str | None:
    """What per-address limits count: an IPv4 address, or the /64 network of an IPv6 one."""
    if not ip:
        return None
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(parsed, ipaddress.IPv6Address):
        mapped = parsed.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


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


@dataclass
class Seat:
    """The keys one open socket counts against; given back when it closes."""

    keys: list[str] = field(default_factory=list)


class Admissions:
    """This process's seats per key, and every worker's through Redis."""

    def __init__(self, redis_url: str = "") -> None:
        self.counts: Counter[str] = Counter()
        self.shared = SharedCounts(redis_url, "sockets")
        self._renewer: asyncio.Task[None] | None = None

    async def admit(self, caps: dict[str, int]) -> Seat | None:
        """Count one socket against each key's cap; None (nothing counted) if one is full."""
        keys = list(caps)
        self.counts.update(keys)
        allowed = all(self.counts[key] <= caps[key] for key in keys)
        if allowed and self.shared.shared:
            mine = {key: (caps[key], self.counts[key]) for key in keys}
            allowed = await self.shared.admit(mine, self._valid()) is not False
        if not allowed:
            self._forget(keys)
            return None
        if self.shared.shared and self._renewer is None:
            self._renewer = asyncio.create_task(self._renew())
        return Seat(keys)

    async def release(self, seat: Seat | None) -> None:
        """The socket closed: it no longer counts, here or in Redis."""
        if seat is None or not seat.keys:
            return
        keys, seat.keys = seat.keys, []
        self._forget(keys)
        if self.shared.shared:
            await self.shared.write({key: self.counts.get(key, 0) for key in keys}, self._valid())

    def _forget(self, keys: list[str]) -> None:
        self.counts.subtract(keys)
        for key in keys:
            if self.counts[key] <= 0:
                del self.counts[key]

    @staticmethod
    def _valid() -> float:
        return float(settings.DIALOGUE["SOCKET_COUNT_SECONDS"])

    async def _renew(self) -> None:
        """Rewrite this process's counts with a new validity, while it holds seats."""
        try:
            while self.counts:
                await asyncio.sleep(self._valid() / 3)
                if self.counts:
                    await self.shared.write(dict(self.counts), self._valid())
        finally:
            self._renewer = None

    async def close(self) -> None:
        """Stop renewing and let go of Redis (the process or its event loop ends)."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        await self.shared.close()


_admissions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Admissions] = (
    weakref.WeakKeyDictionary()
)


def for_running_loop() -> Admissions:
    """This process's seats (one per event loop, like the hub: Redis clients are too)."""
    loop = asyncio.get_running_loop()
    admissions = _admissions.get(loop)
    if admissions is None:
        admissions = _admissions[loop] = Admissions(settings.REDIS_URL)
    return admissions


async def close_for_running_loop() -> None:
    """Close this event loop's seats, if it has any (the loop is about to end)."""
    admissions = _admissions.pop(asyncio.get_running_loop(), None)
    if admissions is not None:
        await admissions.close()


async def admit(scope: dict[str, Any], *, people: int | None = None) -> Seat | None:
    """A seat for a socket about to open; None if its address or session has too many open."""
    people = people or settings.DIALOGUE["PEOPLE_PER_ADDRESS"]
    return await for_running_loop().admit(caps_for(scope, people=people))


async def release(seat: Seat | None) -> None:
    """Give back a closed socket's seat."""
    await for_running_loop().release(seat)
