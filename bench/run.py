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
import contextlib
import json
import random
import resource
import sys
import time
from collections.abc import Awaitable, Callable
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

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.rows: list[Row] = []
        self.out = Path(options.out) / time.strftime("%Y%m%d-%H%M%S")
        self.out.mkdir(parents=True, exist_ok=True)
        self.env = procs.server_env(DATABASE_URL, REDIS_URL)
        self.port = PORT
        self.database_url, self.redis_url = DATABASE_URL, REDIS_URL
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
            f"ws://127.0.0.1:{PORT}/ws/events/{slug}/", origin=f"http://127.0.0.1:{PORT}"
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

    async def fanout(self) -> None:
        """1k / 5k / 10k participants; approvals at --rate (1 KB each) and tallies 4/s."""
        options = self.options
        for kind in options.servers:
            for participants in options.participants:
                await self.fanout_one(kind, participants, options.rate, options.duration)

    async def fanout_one(self, kind: str, participants: int, rate: float, duration: float) -> Row:
        from bench.seed import new_event

        await self.flush_redis()
        count = int(rate * duration) + 5
        _, slug, pending, cookies = await _sync(
            new_event, f"fanout-{kind}-{participants}", pending=count, voters=PROBES
        )
        server = procs.Server(kind, PORT, self.env)
        label = f"fanout {kind} n={participants}"
        self.say(f"== {label}: {rate:g} approvals/s of ~1 KB for {duration:g}s, tallies 4/s")
        await server.start()
        sinks = probes = None
        try:
            rss_empty = await self.settled_rss(server, slug)
            sinks, probes, _ = await self.connect(
                PORT, slug, participants, cookies, self.options.join_rate
            )
            await asyncio.sleep(1.0)
            rss_joined = server.rss()
            if kind in procs.CEILINGS:
                drive = await self.bare_driver(
                    pending, rate, PORT, bool(self.options.fanout_votes), label
                )
            else:
                drive = self.django_driver(pending, rate, server, label)
            votes = self.options.fanout_votes
            row = Row("fanout", kind, participants, f"{rate:g}/s" + (" + tallies" if votes else ""))
            # A few votes a second from the probes keep the tally coalescer busy (4 frames/s).
            await self.measure(
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
                row.cpu_us_per_delivery = round(
                    row.server_cpu / 100 / row.deliveries_per_s * 1e6, 2
                )
            row.notes.append(
                f"{row.cpu_us_per_delivery} µs CPU per delivery; RSS {row.rss_joined_kb} KB per "
                f"socket once joined, {row.rss_end_kb} KB after the run, over "
                f"{rss_empty / 2**20:.1f} MB with one socket served"
            )
            self.record(row)
            return row
        finally:
            for load in (probes, sinks):
                if load is not None:
                    await load.stop()
            await server.stop()

    async def capacity(self) -> None:
        """Raise the broadcast rate until p99 > 250 ms or a frame is lost: deliveries/s."""
        options = self.options
        participants = options.capacity_participants
        best: dict[str, float] = {}
        for kind in options.servers:
            best[kind] = await self.capacity_one(kind, participants, options.capacity_rates)
        if "bare" in best:
            for kind, value in best.items():
                if kind != "bare" and best["bare"]:
                    self.say(f"  ratio {kind} / bare websockets: {value / best['bare']:.2f}")
            (self.out / "ratio.json").write_text(json.dumps(best))

    async def capacity_one(self, kind: str, participants: int, rates: list[float]) -> float:
        from bench.seed import new_event

        await self.flush_redis()
        step = self.options.step
        count = int(sum(rates) * step) + 10
        _, slug, pending, _ = await _sync(new_event, f"capacity-{kind}", pending=count, voters=0)
        server = procs.Server(kind, PORT, self.env)
        self.say(f"== capacity {kind} n={participants}: rates {rates} for {step:g}s each")
        await server.start()
        sinks = probes = None
        best = 0.0
        offset = 0
        try:
            sinks, probes, _ = await self.connect(
                PORT, slug, participants, [], self.options.join_rate
            )
            for rate in rates:
                label = f"capacity {kind} {rate:g}/s"
                chunk = pending[offset:]
                if kind in procs.CEILINGS:
                    drive = await self.bare_driver(chunk, rate, PORT, False, label)
                else:
                    drive = self.django_driver(chunk, rate, server, label)
                offset += int(rate * step)
                row = Row("capacity", kind, participants, f"{rate:g}/s")
                await self.measure(
                    row=row,
                    server=server,
                    sinks=sinks,
                    probes=probes,
                    duration=step,
                    drive=drive,
                    vote_rate=0,
                    window=True,
                )
                self.record(row)
                within = row.p99 is not None and row.p99 <= P99_BOUND_MS
                # The bare server's broadcast() skips a socket whose buffer is full, by design;
                # a handful of frames in a window is that, not a server that cannot keep up.
                complete = row.delivered >= row.expected * 0.999
                if within and complete and row.valid:
                    best = max(best, row.deliveries_per_s)
                else:
                    break
            self.say(f"  {kind}: {best:,.0f} deliveries/s with p99 <= {P99_BOUND_MS:g} ms")
            return best
        finally:
            for load in (probes, sinks):
                if load is not None:
                    await load.stop()
            await server.stop()

    async def joins(self) -> None:
        """A connect storm: --joins joins in --join-seconds, each with its snapshot."""
        from bench.seed import new_event

        options = self.options
        for kind in self.servers_bare_last():
            await self.flush_redis()
            # A dialogue already under way: 100 published questions in the snapshot.
            _, slug, _, _ = await _sync(
                new_event, f"joins-{kind}", approved=100, voters=0, text_size=200
            )
            rate = options.joins / options.join_seconds
            self.say(f"== joins {kind}: {options.joins} joins at {rate:g}/s")
            server = procs.Server(kind, PORT, self.env)
            await server.start()
            sinks = None
            try:
                await self.wait_for_quiet()
                overflows = procs.listen_overflows()
                server.mark()
                started = time.monotonic()
                sinks = procs.Load(
                    "sinks",
                    [
                        *("--port", str(PORT), "--path", f"/ws/events/{slug}/"),
                        *("--count", str(options.joins), "--rate", str(rate)),
                        *("--concurrency", str(options.joins), "--timeout", "30"),
                    ],
                )
                await sinks.start()
                ready = await self.wait_ready(sinks, options.joins)
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
                self.record(row)
            finally:
                if sinks is not None:
                    await sinks.stop()
                await server.stop()

    async def votes(self) -> None:
        """A vote storm: --vote-rate votes/s with bursts of 3x; database = accepted = tallies."""
        from bench.seed import new_event

        options = self.options
        for kind in [k for k in options.servers if k not in procs.CEILINGS]:
            await self.flush_redis()
            questions = 800
            event_id, slug, _, cookies = await _sync(
                new_event, f"votes-{kind}", approved=questions, voters=PROBES, text_size=60
            )
            server = procs.Server(kind, PORT, self.env)
            label = f"votes {kind}"
            rates = f"{options.vote_rate:g} votes/s, bursts of {3 * options.vote_rate:g}/s"
            self.say(
                f"== {label}: {rates}, {options.vote_seconds:g}s; "
                f"{options.vote_participants} participants"
            )
            await server.start()
            sinks = probes = None
            try:
                # Wait for the last replies and tallies before reading what clients saw.
                sinks, probes, _ = await self.connect(
                    PORT, slug, options.vote_participants, cookies, options.join_rate, settle=120
                )

                row = Row("votes", kind, options.vote_participants, f"{options.vote_rate:g}/s +3x")
                _, _, probe_result = await self.measure(
                    row=row,
                    server=server,
                    sinks=sinks,
                    probes=probes,
                    duration=options.vote_seconds,
                    drive=self.storm(probes, label),
                    vote_rate=0.0001,
                )
                counts = await _sync(_vote_counts, event_id)
                database = sum(counts.values())
                stored = await _sync(_vote_rows, event_id)
                exact = sum(
                    1
                    for seen in probe_result["last_tallies"]
                    if all(seen.get(str(pk), 0) == n for pk, n in counts.items())
                )
                acks = probe_result["acks"]
                row.p50, row.p99, row.max = (
                    percentile(acks, 0.5),
                    percentile(acks, 0.99),
                    percentile(acks, 1.0),
                )
                row.delivered, row.expected = probe_result["accepted"], probe_result["sent_votes"]
                elapsed = probe_result["elapsed"] or 1
                tallies_per_s = probe_result["tallies"] / max(1, probe_result["opened"]) / elapsed
                # The storm's bursts are the last 2 s of every 10 s (see `storm`).
                in_bursts = [ms for t, ms in probe_result["ack_curve"] if t % 10 >= 8]
                between = [ms for t, ms in probe_result["ack_curve"] if t % 10 < 8]
                row.notes.append(
                    f"ack p99 {_ms(_seconds(percentile(in_bursts, 0.99)))} in the bursts, "
                    f"{_ms(_seconds(percentile(between, 0.99)))} between them"
                )
                row.notes.append(
                    f"ack latency; {probe_result['sent_votes']} offered, "
                    f"{probe_result['accepted']} accepted, "
                    f"{probe_result['unanswered']} unanswered; "
                    f"database {stored} rows / {database} counted; "
                    f"last tally exact on {exact}/{len(probe_result['last_tallies'])} clients; "
                    f"{tallies_per_s:.1f} tally frames/s per client"
                )
                if not (stored == database == probe_result["accepted"]) or exact < len(
                    probe_result["last_tallies"]
                ):
                    row.notes.append("NOT EXACT")
                self.record(row)
            finally:
                for load in (probes, sinks):
                    if load is not None:
                        await load.stop()
                await server.stop()

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

    async def slow(self) -> None:
        """Slow readers: 2 % of the clients stop reading; the others must not notice."""
        from bench.seed import new_event

        options = self.options
        participants = options.capacity_participants
        for kind in self.servers_bare_last():
            await self.flush_redis()
            count = int(options.rate * options.duration) + 5
            _, slug, pending, cookies = await _sync(
                new_event, f"slow-{kind}", pending=count, voters=PROBES
            )
            server = procs.Server(kind, PORT, self.env)
            label = f"slow {kind} n={participants}"
            self.say(f"== {label}: 2% stop reading; {options.rate:g} approvals/s")
            await server.start()
            sinks = probes = None
            try:
                sinks, probes, _ = await self.connect(
                    PORT, slug, participants, cookies, options.join_rate
                )
                rss_before = server.rss()
                sinks.send("stall 0.02")
                if kind in procs.CEILINGS:
                    drive = await self.bare_driver(pending, options.rate, PORT, True, label)
                else:
                    drive = self.django_driver(pending, options.rate, server, label)
                row = Row("slow readers", kind, participants, f"{options.rate:g}/s, 2% stalled")
                _, sink_result, _ = await self.measure(
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
                self.record(row)
            finally:
                for load in (probes, sinks):
                    if load is not None:
                        await load.stop()
                await server.stop()

    async def workers(self) -> None:
        """Two workers behind nginx over Redis and PostgreSQL (deploy/topology.sh)."""
        from bench.seed import new_event

        options = self.options
        participants = options.capacity_participants
        await self.flush_redis()
        count = int(options.rate * options.duration) + 5
        _, slug, pending, cookies = await _sync(new_event, "workers", pending=count, voters=PROBES)
        state = self.out / "topology"
        env = {
            **self.env,
            "TOPOLOGY_DIR": str(state),
            "NGINX_PORT": str(PORT + 50),
            "WORKER_BASE_PORT": str(PORT + 51),
            # Two cores only: both workers share the server core and nginx takes the load core,
            # so this measures what the second process and nginx cost, not how it scales.
            "WORKER_CPUS": procs.SERVER_CORE,
            "NGINX_CPU": procs.LOAD_CORE,
        }
        script = str(procs.ROOT / "deploy" / "topology.sh")
        self.say(f"== workers: 2 uvicorn workers behind nginx, n={participants}")
        started = await asyncio.create_subprocess_exec(script, "start", env=env)
        if await started.wait() != 0:
            raise RuntimeError(f"topology did not start; see {state}")
        sinks = probes = None
        try:
            pids = [int((state / f"worker-{n}.pid").read_text()) for n in (1, 2)]
            servers = procs.Group(pids)
            sinks, probes, _ = await self.connect(
                PORT + 50, slug, participants, cookies, options.join_rate
            )
            drive = self.django_driver(pending, options.rate, servers, "workers")  # type: ignore[arg-type]
            row = Row("two workers", "uvicorn x2+nginx", participants, f"{options.rate:g}/s")
            await self.measure(
                row=row,
                server=servers,  # type: ignore[arg-type]
                sinks=sinks,
                probes=probes,
                duration=options.duration,
                drive=drive,
                vote_rate=20,
            )
            row.notes.append("CPU and RSS: both workers; nginx shares the load core")
            self.record(row)
        finally:
            for load in (probes, sinks):
                if load is not None:
                    await load.stop()
            stopped = await asyncio.create_subprocess_exec(script, "stop", env=env)
            await stopped.wait()

    async def soak(self) -> None:
        """A long run (--soak-minutes): one row per window; RSS growth after the warm-up."""
        from bench.seed import new_event

        options = self.options
        kind = options.servers[0]
        participants = options.capacity_participants
        window = 60.0
        windows = max(2, int(options.soak_minutes * 60 / window))
        rate = options.soak_rate
        await self.flush_redis()
        _, slug, pending, cookies = await _sync(
            new_event, f"soak-{kind}", pending=int(rate * window * windows) + 10, voters=PROBES
        )
        server = procs.Server(kind, PORT, self.env)
        self.say(f"== soak {kind} n={participants}: {rate:g} approvals/s, {windows} x {window:g}s")
        await server.start()
        sinks = probes = None
        rss: list[float] = []
        try:
            sinks, probes, _ = await self.connect(
                PORT, slug, participants, cookies, options.join_rate
            )
            for number in range(windows):
                label = f"soak {kind} {number + 1}/{windows}"
                chunk = pending[int(rate * window * number) :]
                drive = self.django_driver(chunk, rate, server, label)
                row = Row("soak", kind, participants, f"{rate:g}/s, min {number + 1}")
                await self.measure(
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
                    self.record(row)
            warm = rss[min(1, len(rss) - 1)]
            growth = (rss[-1] - warm) / warm * 100
            self.say(f"  soak: RSS {warm:.1f} MB after warm-up, {rss[-1]:.1f} MB at the end")
            self.rows[-1].notes.append(f"RSS {growth:+.1f}% from minute 2 to the end")
        finally:
            for load in (probes, sinks):
                if load is not None:
                    await load.stop()
            await server.stop()

    async def asks(self) -> None:
        """Asks through nginx to one worker and to two (bench/asks.py)."""
        from bench import asks

        await asks.run(self)

    async def faults(self) -> None:
        """A worker killed, Redis and PostgreSQL restarted under asks (bench/faults.py)."""
        from bench import faults

        await faults.run(self)

    async def ceilings(self) -> None:
        """Fan-out CPU per delivery and RSS per socket against the ceilings (bench/ceilings.py)."""
        from bench import ceilings

        await ceilings.run(self)

    async def http(self) -> None:
        """(g) The event page and the catalogue under HTTP load, against a bare Django view."""
        from bench import wrk
        from bench.http_urls import BARE_BODY, BARE_PATH
        from bench.seed import new_event

        wrk.require()
        options = self.options
        kinds = [kind for kind in options.servers if kind not in procs.CEILINGS]  # no HTTP there
        if not kinds:
            self.say("== http: skipped, --servers names no Django server")
            return
        await self.collect_static()
        event_id, slug, _, _ = await _sync(new_event, "http", approved=HTTP_QUESTIONS, voters=0)
        title, listed = await _sync(_http_catalogue, event_id)
        shown = ", ".join(f"{count} {group}" for group, count in listed.items())
        self.say(f"== http: {HTTP_QUESTIONS} approved questions on /e/{slug}/; catalogue {shown}")
        # The bare view first: each page's row gives its ratio to it.
        pages = [
            ("bare view", BARE_PATH, BARE_BODY),
            ("event page", f"/e/{slug}/", title),
            ("catalogue", "/", title),
        ]
        # Django's ASGI handler runs each request's view in a thread of its own, so a connection
        # kept for CONN_MAX_AGE stays open with the thread gone: one per request until garbage
        # collection, past max_connections under load. The settings use Django's psycopg pool
        # instead; --http-no-pool serves with CONN_MAX_AGE=60 to show the difference.
        env = {**self.env, "DATABASE_POOL": "0" if options.http_no_pool else "1"}
        if options.http_no_pool:
            env["CONN_MAX_AGE"] = "60"
        for kind in kinds:
            await self.flush_redis()
            server = procs.Server(kind, PORT, env, app=HTTP_APP)
            await server.start()
            try:
                rows = {}
                for name, path, marker in pages:
                    rows[name] = await self.http_one(server, kind, name, path, marker)
                bare = rows["bare view"].deliveries_per_s
                rows["bare view"].notes.insert(0, f"a constant {len(BARE_BODY)}-byte HttpResponse")
                rows["event page"].notes.insert(0, f"{HTTP_QUESTIONS} questions of ~860 chars")
                rows["catalogue"].notes.insert(0, shown)
                for name in ("event page", "catalogue"):
                    row = rows[name]
                    ratio = row.deliveries_per_s / bare if bare else 0.0
                    row.notes.insert(0, f"{ratio:.2f} × the bare view's req/s")
                for name in ("event page", "catalogue", "bare view"):
                    self.record(rows[name])
            finally:
                await server.stop()

    async def http_one(
        self, server: procs.Server, kind: str, name: str, path: str, marker: str
    ) -> Row:
        """Check one page is real, warm it up, then load it for --http-seconds with wrk."""
        from bench import wrk

        options = self.options
        url = f"http://127.0.0.1:{PORT}{path}"
        status, body = await asyncio.to_thread(_fetch, url)
        if status != 200 or marker.encode() not in body:
            raise RuntimeError(
                f"http {kind}: GET {path} gave {status}, {len(body):,} bytes, "
                f"{'with' if marker.encode() in body else 'without'} {marker!r}: not the page"
            )
        # A response counts as good only with status 200, the marker and 90 % of this size.
        floor = len(body) * 9 // 10
        connections = options.http_connections
        load = {"connections": connections, "marker": marker, "min_bytes": floor}
        label = f"http {kind} {name}"
        self.say(f"    {label}: {len(body):,} bytes; warming up {HTTP_WARMUP:g}s")
        await wrk.run(url, seconds=HTTP_WARMUP, **load)
        await self.drain(server)  # the warm-up's queue, which would count as another's load
        await self.wait_for_quiet()
        server.mark()
        cores = psutil.cpu_times(percpu=True)
        result = await wrk.run(url, seconds=options.http_seconds, **load)
        row = Row("http", kind, connections, name)
        row.server_cpu = round(server.cpu() * 100, 1)
        busy = core_busy(cores, psutil.cpu_times(percpu=True))
        row.server_rss_mb = round(server.rss() / 2**20, 1)
        elapsed = result["duration_us"] / 1e6
        row.p50, row.p99, row.max = (
            round(result["p50"] / 1000, 1),
            round(result["p99"] / 1000, 1),
            round(result["max"] / 1000, 1),
        )
        row.delivered, row.expected = result["good"], result["requests"]
        row.deliveries_per_s = round(result["good"] / elapsed, 1)
        socket_errors = sum(result[key] for key in ("connect", "read", "write", "timeout"))
        row.errors = result["bad"] + socket_errors
        row.generator_cpu = round(result["cpu"] / elapsed * 100, 1)
        if row.generator_cpu > 90:
            row.valid = False
            row.notes.append("generator saturated")
        await self.drain(server)
        left = await _sync(_pg_connections)
        row.notes.append(
            f"deliveries/s = req/s; {result['bytes'] / max(1, result['requests']) / 1024:.1f} KB "
            f"per response; {result['bad']} not the page, {socket_errors} socket errors; "
            f"{left} DB connections left "
            f"({'CONN_MAX_AGE=60, no pool' if self.options.http_no_pool else 'psycopg pool'})"
        )
        self.flag(row, busy)
        self.say(
            f"    {label}: {row.deliveries_per_s:,.0f} req/s, p99 {row.p99} ms, "
            f"{row.errors} errors, server CPU {row.server_cpu}%"
        )
        return row

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

    async def idle(self) -> None:
        """--idle-participants idle sockets: the server's CPU % and RSS per socket, no traffic."""
        from bench.seed import new_event

        options = self.options
        count = options.idle_participants
        for kind in self.servers_bare_last():
            await self.flush_redis()
            _, slug, _, _ = await _sync(
                new_event, f"idle-{kind}", approved=20, voters=0, text_size=200
            )
            label = f"idle {kind} n={count}"
            self.say(
                f"== {label}: join at {options.idle_join_rate:g}/s, "
                f"then {options.idle_seconds:g}s with no broadcasts and no votes"
            )
            server = procs.Server(kind, PORT, self.env)
            await server.start()
            sinks = None
            try:
                await asyncio.sleep(IDLE_SETTLE)  # the server's start-up done
                rss_before = server.rss()
                sinks = procs.Load(
                    "sinks",
                    [
                        *("--port", str(PORT), "--path", f"/ws/events/{slug}/"),
                        *("--count", str(count), "--rate", str(options.idle_join_rate)),
                    ],
                )
                await sinks.start()
                ready = await self.wait_ready(sinks, count)
                self.say(
                    f"    joined: {ready['opened']} ({ready['failed']} failed) in "
                    f"{ready['join_seconds']}s; settling {IDLE_SETTLE:g}s"
                )
                await asyncio.sleep(IDLE_SETTLE)
                await self.wait_for_quiet()
                sinks.send("mark")
                server.mark()
                cores = psutil.cpu_times(percpu=True)
                started = time.monotonic()
                while (elapsed := time.monotonic() - started) < options.idle_seconds:
                    await asyncio.sleep(min(10.0, options.idle_seconds - elapsed))
                    self.say(
                        f"    {label} t={time.monotonic() - started:4.1f}s "
                        f"server CPU {server.cpu() * 100:.1f}%"
                    )
                row = Row("idle", kind, ready["opened"], f"idle {options.idle_seconds:g}s")
                row.server_cpu = round(server.cpu() * 100, 1)
                busy = core_busy(cores, psutil.cpu_times(percpu=True))
                rss_after = server.rss()
                row.server_rss_mb = round(rss_after / 2**20, 1)
                sinks.send("stop")
                result = await sinks.expect("result", 30)
                row.generator_cpu = round(result["cpu"] * 100, 1)
                row.delivered, row.expected = ready["opened"], count
                row.errors = ready["failed"] + result["lost"] + result["closed"]
                per_socket = (rss_after - rss_before) / 1024 / max(1, ready["opened"])
                cpu_met = "met" if row.server_cpu <= IDLE_CPU_TARGET else "MISSED"
                rss_met = "met" if per_socket <= IDLE_KB_TARGET else "MISSED"
                row.notes.append(
                    f"{row.server_cpu:.1f}% CPU over {options.idle_seconds:g}s "
                    f"(≤ {IDLE_CPU_TARGET:g}%: {cpu_met}); {per_socket:.1f} KB RSS per socket "
                    f"(≤ {IDLE_KB_TARGET:g} KB: {rss_met}), {rss_before / 2**20:.1f} MB before "
                    f"the joins; in the window {result['frames']} frames, {result['closed']} "
                    f"closed by the server; {result['lost']} lost since joining"
                )
                if options.idle_seconds < IDLE_PING:
                    row.notes.append(f"window shorter than the {IDLE_PING:g}s keepalive pings")
                self.flag(row, busy)
                self.record(row)
            finally:
                if sinks is not None:
                    await sinks.stop()
                await server.stop()

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


def _http_catalogue(keep: int) -> tuple[str, dict[str, int]]:
    """End the bench's other live dialogues: the catalogue then shows one live, and the past."""
    # Every scenario leaves a live dialogue behind; without this the catalogue would list every
    # one of them ever seeded, and its size would depend on the bench database's history.
    from dialogue import selectors
    from events.models import Event

    live = Event.objects.filter(agency__slug="bench", status=Event.Status.LIVE)
    live.exclude(pk=keep).update(status=Event.Status.ENDED)
    groups = selectors.catalogue()
    return Event.objects.get(pk=keep).title, {name: len(found) for name, found in groups.items()}


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


SCENARIOS = [
    *("fanout", "capacity", "joins", "votes", "slow", "workers", "http", "idle", "soak"),
    *("asks", "faults", "ceilings"),
]
# Scenarios that run alone, on servers they start themselves; not in the default set.
ALONE = {"faults"}


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
    global PORT, REDIS_URL, DATABASE_URL
    PORT, REDIS_URL, DATABASE_URL = options.port, options.redis_url, options.database_url
    if "http" in options.scenarios:
        from bench import wrk

        wrk.require()  # before any scenario runs, not after the others' minutes
    if options.scenarios == ["faults"]:
        from bench import faults

        # Its own Redis and PostgreSQL, which it restarts: Django must talk to them from the start.
        async with faults.private_services(PORT) as (DATABASE_URL, REDIS_URL):
            return await run_all(options)
    return await run_all(options)


async def run_all(options: argparse.Namespace) -> int:
    from bench.seed import ensure_database, setup_django

    setup_django(procs.server_env(DATABASE_URL, REDIS_URL))
    await _sync(ensure_database, DATABASE_URL)
    bench = Bench(options)
    bench.say(f"results in {bench.out}")
    for scenario in options.scenarios:
        await getattr(bench, scenario)()
    print()
    print(table(bench.rows))
    (bench.out / "table.md").write_text(table(bench.rows) + "\n")
    plot(bench.rows, bench.out / "latency.png")
    bench.say(f"\nwrote {bench.out / 'table.md'} and {bench.out / 'latency.png'}")
    return 0


if __name__ == "__main__":
    # The driver shares the load core; the server has the other one to itself.
    import os

    os.sched_setaffinity(0, {int(procs.LOAD_CORE)})
    if os.geteuid() == 0:
        os.nice(procs.BENCH_NICE)
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    sys.exit(asyncio.run(main(sys.argv[1:])))
