"""Where database work of the sockets runs: writes on one thread, reads beside it.

Channels' `database_sync_to_async` runs everything a process's sockets ask of the database on
one thread, so one slow read (a snapshot, a permission check, a log read) delays every ask and
vote behind it. Writes keep that thread: their order and their connection are simple there.
Reads run on a small pool of their own when the database serves several connections at once
(PostgreSQL); SQLite has one writer and a shared in-memory test database, so there they keep
the one thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings
from django.db import connections

T = TypeVar("T")
P = ParamSpec("P")

_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _read_pool() -> ThreadPoolExecutor:
    global _pool, _pool_size
    if _pool is None:
        _pool_size = settings.LIVE.get("READ_THREADS", 4)
        _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="live-read")
    return _pool


def close_reads() -> None:
    """Give back every read thread's database connection and end the pool (the loop ends).

    A connection belongs to the thread that opened it, so each thread closes its own: one task
    per thread, each waiting at a barrier until all have started, so no thread takes two.
    """
    global _pool
    pool, _pool = _pool, None
    if pool is None:
        return
    gate = threading.Barrier(_pool_size)

    def close() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait(timeout=10)
        connections.close_all()

    for _ in range(_pool_size):
        pool.submit(close)
    pool.shutdown(wait=True)


def separate_reads() -> bool:
    return connections["default"].vendor == "postgresql"


def write(function: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Run a write (a command) on the process's one database thread."""
    call: Callable[P, Coroutine[Any, Any, T]] = database_sync_to_async(function)
    return call


def read(function: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Run a read on the read pool, so it never waits behind writes nor holds them up."""
    call: Callable[P, Coroutine[Any, Any, T]]
    if separate_reads():
        call = DatabaseSyncToAsync(function, thread_sensitive=False, executor=_read_pool())
    else:
        call = database_sync_to_async(function)
    return call
