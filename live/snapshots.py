"""The public part of each audience's snapshot, built once per change and shared by every join."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SnapshotCache(Generic[T]):
    """One cached value per group, trusted only while the hub sees every delta of that group.

    Any frame to the group drops the entry (and forgets a build in progress, which joins that
    subscribed after the frame must not share). A join builds, or waits for the one build in
    progress, *after* subscribing, so a delta is either in its snapshot or delivered after it.
    Entries also expire after `ttl` seconds, for what changes without a frame (the clock
    opening the intake, an organiser's setting).
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, T]] = {}
        self._building: dict[str, asyncio.Future[T]] = {}
        self._versions: dict[str, int] = {}

    def invalidate(self, group: str) -> None:
        self._versions[group] = self._versions.get(group, 0) + 1
        self._entries.pop(group, None)
        self._building.pop(group, None)

    def forget(self, group: str) -> None:
        """Drop everything about a group the hub no longer follows."""
        self._versions.pop(group, None)
        self._entries.pop(group, None)
        self._building.pop(group, None)

    def clear(self) -> None:
        for group in list(self._versions):
            self.invalidate(group)

    async def get(self, group: str, build: Callable[[], Awaitable[T]]) -> T:
        """The cached value, or the value of the build in progress, or a new build's."""
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
                value = await pending
            finally:
                if self._building.get(group) is pending:
                    del self._building[group]
            if self._versions.get(group, 0) == version:
                self._entries[group] = (now + self.ttl, value)
            return value
        return await asyncio.shield(pending)
