"""Scenario `faults`: a worker killed, Redis restarted, PostgreSQL restarted, under live asks.

Two uvicorn workers behind nginx (deploy/topology.sh), on a Redis and a PostgreSQL cluster that
the scenario starts itself on ports of its own (--port + 90 and + 91) and removes at the end; the
shared servers are never touched. A few hundred full clients (bench/clients.py) follow a
post-moderated dialogue, some of them asking. They reconnect with jittered backoff, resync, and
send again, with the same client id, every ask that got an error or no reply.

One after another, with --faults-quiet seconds of quiet before, between and after:

1. SIGKILL worker 1, and start it again 1 s later (systemd's `Restart=always`, `RestartSec=1`);
2. stop Redis, and start it again --faults-down seconds later (empty: no persistence);
3. stop PostgreSQL (fast shutdown), and start it again --faults-down seconds later.

The askers also vote and take votes back (--faults-votes a second). Votes stop the moment Redis
is back; TALLY_CHECK_SECONDS later every client reports the counts it shows, which must equal
the database's (DESIGN.md: tallies exact on every client within 2 s after a Redis restart); then
votes resume.

Reported: for each fault, how long asks went unanswered (the longest pause between two
acknowledgements, and the longest wait of one ask sent around the fault); the ack latency per
10 s window; acknowledged questions missing from the database (must be 0); questions stored twice
(must be 0); asks never acknowledged; whether every client converged: its final view of the
published questions equals the database's; and the clients whose vote counts were exact 2 s
after Redis came back, and at the end.

    python -m bench.run faults --port 8500 --faults-clients 300 --faults-rate 10
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench import procs
from bench.asks import windows
from bench.topology import PrivatePostgres, PrivateRedis, private_postgres, private_redis, topology

if TYPE_CHECKING:
    from bench.harness import Bench

REDIS_OFFSET, POSTGRES_OFFSET = 90, 91
TALLY_CHECK_SECONDS = 2.0  # after Redis is back, every screen's counts must equal the database's
RESTART_SEC = 1.0  # deploy/systemd: RestartSec=1
_private: dict[str, Any] = {}


@contextlib.asynccontextmanager
async def private_services(port: int) -> AsyncIterator[tuple[str, str]]:
    """This scenario's own PostgreSQL and Redis: (DATABASE_URL, REDIS_URL)."""
    async with (
        private_redis(port + REDIS_OFFSET) as redis,
        private_postgres(port + POSTGRES_OFFSET) as postgres,
    ):
        _private["redis"], _private["postgres"] = redis, postgres
        try:
            yield postgres.url, redis.url
        finally:
            _private.clear()


@dataclass
class Fault:
    name: str
    at: float  # seconds since the clients' mark
    back: float = 0.0  # the server up again
    pause: float = 0.0  # the longest time between two acks, from the fault to the next one
    worst_wait: float | None = None  # the longest wait of one ask sent around the fault, s
    affected: int = 0  # asks sent around the fault that needed more than one attempt


@dataclass
class Report:
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    clients: int = 0
    asked: int = 0
    acked: int = 0
    never_acked: int = 0
    lost: int = 0
    duplicated: int = 0
    converged: int = 0
    open_at_end: int = 0
    published: int = 0
    faults: list[Fault] = field(default_factory=list)
    windows: list[tuple[float | None, float | None, int]] = field(default_factory=list)
    retried: int = 0
    resyncs: int = 0
    backlogs: int = 0
    snapshots: int = 0
    drops: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    votes_sent: int = 0
    votes_acked: int = 0
    tallies_after_redis: int = 0  # clients whose every count was exact 2 s after Redis was back
    tallies_open_after_redis: int = 0
    tallies_at_end: int = 0


def _database_counts(url: str, event_id: int) -> dict[int, int]:
    import psycopg

    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT id, vote_count FROM dialogue_question WHERE event_id = %s"
            " AND status IN ('approved', 'answered')",
            [event_id],
        ).fetchall()
    return dict(rows)


def exact_tallies(views: list[dict[str, Any]], counts: dict[int, int]) -> int:
    """How many open clients show exactly the database's count for every published question."""
    return sum(
        1
        for view in views
        if view["open"]
        and all(view["votes"].get(str(pk), view["votes"].get(pk)) == n for pk, n in counts.items())
    )


def wrong_tallies(views: list[dict[str, Any]], counts: dict[int, int]) -> dict[int, str]:
    """The questions some open client shows a wrong count of: how many clients, and what they
    show against the database (for the report)."""
    wrong: dict[int, Counter[int | None]] = {}
    for view in views:
        if not view["open"]:
            continue
        for pk, n in counts.items():
            shown = view["votes"].get(str(pk), view["votes"].get(pk))
            if shown != n:
                wrong.setdefault(pk, Counter())[shown] += 1
    return {
        pk: f"{sum(c.values())} clients show {dict(c)}, the database {counts[pk]}"
        for pk, c in sorted(wrong.items())
    }


def _database_rows(url: str, event_id: int) -> list[tuple[int, str, str, str]]:
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT id, client_id::text, text, status FROM dialogue_question WHERE event_id = %s",
            [event_id],
        ).fetchall()


async def run(bench: Bench) -> None:
    from bench.harness import _sync
    from bench.seed import new_event

    if not _private:
        raise RuntimeError("faults runs alone, on its own servers: python -m bench.run faults")
    redis: PrivateRedis = _private["redis"]
    postgres: PrivatePostgres = _private["postgres"]
    options = bench.options
    quiet, down = options.faults_quiet, options.faults_down
    askers = min(options.faults_askers, options.faults_clients)
    event_id, slug, _, cookies = await _sync(new_event, "faults", voters=askers, moderation="post")
    cookie_file = bench.out / f"cookies-{slug}.json"
    cookie_file.write_text(json.dumps(cookies))
    bench.say(
        f"== faults: {options.faults_clients} clients, {askers} asking {options.faults_rate:g}/s; "
        f"2 workers behind nginx; Redis :{redis.port}, PostgreSQL :{postgres.port} (private)"
    )
    report = Report(clients=options.faults_clients)
    state = bench.out / "topology-faults"
    faults: list[Fault] = []
    async with topology(workers=2, port=bench.port, env=bench.env, state=state) as running:
        clients = procs.Load(
            "clients",
            [
                *("--port", str(bench.port), "--path", f"/ws/events/{slug}/"),
                *("--count", str(options.faults_clients), "--askers", str(askers)),
                *("--cookies", str(cookie_file), "--rate", "50", "--reconnect"),
                *("--ask-timeout", "10", "--settle", "90"),
            ],
            module="bench.clients",
        )
        try:
            await clients.start()
            ready = await clients.expect("ready", 120)
            bench.say(f"    joined: {ready['opened']} clients ({ready['failed']} failed)")
            report.load_before = os.getloadavg()
            clients.send("mark")
            started = time.monotonic()
            clients.send(f"asks {options.faults_rate:g}")
            clients.send(f"votes {options.faults_votes:g}")

            def now() -> float:
                return time.monotonic() - started

            async def quietly(seconds: float) -> None:
                end = time.monotonic() + seconds
                while (left := end - time.monotonic()) > 0:
                    await asyncio.sleep(min(5.0, left))
                    progress = clients.progress
                    bench.say(
                        f"    faults t={now():5.1f}s open {progress.get('open', 0)}, asked "
                        f"{progress.get('asked', 0)}, acked {progress.get('acked', 0)}, "
                        f"resyncs {progress.get('resyncs', 0)}, drops {progress.get('drops', 0)}"
                    )

            await quietly(quiet)
            fault = Fault("SIGKILL worker 1", now())
            bench.say(f"    t={fault.at:.1f}s {fault.name}")
            await running.kill(1)
            await asyncio.sleep(RESTART_SEC)
            await running.restart(1)
            fault.back = now()
            faults.append(fault)
            await quietly(quiet)
            fault = Fault("restart Redis", now())
            bench.say(f"    t={fault.at:.1f}s {fault.name}")
            await redis.stop()
            await asyncio.sleep(down)
            await redis.start()
            fault.back = now()
            faults.append(fault)
            clients.send("votes 0")
            await asyncio.sleep(TALLY_CHECK_SECONDS)
            clients.send("tallies")
            tallies = await clients.expect("tallies", 60)
            counts = await asyncio.to_thread(_database_counts, bench.database_url, event_id)
            report.tallies_after_redis = exact_tallies(tallies["views"], counts)
            report.tallies_open_after_redis = sum(1 for v in tallies["views"] if v["open"])
            wrong = wrong_tallies(tallies["views"], counts)
            (bench.out / "faults-tallies-after-redis.json").write_text(json.dumps(wrong))
            bench.say(
                f"    tallies exact {TALLY_CHECK_SECONDS:g} s after Redis was back: "
                f"{report.tallies_after_redis}/{report.tallies_open_after_redis} open clients"
            )
            clients.send(f"votes {options.faults_votes:g}")
            await quietly(quiet)
            fault = Fault("restart PostgreSQL", now())
            bench.say(f"    t={fault.at:.1f}s {fault.name}")
            await postgres.stop()
            await asyncio.sleep(down)
            await postgres.start()
            fault.back = now()
            faults.append(fault)
            await quietly(quiet)
            clients.send("asks 0")
            clients.send("votes 0")
            asks_end = time.monotonic()
            clients.send("stop")
            bench.say("    settling: the last replies and repairs")
            result = await clients.expect("result", 180)
            report.load_after = os.getloadavg()
        finally:
            await clients.stop()
    # The driver's clock and the clients' differ by when each read `mark`: align on theirs.
    offset = started - result["mark"]
    for fault in faults:
        fault.at += offset
        fault.back += offset
    rows = await asyncio.to_thread(_database_rows, bench.database_url, event_id)
    analyse(report, result, rows, faults, end=asks_end - result["mark"])
    counts = await asyncio.to_thread(_database_counts, bench.database_url, event_id)
    report.tallies_at_end = exact_tallies(result["views"], counts)
    (bench.out / "faults-tallies-at-end.json").write_text(
        json.dumps(wrong_tallies(result["views"], counts))
    )
    report.votes_sent, report.votes_acked = result["votes_sent"], result["votes_acked"]
    print_report(bench, report)
    (bench.out / "faults.json").write_text(
        json.dumps({"report": report.__dict__ | {"faults": [f.__dict__ for f in faults]}})
    )
    (bench.out / "faults-clients.json").write_text(json.dumps(result))


def analyse(
    report: Report,
    result: dict[str, Any],
    rows: list[tuple[int, str, str, str]],
    faults: list[Fault],
    end: float,
) -> None:
    asks = result["asks"]
    report.asked = len(asks)
    acked = [a for a in asks if a["question"] is not None]
    report.acked = len(acked)
    report.never_acked = report.asked - report.acked
    report.retried = sum(1 for a in asks if a["attempts"] > 1)
    stored_ids = {row[0] for row in rows}
    stored_client_ids = {row[1] for row in rows}
    report.lost = sum(
        1
        for a in acked
        if a["question"] not in stored_ids or a["client_id"] not in stored_client_ids
    )
    # Each ask's text is unique (it carries its client id): a text stored twice is a retry that
    # became a second question, whatever its client id.
    texts = Counter(row[2] for row in rows)
    report.duplicated = sum(n - 1 for n in texts.values() if n > 1)
    published = {row[0] for row in rows if row[3] in ("approved", "answered")}
    report.published = len(published)
    views = result["views"]
    report.open_at_end = sum(1 for v in views if v["open"])
    report.converged = sum(1 for v in views if v["open"] and set(v["visible"]) == published)
    points = [(a["sent"], a["ack_ms"]) for a in acked]
    report.windows = windows(points, end)
    for key in ("resyncs", "backlogs", "snapshots", "drops"):
        setattr(report, key, result[key])
    report.errors = result["errors"]
    ack_times = sorted(a["acked"] for a in acked)
    for number, fault in enumerate(faults):
        until = faults[number + 1].at if number + 1 < len(faults) else end
        after = [t for t in ack_times if fault.at <= t < until]
        marks = [fault.at, *after]
        gaps = [b - a for a, b in itertools.pairwise(marks)]
        fault.pause = round(max(gaps) if gaps else until - fault.at, 2)
        around = [a for a in asks if fault.at - 10 <= a["sent"] < until]
        waits = [a["ack_ms"] / 1000 for a in around if a["ack_ms"] is not None]
        fault.worst_wait = round(max(waits), 2) if waits else None
        fault.affected = sum(1 for a in around if a["attempts"] > 1)
    report.faults = faults


def print_report(bench: Bench, report: Report) -> None:
    lines = [
        "| fault | at s | server back at s | longest pause between acks, s | longest wait of one "
        "ask, s | asks sent again |",
        "|---|---|---|---|---|---|",
    ]
    for fault in report.faults:
        lines.append(
            f"| {fault.name} | {fault.at:.1f} | {fault.back:.1f} | {fault.pause} | "
            f"{fault.worst_wait} | {fault.affected} |"
        )
    bench.say("\n".join(lines))
    per_window = ", ".join(f"{_fmt(p50)}/{_fmt(p99)}" for p50, p99, _ in report.windows)
    bench.say(f"  ack p50/p99 ms per 10 s window: {per_window}")
    bench.say(
        f"  asked {report.asked}, acknowledged {report.acked}, never acknowledged "
        f"{report.never_acked}, sent more than once {report.retried}; "
        f"LOST {report.lost}, STORED TWICE {report.duplicated}; "
        f"converged {report.converged}/{report.clients} ({report.open_at_end} open at the end, "
        f"{report.published} published); resyncs {report.resyncs} ({report.backlogs} backlog, "
        f"{report.snapshots} snapshot), drops {report.drops}; "
        f"load average {report.load_before[0]:.2f} → {report.load_after[0]:.2f}"
    )
    bench.say(
        f"  votes sent {report.votes_sent}, acknowledged {report.votes_acked}; tallies exact "
        f"{TALLY_CHECK_SECONDS:g} s after Redis was back on {report.tallies_after_redis}/"
        f"{report.tallies_open_after_redis} open clients, at the end on {report.tallies_at_end}/"
        f"{report.open_at_end}"
    )
    bench.say(f"  client errors: {report.errors}")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"
