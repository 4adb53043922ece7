"""What every bench scenario shares: the `Bench` state and its helpers, and `session`, the
`async with` that sets up Django and the bench database, then prints and writes the table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import resource
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench import procs
from bench.report import plot, table

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/doithoai_bench"
REDIS_URL = "redis://127.0.0.1:6379/2"
PORT = 8100
PROBES = 100
P99_BOUND_MS = 250.0
QUIET = 0.35  # the busiest core's share, with the bench idle, below which a run may start
HTTP_APP = "bench.http_app:application"  # config.asgi's application plus a bare view
HTTP_QUESTIONS = 100  # approved questions on the event page of the http scenario
HTTP_WARMUP = 2.0  # seconds of unmeasured load before each page's window
IDLE_SETTLE = 5.0  # seconds after the server starts, and after the last join
IDLE_CPU_TARGET = 5.0  # % of one core for 10,000 idle sockets (docs/performance.md, targets)
IDLE_KB_TARGET = 40.0  # KB of RSS per participant (the same table)
IDLE_PING = 20.0  # seconds between the servers' keepalive pings (uvicorn, daphne, websockets)


@dataclass
class Row:
    """One line of the table."""

    scenario: str
    server: str
    participants: int
    rate: str
    p50: float | None = None
    p99: float | None = None
    max: float | None = None
    delivered: int = 0
    expected: int = 0
    deliveries_per_s: float = 0.0
    errors: int = 0
    server_cpu: float = 0.0
    server_rss_mb: float = 0.0
    generator_cpu: float = 0.0
    valid: bool = True
    cpu_us_per_delivery: float | None = None
    rss_joined_kb: float | None = None  # RSS per socket, all joined, before any broadcast
    rss_end_kb: float | None = None  # the same after the run
    notes: list[str] = field(default_factory=list)
    curve: list[tuple[float, float]] = field(default_factory=list, repr=False)


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def core_busy(before: list[Any], after: list[Any]) -> list[float]:
    """The busy share of each core between two readings of psutil.cpu_times(percpu=True)."""
    shares = []
    for old, new in zip(before, after, strict=True):
        total = sum(new) - sum(old)
        idle = (new.idle + getattr(new, "iowait", 0)) - (old.idle + getattr(old, "iowait", 0))
        shares.append(1 - idle / total if total > 0 else 0.0)
    return shares


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Bench:
    """Shared state of one invocation: options, Django for the driver, the rows so far."""

    def __init__(
        self,
        options: argparse.Namespace,
        *,
        port: int = PORT,
        database_url: str = DATABASE_URL,
        redis_url: str = REDIS_URL,
    ) -> None:
        self.options = options
        self.rows: list[Row] = []
        self.out = Path(options.out) / time.strftime("%Y%m%d-%H%M%S")
        self.out.mkdir(parents=True, exist_ok=True)
        self.env = procs.server_env(database_url, redis_url)
        self.port = port
        self.database_url, self.redis_url = database_url, redis_url
        self.bare_seq = 0

    def servers_bare_last(self) -> list[str]:
        """The servers of --servers, the bare ceiling last."""
        servers = self.options.servers
        return [k for k in servers if k not in procs.CEILINGS] + [
            k for k in servers if k in procs.CEILINGS
        ]

    def say(self, text: str) -> None:
        print(text, flush=True)

    async def flush_redis(self) -> None:
        import redis.asyncio as redis

        client = redis.from_url(self.redis_url)
        await client.flushdb()
        await client.aclose()

    # --- one measured run ----------------------------------------------------------------

    async def connect(
        self,
        port: int,
        slug: str,
        participants: int,
        cookies: list[str],
        join_rate: float,
        settle: float = 1.5,
    ) -> tuple[procs.Load, procs.Load, dict[str, Any]]:
        """Open the bulk sinks and the probes; return them and the sinks' `ready` line."""
        path = f"/ws/events/{slug}/"
        probe_count = min(PROBES, participants)
        cookie_file = self.out / f"cookies-{slug}.json"
        cookie_file.write_text(json.dumps(cookies))
        sinks = procs.Load(
            "sinks",
            [
                *("--port", str(port), "--path", path),
                *("--count", str(participants - probe_count), "--rate", str(join_rate)),
            ],
        )
        await sinks.start()
        ready = await self.wait_ready(sinks, participants - probe_count)
        probes = procs.Load(
            "probes",
            [
                *("--port", str(port), "--path", path, "--count", str(probe_count)),
                *("--cookies", str(cookie_file), "--timeout", "60", "--settle", str(settle)),
            ],
        )
        await probes.start()
        probe_ready = await probes.expect("ready", 90)
        self.say(
            f"    joined: {ready['opened']} sinks ({ready['failed']} failed) in "
            f"{ready['join_seconds']}s, snapshot p99 {_ms(ready['snapshot_p99'])}; "
            f"{probe_ready['opened']} probes"
        )
        return sinks, probes, ready

    async def settled_rss(self, server: procs.Server, slug: str) -> int:
        """The server's RSS once it has served one socket (its code loaded), before the joins."""
        from websockets.asyncio.client import connect

        async with connect(
            f"ws://127.0.0.1:{self.port}/ws/events/{slug}/",
            origin=f"http://127.0.0.1:{self.port}",
        ) as socket:
            await asyncio.wait_for(socket.recv(), 30)
        await asyncio.sleep(1.0)
        return server.rss()

    async def wait_ready(self, sinks: procs.Load, count: int) -> dict[str, Any]:
        deadline = time.monotonic() + max(60, count / 100)
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                return await sinks.expect("ready", 2)
            progress = sinks.progress
            self.say(f"    joining: {progress.get('opened', 0)}/{count} open")
        raise TimeoutError("the sinks did not finish joining")

    async def measure(
        self,
        *,
        row: Row,
        server: procs.Server,
        sinks: procs.Load,
        probes: procs.Load,
        duration: float,
        drive: Callable[[float], Awaitable[int]],
        vote_rate: float,
        window: bool = False,
    ) -> tuple[Row, dict[str, Any], dict[str, Any]]:
        """Drive for `duration`, then read both load processes and fill in `row`."""
        await self.wait_for_quiet()
        sinks.send("mark")
        probes.send("mark")
        if vote_rate:
            probes.send(f"rate {vote_rate}")
        server.mark()
        cores = psutil.cpu_times(percpu=True)
        driver_cpu = own_cpu()
        started = time.monotonic()
        published = await drive(duration)
        if vote_rate:
            probes.send("rate 0")
        await asyncio.sleep(1.0)  # drain: let the last broadcasts and tallies arrive
        elapsed = time.monotonic() - started
        row.server_cpu = round(server.cpu() * 100, 1)
        busy = core_busy(cores, psutil.cpu_times(percpu=True))
        row.server_rss_mb = round(server.rss() / 2**20, 1)
        driver_share = (own_cpu() - driver_cpu) / elapsed
        command = "window" if window else "stop"
        sinks.send(command)
        probes.send(command)
        sink_result = await sinks.expect("result", 30)
        probe_result = await probes.expect("result", 200)  # votes: the probes wait for replies
        audience = sink_result["readers"] + probe_result["opened"]
        row.expected = published * audience
        row.delivered = sink_result["reader_published"] + probe_result["published"]
        row.deliveries_per_s = round(
            (sink_result["frames"] + probe_result["published"] + probe_result["tallies"]) / elapsed
        )
        latency = probe_result["latency"]
        row.p50, row.p99, row.max = (
            percentile(latency, 0.5),
            percentile(latency, 0.99),
            percentile(latency, 1.0),
        )
        row.curve = probe_result["curve"]
        row.errors = (
            sink_result["gaps"]
            + sink_result["lost"]
            + probe_result["gaps"]
            + probe_result["lost"]
            + sum(probe_result["errors"].values())
        )
        row.generator_cpu = round(
            (sink_result["cpu"] + probe_result["cpu"] + driver_share) * 100, 1
        )
        if row.generator_cpu > 90:
            row.valid = False
            row.notes.append("generator saturated")
        self.flag(row, busy)
        return row, sink_result, probe_result

    async def wait_for_quiet(self) -> None:
        """Wait (bounded) until other work on this machine leaves the cores mostly idle."""
        # The bench's own processes are idle between runs, so what keeps the cores busy now is
        # someone else's (a test suite, a browser); measuring over it measures them.
        deadline = time.monotonic() + self.options.quiet_wait
        while time.monotonic() < deadline:
            before = psutil.cpu_times(percpu=True)
            await asyncio.sleep(1)
            busy = core_busy(before, psutil.cpu_times(percpu=True))
            if max(busy) < QUIET:
                return
            shares = ", ".join(f"{b * 100:.0f}%" for b in busy)
            self.say(f"    waiting for a quiet machine: cores {shares} busy")
        self.say("    the machine stayed busy; measuring anyway (see the flags in the table)")

    # --- drivers -------------------------------------------------------------------------

    def django_driver(
        self, pending: list[int], rate: float, server: procs.Server, label: str
    ) -> Callable[[float], Awaitable[int]]:
        """Approve questions through the real service: commit, then one Redis message."""
        from channels.db import database_sync_to_async

        from dialogue.models import Question
        from events.models import User
        from moderation import services

        def approve(question_id: int) -> None:
            # As the moderators' console does: audited, with an actor.
            actor, _ = User.objects.get_or_create(email="bench-moderator@example.org")
            question = Question.objects.select_related("event").get(pk=question_id)
            services.do_approve_question(actor=actor, event=question.event, question_id=question_id)

        async def drive(duration: float) -> int:
            return await self.paced(
                duration, rate, lambda n: database_sync_to_async(approve)(pending[n]), label
            )

        return drive

    async def bare_driver(
        self, pending: list[int], rate: float, port: int, tallies: bool, label: str
    ) -> Callable[[float], Awaitable[int]]:
        """Send the same frames, stamped the same way, to the bare server's publisher socket."""
        from channels.db import database_sync_to_async
        from websockets.asyncio.client import connect

        from dialogue import messages
        from dialogue.models import Question
        from live.frames import stamped

        def load() -> list[Any]:
            found = Question.objects.filter(pk__in=pending).select_related("author__user")
            return sorted(found, key=lambda question: question.pk)

        questions = await database_sync_to_async(load)()
        socket = await connect(f"ws://127.0.0.1:{port}/publish", max_size=None)

        async def publish(number: int) -> None:
            # The bare server keeps no state: the sequence runs on across drivers (ramp steps).
            self.bare_seq += 1
            frame = messages.question_published(questions[number], self.bare_seq)
            await socket.send(stamped(frame))

        async def tally_loop() -> None:
            # The real servers coalesce votes into at most 4 tally frames a second.
            while True:
                await asyncio.sleep(0.25)
                counts = {q.pk: random.randint(1, 500) for q in questions[:3]}
                await socket.send(stamped(messages.tally(counts)))

        async def drive(duration: float) -> int:
            ticker = asyncio.create_task(tally_loop()) if tallies else None
            try:
                return await self.paced(duration, rate, publish, label)
            finally:
                if ticker is not None:
                    ticker.cancel()

        return drive

    async def paced(
        self,
        duration: float,
        rate: float,
        action: Callable[[int], Awaitable[None]],
        label: str,
    ) -> int:
        """Run `action(n)` `rate` times a second for `duration`; print progress each second."""
        started = time.monotonic()
        count = int(duration * rate)
        last = started
        for number in range(count):
            due = started + number / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await action(number)
            if time.monotonic() - last >= 1:
                last = time.monotonic()
                self.say(f"    {label} t={last - started:4.1f}s broadcasts={number + 1}/{count}")
        return count

    # --- scenarios -------------------------------------------------------------------------

    def storm(self, probes: procs.Load, label: str) -> Callable[[float], Awaitable[int]]:
        """Offer votes at the base rate, with 3x bursts for 2 s in every 10 s."""
        base = self.options.vote_rate

        async def drive(duration: float) -> int:
            # The bursts stand for the moment a moderator puts a question on stage.
            started = time.monotonic()
            while (elapsed := time.monotonic() - started) < duration:
                rate = base * (3 if elapsed % 10 >= 8 else 1)
                probes.send(f"rate {rate:g}")
                self.say(f"    {label} t={elapsed:4.1f}s offering {rate:g} votes/s")
                await asyncio.sleep(min(1.0, duration - elapsed))
            return 0

        return drive

    async def drain(self, server: procs.Server, limit: float = 30) -> None:
        """Wait (bounded) until the server has answered what was still queued when load stopped."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            server.mark()
            await asyncio.sleep(0.5)
            if server.cpu() < 0.1:
                return

    async def collect_static(self) -> None:
        """The static files' manifest, which the pages need with DEBUG=0 (bench/http_app.py)."""
        process = await asyncio.create_subprocess_exec(
            procs.PYTHON, "-m", "bench.http_app", cwd=procs.ROOT, env=self.env
        )
        if await process.wait() != 0:
            raise RuntimeError("collectstatic failed: python -m bench.http_app")

    def flag(self, row: Row, busy: list[float]) -> None:
        """Note other processes' share of the server's core during the measurement."""
        # Other processes on this machine (the database, Redis, anything else) that took the
        # server's core make the run say less about the server: flag it rather than hide it.
        other = busy[int(procs.SERVER_CORE)] * 100 - row.server_cpu
        if other > 15:
            row.notes.append(f"server core {other:.0f}% busy with other processes")

    def record(self, row: Row) -> None:
        self.rows.append(row)
        self.say(table([row], header=False))
        with (self.out / "rows.jsonl").open("a") as file:
            file.write(json.dumps({k: v for k, v in asdict(row).items() if k != "curve"}) + "\n")


async def _sync(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    from asgiref.sync import sync_to_async

    return await sync_to_async(function, thread_sensitive=True)(*args, **kwargs)


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


def _round_ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _fetch(url: str) -> tuple[int, bytes]:
    """One GET: its status and body, whatever the status."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _pg_connections() -> int:
    """Connections to the bench database other than the driver's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _vote_counts(event_id: int) -> dict[int, int]:
    from dialogue.models import Question

    found = Question.objects.filter(event_id=event_id).values_list("pk", "vote_count")
    return {pk: n for pk, n in found if n}


def _vote_rows(event_id: int) -> int:
    from dialogue.models import Vote

    return Vote.objects.filter(question__event_id=event_id).count()


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


@contextlib.asynccontextmanager
async def session(
    options: argparse.Namespace, *, port: int, database_url: str, redis_url: str
) -> AsyncIterator[Bench]:
    """Set up what every scenario needs; afterwards print the table and write it with the plot."""
    from bench.seed import ensure_database, setup_django

    setup_django(procs.server_env(database_url, redis_url))
    await _sync(ensure_database, database_url)
    bench = Bench(options, port=port, database_url=database_url, redis_url=redis_url)
    bench.say(f"results in {bench.out}")
    try:
        yield bench
    finally:
        print()
        print(table(bench.rows))
        (bench.out / "table.md").write_text(table(bench.rows) + "\n")
        plot(bench.rows, bench.out / "latency.png")
        bench.say(f"\nwrote {bench.out / 'table.md'} and {bench.out / 'latency.png'}")
