"""The `workers` scenario: two workers behind nginx over Redis and PostgreSQL
(deploy/topology.sh).
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
    """Two workers behind nginx over Redis and PostgreSQL (deploy/topology.sh)."""
    from bench.seed import new_event

    options = bench.options
    participants = options.capacity_participants
    await bench.flush_redis()
    count = int(options.rate * options.duration) + 5
    _, slug, pending, cookies = await _sync(new_event, "workers", pending=count, voters=PROBES)
    state = bench.out / "topology"
    env = {
        **bench.env,
        "TOPOLOGY_DIR": str(state),
        "NGINX_PORT": str(bench.port + 50),
        "WORKER_BASE_PORT": str(bench.port + 51),
        # Two cores only: both workers share the server core and nginx takes the load core,
        # so this measures what the second process and nginx cost, not how it scales.
        "WORKER_CPUS": procs.SERVER_CORE,
        "NGINX_CPU": procs.LOAD_CORE,
    }
    script = str(procs.ROOT / "deploy" / "topology.sh")
    bench.say(f"== workers: 2 uvicorn workers behind nginx, n={participants}")
    started = await asyncio.create_subprocess_exec(script, "start", env=env)
    if await started.wait() != 0:
        raise RuntimeError(f"topology did not start; see {state}")
    sinks = probes = None
    try:
        pids = [int((state / f"worker-{n}.pid").read_text()) for n in (1, 2)]
        servers = procs.Group(pids)
        sinks, probes, _ = await bench.connect(
            bench.port + 50, slug, participants, cookies, options.join_rate
        )
        drive = bench.django_driver(pending, options.rate, servers, "workers")  # type: ignore[arg-type]
        row = Row("two workers", "uvicorn x2+nginx", participants, f"{options.rate:g}/s")
        await bench.measure(
            row=row,
            server=servers,  # type: ignore[arg-type]
            sinks=sinks,
            probes=probes,
            duration=options.duration,
            drive=drive,
            vote_rate=20,
        )
        row.notes.append("CPU and RSS: both workers; nginx shares the load core")
        bench.record(row)
    finally:
        for load in (probes, sinks):
            if load is not None:
                await load.stop()
        stopped = await asyncio.create_subprocess_exec(script, "stop", env=env)
        await stopped.wait()
