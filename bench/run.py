"""Run bench scenarios and print one table; write results and a latency plot beside it.

    python -m bench.run --short                       # what `make bench` runs
    python -m bench.run fanout capacity --servers uvicorn,daphne,bare \\
        --participants 1000,5000,10000 --rate 10 --duration 30

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

from bench import procs
from bench.report import plot, table

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/doithoai_bench"
REDIS_URL = "redis://127.0.0.1:6379/2"
PORT = 8100
PROBES = 100
P99_BOUND_MS = 250.0


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
    notes: list[str] = field(default_factory=list)
    curve: list[tuple[float, float]] = field(default_factory=list, repr=False)


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


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

    def say(self, text: str) -> None:
        print(text, flush=True)

    async def flush_redis(self) -> None:
        import redis.asyncio as redis

        client = redis.from_url(REDIS_URL)
        await client.flushdb()
        await client.aclose()

    # --- one measured run ----------------------------------------------------------------

    async def connect(
        self, port: int, slug: str, participants: int, cookies: list[str], join_rate: float
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
                *("--cookies", str(cookie_file), "--timeout", "60"),
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
        sinks.send("mark")
        probes.send("mark")
        if vote_rate:
            probes.send(f"rate {vote_rate}")
        server.mark()
        driver_cpu = own_cpu()
        started = time.monotonic()
        published = await drive(duration)
        if vote_rate:
            probes.send("rate 0")
        await asyncio.sleep(1.0)  # drain: let the last broadcasts and tallies arrive
        elapsed = time.monotonic() - started
        row.server_cpu = round(server.cpu() * 100, 1)
        row.server_rss_mb = round(server.rss() / 2**20, 1)
        driver_share = (own_cpu() - driver_cpu) / elapsed
        command = "window" if window else "stop"
        sinks.send(command)
        probes.send(command)
        sink_result = await sinks.expect("result", 30)
        probe_result = await probes.expect("result", 60)
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
        return row, sink_result, probe_result

    # --- drivers -------------------------------------------------------------------------

    def django_driver(
        self, pending: list[int], rate: float, server: procs.Server, label: str
    ) -> Callable[[float], Awaitable[int]]:
        """Approve questions through the real service: commit, then one Redis message."""
        from channels.db import database_sync_to_async

        from dialogue import services
        from dialogue.models import Question

        def approve(question_id: int) -> None:
            services.publish_question(question=Question(pk=question_id))

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
        from dialogue.fanout import stamped
        from dialogue.models import Question

        def load() -> list[Any]:
            found = Question.objects.filter(pk__in=pending).select_related("author__user")
            return sorted(found, key=lambda question: question.pk)

        questions = await database_sync_to_async(load)()
        socket = await connect(f"ws://127.0.0.1:{port}/publish", max_size=None)

        async def publish(number: int) -> None:
            frame = messages.question_published(questions[number], number + 1)
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
            sinks, probes, _ = await self.connect(
                PORT, slug, participants, cookies, self.options.join_rate
            )
            if kind == "bare":
                drive = await self.bare_driver(pending, rate, PORT, True, label)
            else:
                drive = self.django_driver(pending, rate, server, label)
            row = Row("fanout", kind, participants, f"{rate:g}/s + tallies")
            # A few votes a second from the probes keep the tally coalescer busy (4 frames/s).
            await self.measure(
                row=row,
                server=server,
                sinks=sinks,
                probes=probes,
                duration=duration,
                drive=drive,
                vote_rate=20,
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
                if kind == "bare":
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
                if within and row.delivered == row.expected and row.valid:
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

    def record(self, row: Row) -> None:
        self.rows.append(row)
        self.say(table([row], header=False))
        with (self.out / "rows.jsonl").open("a") as file:
            file.write(json.dumps({k: v for k, v in asdict(row).items() if k != "curve"}) + "\n")


async def _sync(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    from asgiref.sync import sync_to_async

    return await sync_to_async(function, thread_sensitive=True)(*args, **kwargs)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


SCENARIOS = ["fanout", "capacity"]


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
    parser.add_argument("--join-rate", type=float, default=1000, help="joins per second")
    parser.add_argument("--capacity-participants", type=int, default=5000)
    parser.add_argument("--capacity-rates", default="4,8,12,16,20,25,30,40")
    parser.add_argument("--step", type=float, default=8, help="seconds per capacity step")
    parser.add_argument("--out", default=str(procs.ROOT / "bench" / "results"))
    options = parser.parse_args(argv)
    if options.short:
        options.scenarios = options.scenarios or ["fanout", "capacity"]
        options.participants = "1000,5000"
        options.duration = min(options.duration, 15)
        options.capacity_participants = 2000
        options.capacity_rates = "10,20,30,40,50"
        options.step = 6
    options.scenarios = options.scenarios or SCENARIOS
    unknown = set(options.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    options.servers = options.servers.split(",")
    options.participants = [int(n) for n in options.participants.split(",")]
    options.capacity_rates = [float(n) for n in options.capacity_rates.split(",")]
    return options


async def main(argv: list[str]) -> int:
    options = parse(argv)
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
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    sys.exit(asyncio.run(main(sys.argv[1:])))
