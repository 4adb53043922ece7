"""The `slow` scenario: slow readers, 2 % of the clients stop reading; the others must not
notice.
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
    """Slow readers: 2 % of the clients stop reading; the others must not notice."""
    from bench.seed import new_event

    options = bench.options
    participants = options.capacity_participants
    for kind in bench.servers_bare_last():
        await bench.flush_redis()
        count = int(options.rate * options.duration) + 5
        _, slug, pending, cookies = await _sync(
            new_event, f"slow-{kind}", pending=count, voters=PROBES
        )
        server = procs.Server(kind, bench.port, bench.env)
        label = f"slow {kind} n={participants}"
        bench.say(f"== {label}: 2% stop reading; {options.rate:g} approvals/s")
        await server.start()
        sinks = probes = None
        try:
            sinks, probes, _ = await bench.connect(
                bench.port, slug, participants, cookies, options.join_rate
            )
            rss_before = server.rss()
            sinks.send("stall 0.02")
            if kind in procs.CEILINGS:
                drive = await bench.bare_driver(pending, options.rate, bench.port, True, label)
            else:
                drive = bench.django_driver(pending, options.rate, server, label)
            row = Row("slow readers", kind, participants, f"{options.rate:g}/s, 2% stalled")
            _, sink_result, _ = await bench.measure(
                row=row,
                server=server,
                sinks=sinks,
                probes=probes,
                duration=options.duration,
                drive=drive,
                vote_rate=20,
            )
            growth = (server.rss() - rss_before) / 2**20
            row.notes.append(
                f"{sink_result['stalled']} stalled, {sink_result['stalled_alive']} still "
                f"open at the end; RSS {growth:+.1f} MB during the run"
            )
            bench.record(row)
        finally:
            for load in (probes, sinks):
                if load is not None:
                    await load.stop()
            await server.stop()
