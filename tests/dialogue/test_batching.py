"""The batcher: what arrives while a batch runs, or within the interval, forms the next batch."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dialogue.batching import Batcher


def echo(batches: list[list[int]]) -> Callable[[list[int]], list[dict[str, int]]]:
    def handle(requests: list[int]) -> list[dict[str, int]]:
        batches.append(requests)
        return [{"n": n} for n in requests]

    return handle


async def test_requests_that_arrive_while_the_batcher_waits_are_handled_together():
    batches: list[list[int]] = []
    batcher: Batcher[int] = Batcher(echo(batches), interval=0.2)
    assert await batcher.enqueue(1) == {"n": 1}
    # Queued together, whatever the clock: the batcher takes them in one batch when it wakes.
    replies = await asyncio.gather(*(batcher.enqueue(n) for n in range(2, 6)))
    assert replies == [{"n": n} for n in range(2, 6)]
    assert batches == [[1], [2, 3, 4, 5]]


async def test_an_idle_batcher_handles_a_request_at_once_whatever_its_interval():
    batches: list[list[int]] = []
    batcher: Batcher[int] = Batcher(echo(batches), interval=3600)
    # Waiting for the interval would take an hour; the bound only turns a hang into a failure.
    assert await asyncio.wait_for(batcher.enqueue(6), timeout=60) == {"n": 6}
    assert batches == [[6]]


async def test_a_failed_batch_fails_each_of_its_requests_and_the_next_batch_runs():
    def handle(requests: list[int]) -> list[dict[str, int]]:
        if 0 in requests:
            raise ValueError("the database went away")
        return [{"n": n} for n in requests]

    batcher: Batcher[int] = Batcher(handle)
    results = await asyncio.gather(batcher.enqueue(0), return_exceptions=True)
    assert isinstance(results[0], ValueError)
    assert await batcher.enqueue(7) == {"n": 7}


async def test_a_request_that_fails_its_batch_fails_alone():
    def handle(requests: list[int]) -> list[dict[str, int]]:
        if 0 in requests:
            raise OverflowError("an id too large for the database")
        return [{"n": n} for n in requests]

    batcher: Batcher[int] = Batcher(handle, interval=0.2)
    await batcher.enqueue(1)  # the next requests wait for the interval and go together
    results = await asyncio.gather(*(batcher.enqueue(n) for n in (2, 0, 3)), return_exceptions=True)
    assert results[0] == {"n": 2}
    assert isinstance(results[1], OverflowError)
    assert results[2] == {"n": 3}
