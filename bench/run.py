"""Run bench scenarios and print one table; write results and a latency plot beside it.

    python -m bench.run --short                       # what `make bench` runs
    python -m bench.run fanout capacity --servers uvicorn,daphne,bare \\
        --participants 1000,5000,10000 --rate 10 --duration 30
    python -m bench.run http idle --servers uvicorn,daphne,bare   # needs wrk (apt-get install wrk)

The server is pinned to core 0 and every load process to core 1 (taskset). See
docs/performance.md for what each scenario measures and the numbers of one full run.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys

from bench import (
    asks,
    capacity,
    ceilings,
    fanout,
    faults,
    idle,
    joins,
    pages,
    polls,
    procs,
    slow,
    soak,
    themes,
    votes,
    workers,
)
from bench.harness import DATABASE_URL, PORT, REDIS_URL, session

SCENARIOS = [
    *("fanout", "capacity", "joins", "votes", "slow", "workers", "http", "idle", "soak"),
    *("asks", "faults", "ceilings", "polls", "themes"),
]
# Scenarios that run alone, on servers they start themselves; not in the default set.
ALONE = {"faults"}

# Each scenario is one module with `run(bench)`, in the order a full run takes them.
RUNNERS = {
    "fanout": fanout.run,
    "capacity": capacity.run,
    "joins": joins.run,
    "votes": votes.run,
    "polls": polls.run,
    "slow": slow.run,
    "workers": workers.run,
    "soak": soak.run,
    "asks": asks.run,
    "faults": faults.run,
    "ceilings": ceilings.run,
    "http": pages.run,
    "idle": idle.run,
    "themes": themes.run,
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenarios", nargs="*", help="any of: " + ", ".join(SCENARIOS))
    parser.add_argument("--short", action="store_true", help="the few-minute run of `make bench`")
    parser.add_argument("--servers", default="uvicorn,daphne,bare")
    parser.add_argument("--participants", default="1000,5000,10000")
    parser.add_argument("--rate", type=float, default=10, help="approvals per second (fanout)")
    parser.add_argument("--duration", type=float, default=30, help="seconds per measured run")
    parser.add_argument(
        "--fanout-votes", type=float, default=20, help="votes/s during fanout (0: no tallies)"
    )
    parser.add_argument("--join-rate", type=float, default=1000, help="joins per second")
    parser.add_argument("--capacity-participants", type=int, default=5000)
    parser.add_argument("--capacity-rates", default="4,8,12,16,20,25,30,40")
    parser.add_argument("--step", type=float, default=8, help="seconds per capacity step")
    parser.add_argument("--joins", type=int, default=5000, help="connect storm: joins")
    parser.add_argument("--join-seconds", type=float, default=10, help="connect storm: seconds")
    parser.add_argument("--vote-rate", type=float, default=1000, help="vote storm: votes/s")
    parser.add_argument("--vote-seconds", type=float, default=60, help="vote storm: seconds")
    parser.add_argument("--vote-participants", type=int, default=1000)
    parser.add_argument("--poll-participants", type=int, default=1000, help="polls: clients")
    parser.add_argument(
        "--poll-seconds", type=float, default=10, help="polls: seconds the answers are spread over"
    )
    parser.add_argument("--themes-rate", type=float, default=30, help="themes: questions a minute")
    parser.add_argument("--themes-seconds", type=float, default=120, help="themes: seconds asked")
    parser.add_argument(
        "--themes-room", type=int, default=300, help="themes: questions in the room at the start"
    )
    parser.add_argument(
        "--http-connections", type=int, default=50, help="http: concurrent keep-alive connections"
    )
    parser.add_argument("--http-seconds", type=float, default=15, help="http: seconds per page")
    parser.add_argument(
        "--http-no-pool",
        action="store_true",
        help="http: serve with CONN_MAX_AGE=60 instead of the pool (runs out of connections)",
    )
    parser.add_argument(
        "--ping-interval",
        type=int,
        default=procs.PING_INTERVAL,
        help="seconds between each server's keepalive pings to a socket",
    )
    parser.add_argument("--idle-participants", type=int, default=10000, help="idle: sockets")
    parser.add_argument(
        "--idle-seconds", type=float, default=60, help="idle: seconds of the CPU window"
    )
    parser.add_argument("--idle-join-rate", type=float, default=500, help="idle: joins per second")
    parser.add_argument("--soak-minutes", type=float, default=30)
    parser.add_argument("--soak-rate", type=float, default=5, help="soak: approvals per second")
    parser.add_argument(
        "--quiet-wait", type=float, default=180, help="seconds to wait for an idle machine"
    )
    parser.add_argument("--asks-loads", default="1000:20,200:30", help="asks: clients:asks/s,...")
    parser.add_argument("--asks-workers", default="1,2", help="asks: worker counts to compare")
    parser.add_argument("--asks-duration", type=float, default=60, help="asks: seconds per run")
    parser.add_argument("--asks-probes", type=int, default=100, help="asks: full clients")
    parser.add_argument("--asks-askers", type=int, default=100, help="asks: clients that ask")
    parser.add_argument(
        "--asks-hogs", type=int, default=0, help="asks: busy loops beside the workers"
    )
    parser.add_argument("--faults-clients", type=int, default=300, help="faults: full clients")
    parser.add_argument("--faults-askers", type=int, default=60, help="faults: clients that ask")
    parser.add_argument("--faults-rate", type=float, default=10, help="faults: asks per second")
    parser.add_argument(
        "--faults-votes", type=float, default=20, help="faults: votes and unvotes per second"
    )
    parser.add_argument(
        "--faults-quiet", type=float, default=20, help="faults: seconds before, between, after"
    )
    parser.add_argument(
        "--faults-down", type=float, default=3, help="faults: seconds Redis/PostgreSQL stay down"
    )
    parser.add_argument(
        "--ceilings-servers",
        default="uws,picows,bare,uvicorn,daphne",
        help="ceilings: servers, uWebSockets.js (uws) first",
    )
    parser.add_argument(
        "--port", type=int, default=PORT, help="first port; scenarios use the next 100 at most"
    )
    parser.add_argument("--redis-url", default=REDIS_URL, help="Redis db the bench may flush")
    parser.add_argument("--database-url", default=DATABASE_URL, help="the bench's own database")
    parser.add_argument("--out", default=str(procs.ROOT / "bench" / "results"))
    options = parser.parse_args(argv)
    if options.short:
        # A few minutes: every server, the smaller sizes, shorter windows.
        options.scenarios = options.scenarios or ["fanout", "capacity", "joins", "votes"]
        options.participants = "1000,5000"
        options.duration = min(options.duration, 10)
        options.capacity_participants = 2000
        options.capacity_rates = "10,20,30"
        options.step = 5
        options.joins, options.join_seconds = 2000, 4
        options.vote_rate, options.vote_seconds = 200, 10
        options.vote_participants = 500
        options.quiet_wait = 30
        options.asks_duration = min(options.asks_duration, 20)
        options.faults_quiet = min(options.faults_quiet, 10)
        options.themes_seconds = min(options.themes_seconds, 40)
    # Everything but the soak, which takes half an hour, and what runs alone.
    default = [name for name in SCENARIOS if name != "soak" and name not in ALONE]
    options.scenarios = options.scenarios or default
    unknown = set(options.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if set(options.scenarios) & ALONE and len(options.scenarios) > 1:
        parser.error(f"run {', '.join(sorted(ALONE))} alone: it starts its own servers")
    options.asks_workers = [int(n) for n in options.asks_workers.split(",")]
    options.ceilings_servers = options.ceilings_servers.split(",")
    procs.PING_INTERVAL = options.ping_interval
    options.servers = options.servers.split(",")
    options.participants = [int(n) for n in options.participants.split(",")]
    options.capacity_rates = [float(n) for n in options.capacity_rates.split(",")]
    return options


async def main(argv: list[str]) -> int:
    options = parse(argv)
    port, redis_url, database_url = options.port, options.redis_url, options.database_url
    if "http" in options.scenarios:
        from bench import wrk

        wrk.require()  # before any scenario runs, not after the others' minutes
    if options.scenarios == ["faults"]:
        # Its own Redis and PostgreSQL, which it restarts: Django must talk to them from the start.
        async with faults.private_services(port) as (database_url, redis_url):
            return await run_all(options, port, database_url, redis_url)
    return await run_all(options, port, database_url, redis_url)


async def run_all(options: argparse.Namespace, port: int, database_url: str, redis_url: str) -> int:
    async with session(options, port=port, database_url=database_url, redis_url=redis_url) as bench:
        for scenario in options.scenarios:
            await RUNNERS[scenario](bench)
    return 0


if __name__ == "__main__":
    # The driver shares the load core; the server has the other one to itself.
    import os

    os.sched_setaffinity(0, {int(procs.LOAD_CORE)})
    if os.geteuid() == 0:
        os.nice(procs.BENCH_NICE)
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    sys.exit(asyncio.run(main(sys.argv[1:])))
