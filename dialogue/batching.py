"""Votes of every socket of a process stored together: one thread hop and one commit per batch.

A vote is small and frequent: stored one by one, each paid for its own thread hop, eight ORM
queries and a commit (≈ 5 ms of one core, docs/performance.md). Here the citizen sockets of a
process hand their vote commands to one batcher. While a batch is being stored, the votes that
arrive wait and form the next one, so a quiet dialogue stores each vote at once and a vote storm
pays for a handful of statements per batch instead of per vote. Every vote is still authorised,
rate limited and acknowledged on its own (dialogue/commands.py, `handle_votes`).

A batch costs ≈ 2 ms of one core whatever its size, and ≈ 0.04 ms more per vote. Run back to back,
batches stay small under load (a dozen votes), and the fixed part alone took a third of the core
at 1,000 votes/s. So a batch starts at most once per `VOTE_BATCH_SECONDS` (25 ms): a vote that
arrives while the batcher is idle is stored at once; one that arrives just after a batch started
waits at most that long, with the others that arrive meanwhile (docs/performance.md, "Votes").
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from dialogue import commands
from live import metrics

Request = TypeVar("Request")

# The most commands stored in one transaction; more wait for the next batch.
BATCH_LIMIT = 500


class Batcher(Generic[Request]):
    """Runs `handle` on every request that arrived while the previous batch was running."""

    def __init__(
        self,
        handle: Callable[[list[Request]], list[dict[str, Any]]],
        interval: float = 0.0,
        stored: Callable[[int], None] | None = None,
    ) -> None:
        self._handle = sync_to_async(_keeping_connection(handle), thread_sensitive=True)
        self._interval = interval
        self._stored = stored  # told each stored batch's size (the metrics)
        self._waiting: list[tuple[Request, asyncio.Future[dict[str, Any]]]] = []
        self._runner: asyncio.Task[None] | None = None

    def enqueue(self, request: Request) -> asyncio.Future[dict[str, Any]]:
        """Queue one request; the future holds its reply frame once its batch is stored."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        if self._runner is None:
            # A fresh context: the runner outlives the socket that happened to start it.
            self._runner = asyncio.create_task(self._run(), context=contextvars.Context())
        return future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                started = loop.time()
                batch = self._waiting[:BATCH_LIMIT]
                del self._waiting[:BATCH_LIMIT]
                await self._settle(batch)
                # Let the next batch gather what arrives until the interval is over.
                rest = self._interval - (loop.time() - started)
                if rest > 0:
                    await asyncio.sleep(rest)
        finally:
            self._runner = None

    async def _settle(self, batch: list[tuple[Request, asyncio.Future[dict[str, Any]]]]) -> None:
        """Handle a batch; if it fails, handle each request alone, so one bad one fails alone."""
        try:
            replies = await self._handle([request for request, _ in batch])
        except Exception as error:
            if len(batch) == 1:
                if not batch[0][1].done():
                    batch[0][1].set_exception(error)
                return
            # Rare (the schema bounds what reaches the database), so the cost of a transaction
            # per request is paid only then. A request counted by a rate limit before its batch
            # failed is counted again here.
            for request, future in batch:
                await self._settle([(request, future)])
            return
        if self._stored is not None:
            self._stored(len(batch))
        for (_, future), reply in zip(batch, replies, strict=True):
            if not future.done():  # its socket may have gone meanwhile
                future.set_result(reply)


def _keeping_connection(
    handle: Callable[[list[Request]], list[dict[str, Any]]],
) -> Callable[[list[Request]], list[dict[str, Any]]]:
    """`handle` on the thread's open connection, closed only when it failed."""

    # database_sync_to_async would close stale connections around every call, and with health
    # checks on, ask PostgreSQL `SELECT 1` at the start of every batch: a round trip that was an
    # eighth of a batch's time. A broken connection shows itself by an error instead, after
    # which it is closed here, so the next batch opens a fresh one (a PostgreSQL restart).
    def run(requests: list[Request]) -> list[dict[str, Any]]:
        try:
            return handle(requests)
        except DatabaseError:
            close_old_connections()
            raise

    return run


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batcher[commands.VoteRequest]] = (
    weakref.WeakKeyDictionary()
)


def votes_for_running_loop() -> Batcher[commands.VoteRequest]:
    """The vote batcher of this process (one per event loop, like the hub)."""
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None:
        interval = settings.DIALOGUE["VOTE_BATCH_SECONDS"]
        batcher = _batchers[loop] = Batcher(
            commands.handle_votes, interval, stored=metrics.vote_batch_stored
        )
    return batcher


_poll_batchers: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, Batcher[commands.PollRequest]
] = weakref.WeakKeyDictionary()


def poll_answers_for_running_loop() -> Batcher[commands.PollRequest]:
    """The poll answer batcher of this process: a poll's answers come in a rush, as votes do."""
    loop = asyncio.get_running_loop()
    batcher = _poll_batchers.get(loop)
    if batcher is None:
        interval = settings.DIALOGUE["VOTE_BATCH_SECONDS"]
        batcher = _poll_batchers[loop] = Batcher(commands.handle_poll_answers, interval)
    return batcher
