"""The batcher: what arrives while a batch runs, or within the interval, forms the next batch."""

from __future__ import annotations

import asyncio

from dialogue.batching import Batcher


async def test_requests_that_arrive_within_the_interval_are_handled_together():
    batches: list[list[int]] = []

    def handle(requests: list[int]) -> list[dict[str, int]]:
        batches.append(requests)
        return [{"n": n} for n in requests]

    batcher: Batcher[int] = Batcher(handle, interval=0.2)
    assert await batcher.enqueue(1) == {"n": 1}  # an idle batcher runs at once
    # Within 0.2 s of the first batch's start: these wait, then go together.
    replies = await asyncio.gather(*(batcher.enqueue(n) for n in range(2, 6)))
    assert replies == [{"n": n} for n in range(2, 6)]
    assert batches == [[1], [2, 3, 4, 5]]
    await asyncio.sleep(0.25)  # idle again: the next request runs at once
    started = asyncio.get_running_loop().time()
    assert await batcher.enqueue(6) == {"n": 6}
    assert asyncio.get_running_loop().time() - started < 0.15
    assert batches[-1] == [6]


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
