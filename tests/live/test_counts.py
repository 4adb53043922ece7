"""Counts shared by the workers (live/counts.py): a join storm waits for Redis, never fails on it,
and an outage is logged once per interval, not once per socket."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from live.admission import Admissions
from live.counts import LogOnce, SharedCounts


def test_a_warning_is_logged_once_per_interval_and_says_how_often_it_was_held_back(caplog):
    logger = logging.getLogger("tests.counts")
    warn = LogOnce(logger, "Redis unavailable", every=3600)
    with caplog.at_level(logging.WARNING, logger="tests.counts"):
        for _ in range(500):
            warn()
    assert [record.getMessage() for record in caplog.records] == [
        "Redis unavailable (0 more since last logged)"
    ]
    warn._last -= 3600  # the interval is over
    with caplog.at_level(logging.WARNING, logger="tests.counts"):
        warn()
    assert caplog.records[-1].getMessage() == "Redis unavailable (499 more since last logged)"


async def test_without_redis_a_storm_is_admitted_on_this_process_s_counts_and_logged_once(caplog):
    admissions = Admissions("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        with caplog.at_level(logging.WARNING, logger="live.counts"):
            seats = await asyncio.gather(
                *(admissions.admit({"address:storm": 300}) for _ in range(50))
            )
        assert all(seat is not None for seat in seats)
        assert admissions.counts["address:storm"] == 50
        assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1
        # This process's own count still caps.
        full = await asyncio.gather(*(admissions.admit({"address:storm": 50}) for _ in range(3)))
        assert full == [None, None, None]
    finally:
        await admissions.close()


@pytest.mark.integration
async def test_a_join_storm_larger_than_the_pool_waits_for_connections_and_the_cap_holds(settings):
    cap = 1_000
    key = f"address:storm-{uuid.uuid4().hex}"
    workers = [Admissions(settings.REDIS_URL), Admissions(settings.REDIS_URL)]
    try:
        # 1,200 sockets at once over two workers, each with a pool of 16 connections.
        seats = await asyncio.gather(*(workers[n % 2].admit({key: cap}) for n in range(1_200)))
        admitted = [seat for seat in seats if seat is not None]
        assert len(admitted) == cap  # every seat up to the cap, none beyond it
        assert sum(worker.counts[key] for worker in workers) == cap
    finally:
        for worker in workers:
            await worker.close()


@pytest.mark.integration
async def test_totals_add_up_every_process_and_a_lapsed_count_stops_counting(settings):
    key = f"presence-{uuid.uuid4().hex}"
    one, two = SharedCounts(settings.REDIS_URL, "test"), SharedCounts(settings.REDIS_URL, "test")
    try:
        assert await one.totals({key: 3}, valid=60) == {key: 3}
        assert await two.totals({key: 4}, valid=60) == {key: 7}
        assert await one.totals({key: 0}, valid=60) == {key: 4}  # one's sockets closed
        await two.totals({key: 4}, valid=-1)  # written already lapsed: a killed worker's
        assert await one.totals({key: 2}, valid=60) == {key: 2}
    finally:
        await one.close()
        await two.close()
