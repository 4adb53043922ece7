"""The `joins` scenario: a connect storm, --joins joins in --join-seconds, each with its
snapshot.
"""

from __future__ import annotations

import time

from bench import procs
from bench.harness import (
    Bench,
    Row,
    _round_ms,
    _sync,
)


async def run(bench: Bench) -> None:
    """A connect storm: --joins joins in --join-seconds, each with its snapshot."""
    from bench.seed import new_event

    options = bench.options
    for kind in bench.servers_bare_last():
        await bench.flush_redis()
        # A dialogue already under way: 100 published questions in the snapshot.
        _, slug, _, _ = await _sync(
            new_event, f"joins-{kind}", approved=100, voters=0, text_size=200
        )
        rate = options.joins / options.join_seconds
        bench.say(f"== joins {kind}: {options.joins} joins at {rate:g}/s")
        server = procs.Server(kind, bench.port, bench.env)
        await server.start()
        sinks = None
        try:
            await bench.wait_for_quiet()
            overflows = procs.listen_overflows()
            server.mark()
            started = time.monotonic()
            sinks = procs.Load(
                "sinks",
                [
                    *("--port", str(bench.port), "--path", f"/ws/events/{slug}/"),
                    *("--count", str(options.joins), "--rate", str(rate)),
                    *("--concurrency", str(options.joins), "--timeout", "30"),
                ],
            )
            await sinks.start()
            ready = await bench.wait_ready(sinks, options.joins)
            row = Row("joins", kind, options.joins, f"{rate:g}/s")
            row.server_cpu = round(server.cpu() * 100, 1)
            row.server_rss_mb = round(server.rss() / 2**20, 1)
            row.p50, row.p99, row.max = (
                _round_ms(ready["snapshot_p50"]),
                _round_ms(ready["snapshot_p99"]),
                _round_ms(ready["snapshot_max"]),
            )
            row.delivered, row.expected = ready["opened"], options.joins
            row.deliveries_per_s = round(ready["opened"] / (time.monotonic() - started))
            overflowed = procs.listen_overflows() - overflows
            row.errors = ready["failed"] + overflowed
            row.notes.append(
                f"snapshot latency; {overflowed} listen-queue overflows; "
                f"all joined in {ready['join_seconds']}s"
            )
            bench.record(row)
        finally:
            if sinks is not None:
                await sinks.stop()
            await server.stop()
