"""Where database work of the sockets runs: writes on one thread, reads beside it.

Channels' `database_sync_to_async` runs everything a process's sockets ask of the database on
one thread, so one slow read (a snapshot, a permission check, a log read) delays every ask and
vote behind it. Writes keep that thread: their order and their connection are simple there.
Reads run on a small pool of their own when the database serves several connections at once
(PostgreSQL); SQLite has one writer and a shared in-memory test database, so there they keep
the one thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings
from django.db import connections

T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None


def _read_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        size = settings.LIVE.get("READ_THREADS", 4)
        _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="live-read")
    return _pool


def separate_reads() -> bool:
    return connections["default"].vendor == "postgresql"


def write(function: Callable[..., T]) -> Callable[..., Any]:
    """Run a write (a command) on the process's one database thread."""
    return database_sync_to_async(function)


def read(function: Callable[..., T]) -> Callable[..., Any]:
    """Run a read on the read pool, so it never waits behind writes nor holds them up."""
    if not separate_reads():
        return database_sync_to_async(function)
    return DatabaseSyncToAsync(function, thread_sensitive=False, executor=_read_pool())
