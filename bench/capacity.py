"""The `capacity` scenario: raise the broadcast rate until p99 > 250 ms or a frame is lost;
deliveries/s.
"""

from __future__ import annotations

import json

from bench import procs
from bench.harness import (
    P99_BOUND_MS,
    Bench,
    Row,
    _sync,
)


async def run(bench: Bench) -> None:
    """Raise the broadcast rate until p99 > 250 ms or a frame is lost: deliveries/s."""
    options = bench.options
    participants = options.capacity_participants
    best: dict[str, float] = {}
    for kind in options.servers:
        best[kind] = await capacity_one(bench, kind, participants, options.capacity_rates)
    if "bare" in best:
        for kind, value in best.items():
            if kind != "bare" and best["bare"]:
                bench.say(f"  ratio {kind} / bare websockets: {value / best['bare']:.2f}")
        (bench.out / "ratio.json").write_text(json.dumps(best))


async def capacity_one(bench: Bench, kind: str, participants: int, rates: list[float]) -> float:
    from bench.seed import new_event

    await bench.flush_redis()
    step = bench.options.step
    count = int(sum(rates) * step) + 10
    _, slug, pending, _ = await _sync(new_event, f"capacity-{kind}", pending=count, voters=0)
    server = procs.Server(kind, bench.port, bench.env)
    bench.say(f"== capacity {kind} n={participants}: rates {rates} for {step:g}s each")
    await server.start()
    sinks = probes = None
    best = 0.0
    offset = 0
    try:
        sinks, probes, _ = await bench.connect(
            bench.port, slug, participants, [], bench.options.join_rate
        )
        for rate in rates:
            label = f"capacity {kind} {rate:g}/s"
            chunk = pending[offset:]
            if kind in procs.CEILINGS:
                drive = await bench.bare_driver(chunk, rate, bench.port, False, label)
            else:
                drive = bench.django_driver(chunk, rate, server, label)
            offset += int(rate * step)
            row = Row("capacity", kind, participants, f"{rate:g}/s")
            await bench.measure(
                row=row,
                server=server,
                sinks=sinks,
                probes=probes,
                duration=step,
                drive=drive,
                vote_rate=0,
                window=True,
            )
            bench.record(row)
            within = row.p99 is not None and row.p99 <= P99_BOUND_MS
            # The bare server's broadcast() skips a socket whose buffer is full, by design;
            # a handful of frames in a window is that, not a server that cannot keep up.
            complete = row.delivered >= row.expected * 0.999
            if within and complete and row.valid:
                best = max(best, row.deliveries_per_s)
            else:
                break
        bench.say(f"  {kind}: {best:,.0f} deliveries/s with p99 <= {P99_BOUND_MS:g} ms")
        return best
    finally:
        for load in (probes, sinks):
            if load is not None:
                await load.stop()
        await server.stop()
