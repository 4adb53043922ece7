"""The `fanout` scenario: 1k / 5k / 10k participants; approvals at --rate (1 KB each) and
tallies 4/s.
"""

from __future__ import annotations

import asyncio

from bench import procs
from bench.harness import (
    PROBES,
    Bench,
    Row,
    _sync,
)


async def run(bench: Bench) -> None:
    """1k / 5k / 10k participants; approvals at --rate (1 KB each) and tallies 4/s."""
    options = bench.options
    for kind in options.servers:
        for participants in options.participants:
            await fanout_one(bench, kind, participants, options.rate, options.duration)


async def fanout_one(
    bench: Bench, kind: str, participants: int, rate: float, duration: float
) -> Row:
    from bench.seed import new_event

    await bench.flush_redis()
    count = int(rate * duration) + 5
    _, slug, pending, cookies = await _sync(
        new_event, f"fanout-{kind}-{participants}", pending=count, voters=PROBES
    )
    server = procs.Server(kind, bench.port, bench.env)
    label = f"fanout {kind} n={participants}"
    bench.say(f"== {label}: {rate:g} approvals/s of ~1 KB for {duration:g}s, tallies 4/s")
    await server.start()
    sinks = probes = None
    try:
        rss_empty = await bench.settled_rss(server, slug)
        sinks, probes, _ = await bench.connect(
            bench.port, slug, participants, cookies, bench.options.join_rate
        )
        await asyncio.sleep(1.0)
        rss_joined = server.rss()
        if kind in procs.CEILINGS:
            drive = await bench.bare_driver(
                pending, rate, bench.port, bool(bench.options.fanout_votes), label
            )
        else:
            drive = bench.django_driver(pending, rate, server, label)
        votes = bench.options.fanout_votes
        row = Row("fanout", kind, participants, f"{rate:g}/s" + (" + tallies" if votes else ""))
        # A few votes a second from the probes keep the tally coalescer busy (4 frames/s).
        await bench.measure(
            row=row,
            server=server,
            sinks=sinks,
            probes=probes,
            duration=duration,
            drive=drive,
            vote_rate=votes,
        )
        row.rss_joined_kb = round((rss_joined - rss_empty) / 1024 / participants, 2)
        row.rss_end_kb = round((server.rss() - rss_empty) / 1024 / participants, 2)
        if row.deliveries_per_s:
            row.cpu_us_per_delivery = round(row.server_cpu / 100 / row.deliveries_per_s * 1e6, 2)
        row.notes.append(
            f"{row.cpu_us_per_delivery} µs CPU per delivery; RSS {row.rss_joined_kb} KB per "
            f"socket once joined, {row.rss_end_kb} KB after the run, over "
            f"{rss_empty / 2**20:.1f} MB with one socket served"
        )
        bench.record(row)
        return row
    finally:
        for load in (probes, sinks):
            if load is not None:
                await load.stop()
        await server.stop()
