"""The tally coalescer (live/tallies.py): a failed flush is tried again until it goes through."""

from __future__ import annotations

import asyncio
import logging

from channels.layers import InMemoryChannelLayer

from live.tallies import TallyCoalescer


async def test_counts_a_failed_flush_was_sending_are_sent_once_the_database_is_back(caplog):
    reads: list[set[int]] = []
    retried = asyncio.Event()
    sent: asyncio.Queue[tuple[int, dict[int, int]]] = asyncio.Queue()
    database_up = False

    async def count(question_ids: set[int]) -> dict[int, int]:
        reads.append(set(question_ids))
        if len(reads) >= 3:
            retried.set()
        if not database_up:
            raise ConnectionError("the database is restarting")
        return dict.fromkeys(question_ids, 7)

    async def send(event_id: int, counts: dict[int, int]) -> None:
        await sent.put((event_id, counts))

    tallies: TallyCoalescer[int] = TallyCoalescer(0.01, InMemoryChannelLayer(), count, send)
    with caplog.at_level(logging.WARNING, logger="live.tallies"):
        tallies.mark(1, 10)
        tallies.mark(1, 11)
        await asyncio.wait_for(retried.wait(), timeout=30)  # it keeps trying meanwhile
        tallies.mark(1, 12)  # a vote stored meanwhile joins the retry
        database_up = True
        event_id, counts = await asyncio.wait_for(sent.get(), timeout=30)
    assert (event_id, counts) == (1, {10: 7, 11: 7, 12: 7})
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 2  # when it started failing, and when it went through
    assert "went through" in failures[-1].getMessage()


async def test_a_flush_that_goes_through_is_not_sent_again():
    sent: asyncio.Queue[dict[int, int]] = asyncio.Queue()

    async def count(question_ids: set[int]) -> dict[int, int]:
        return dict.fromkeys(question_ids, 1)

    async def send(event_id: int, counts: dict[int, int]) -> None:
        await sent.put(counts)

    tallies: TallyCoalescer[int] = TallyCoalescer(0.01, InMemoryChannelLayer(), count, send)
    tallies.mark(1, 10)
    assert await asyncio.wait_for(sent.get(), timeout=30) == {10: 1}
    tallies.mark(1, 11)
    assert await asyncio.wait_for(sent.get(), timeout=30) == {11: 1}  # 10 is not sent again


def test_a_flush_closed_with_its_loop_at_an_await_ends_quietly():
    """A loop shutting down closes a flush waiting on the database: the read fails, and the
    flush's retry finds no loop to schedule in. It must end there, not raise out of the close."""
    started = asyncio.Event()

    async def count(question_ids: set[int]) -> dict[int, int]:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            raise RuntimeError("Event loop is closed")  # as a thread's future does then

    async def send(event_id: int, counts: dict[int, int]) -> None:
        raise AssertionError("nothing is sent")

    tallies: TallyCoalescer[int] = TallyCoalescer(0.01, InMemoryChannelLayer(), count, send)
    flush = tallies._flush({1}, event_id=7)

    tasks: list[asyncio.Future[None]] = []

    async def run_until_waiting() -> None:
        tasks.append(asyncio.ensure_future(flush))  # left pending at its await
        await started.wait()
        loop.stop()

    loop = asyncio.new_event_loop()
    try:
        tasks.append(loop.create_task(run_until_waiting()))
        loop.run_forever()
    finally:
        asyncio.set_event_loop(None)
    # Outside any running loop, as garbage collection does after the loop is gone.
    flush.close()
    assert tallies._changed == {7: {1}}  # what changed is kept, and nothing is scheduled
    # The task around the closed flush ends too, rather than being destroyed still pending by
    # a later collection (which logs, and on Python 3.11 breaks an `ast.parse` running then).
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    assert all(task.done() for task in tasks)
    loop.close()


async def test_closing_stops_the_flush_under_way_and_drops_those_not_yet_due():
    reading = asyncio.Event()
    sent: list[dict[int, int]] = []

    async def count(question_ids: set[int]) -> dict[int, int]:
        reading.set()
        await asyncio.Event().wait()  # a database that never answers
        return {}

    async def send(event_id: int, counts: dict[int, int]) -> None:
        sent.append(counts)

    tallies: TallyCoalescer[int] = TallyCoalescer(0.01, InMemoryChannelLayer(), count, send)
    tallies.mark(1, 10)
    await asyncio.wait_for(reading.wait(), timeout=30)
    tallies.mark(2, 20)  # due an interval from now
    [under_way] = tallies._flushing
    await tallies.close()
    assert under_way.cancelled()
    assert not tallies._flushing
    assert not tallies._scheduled
    await asyncio.sleep(0.05)  # past the second flush's interval
    assert not tallies._flushing
    assert sent == []
