"""The `soak` scenario: a long run (--soak-minutes), one row per window; RSS growth after the
warm-up.
"""

from __future__ import annotations

from bench import procs
from bench.harness import (
    PROBES,
    Bench,
    Row,
    _sync,
)


async def run(bench: Bench) -> None:
    """A long run (--soak-minutes): one row per window; RSS growth after the warm-up."""
    from bench.seed import new_event

    options = bench.options
    kind = options.servers[0]
    participants = options.capacity_participants
    window = 60.0
    windows = max(2, int(options.soak_minutes * 60 / window))
    rate = options.soak_rate
    await bench.flush_redis()
    _, slug, pending, cookies = await _sync(
        new_event, f"soak-{kind}", pending=int(rate * window * windows) + 10, voters=PROBES
    )
    server = procs.Server(kind, bench.port, bench.env)
    bench.say(f"== soak {kind} n={participants}: {rate:g} approvals/s, {windows} x {window:g}s")
    await server.start()
    sinks = probes = None
    rss: list[float] = []
    try:
        sinks, probes, _ = await bench.connect(
            bench.port, slug, participants, cookies, options.join_rate
        )
        for number in range(windows):
            label = f"soak {kind} {number + 1}/{windows}"
            chunk = pending[int(rate * window * number) :]
            drive = bench.django_driver(chunk, rate, server, label)
            row = Row("soak", kind, participants, f"{rate:g}/s, min {number + 1}")
            await bench.measure(
                row=row,
                server=server,
                sinks=sinks,
                probes=probes,
                duration=window - 1,
                drive=drive,
                vote_rate=10,
                window=True,
            )
            rss.append(row.server_rss_mb)
            if number in (0, windows - 1) or number % 5 == 4:
                bench.record(row)
        warm = rss[min(1, len(rss) - 1)]
        growth = (rss[-1] - warm) / warm * 100
        bench.say(f"  soak: RSS {warm:.1f} MB after warm-up, {rss[-1]:.1f} MB at the end")
        bench.rows[-1].notes.append(f"RSS {growth:+.1f}% from minute 2 to the end")
    finally:
        for load in (probes, sinks):
            if load is not None:
                await load.stop()
        await server.stop()
