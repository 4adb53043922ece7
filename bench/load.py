"""The load generator's two processes: bulk sinks and full probe clients.

Run by bench/run.py, pinned to the core the server does not use. Each process reads commands
from stdin (`mark`, `stall <fraction>`, `stop`) and writes JSON lines to stdout: progress while
it connects, `ready`, and one `result` when stopped.

    python -m bench.load sinks  --port 8100 --path /ws/events/bench/ --count 5000
    python -m bench.load probes --port 8100 --path /ws/events/bench/ --count 100 --cookies c.json
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
from typing import Any

from bench.sinks import Sink, SinkStats


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


_background: set[asyncio.Future[None]] = set()  # strong references to long-lived tasks


async def commands() -> asyncio.Queue[str]:
    """Lines from stdin, as a queue the main task can wait on."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def pump() -> None:
        while line := await reader.readline():
            await queue.put(line.decode().strip())
        await queue.put("stop")

    _background.add(asyncio.ensure_future(pump()))
    return queue


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- Sinks -----------------------------------------------------------------------------------


async def run_sinks(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    stats = SinkStats()
    sinks: list[Sink] = []
    host = f"127.0.0.1:{args.port}"
    pending: set[asyncio.Future[bool]] = set()
    started = time.monotonic()
    last_progress = started
    in_flight = asyncio.Semaphore(args.concurrency)

    async def open_one() -> None:
        async with in_flight:
            opened: asyncio.Future[bool] = loop.create_future()
            try:
                _, sink = await asyncio.wait_for(
                    loop.create_connection(
                        lambda: Sink(stats, args.path, host, opened), "127.0.0.1", args.port
                    ),
                    args.timeout,
                )
                sinks.append(sink)
                if await asyncio.wait_for(opened, args.timeout):
                    stats.opened += 1
            except (OSError, TimeoutError):
                stats.failed += 1

    # Paced joins: `rate` per second, at most `concurrency` handshakes in flight.
    for number in range(args.count):
        due = started + number / args.rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.ensure_future(open_one())
        pending.add(task)
        task.add_done_callback(pending.discard)
        if time.monotonic() - last_progress >= 1:
            last_progress = time.monotonic()
            emit("progress", opened=stats.opened, failed=stats.failed)
    deadline = time.monotonic() + args.timeout + 5
    while pending and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        emit("progress", opened=stats.opened, failed=stats.failed)
    join_seconds = time.monotonic() - started
    snapshot = list(stats.snapshot_seconds)
    emit(
        "ready",
        opened=stats.opened,
        failed=stats.failed,
        join_seconds=round(join_seconds, 2),
        snapshot_p50=percentile(snapshot, 0.5),
        snapshot_p99=percentile(snapshot, 0.99),
        snapshot_max=max(snapshot, default=None),
    )

    queue = await commands()
    mark_cpu, mark_time = cpu_seconds(), time.monotonic()
    stalled: list[Sink] = []

    def window() -> dict[str, Any]:
        stalled_ids = {id(sink) for sink in stalled}
        readers = [sink for sink in sinks if id(sink) not in stalled_ids and sink.snapshot_seen]
        elapsed = time.monotonic() - mark_time
        return {
            "opened": stats.opened,
            "failed": stats.failed,
            "frames": stats.frames,
            "bytes": stats.bytes,
            "published": stats.published,
            "tallies": stats.tallies,
            "gaps": stats.gaps,
            "closed": stats.closed,
            "readers": len(readers),
            "reader_published": sum(sink.published for sink in readers),
            "stalled": len(stalled),
            "stalled_alive": sum(1 for sink in stalled if not sink.lost),
            "lost": sum(1 for sink in readers if sink.lost),
            "elapsed": round(elapsed, 3),
            "cpu": round((cpu_seconds() - mark_cpu) / elapsed, 3) if elapsed else None,
        }

    while True:
        try:
            command = await asyncio.wait_for(queue.get(), 1)
        except TimeoutError:
            emit("progress", frames=stats.frames, published=stats.published, closed=stats.closed)
            continue
        if command in ("mark", "window", "stop"):
            if command != "mark":
                emit("result", **window())
            if command == "stop":
                break
            stats.frames = stats.bytes = stats.published = stats.tallies = stats.gaps = 0
            stats.closed = 0
            for sink in sinks:
                sink.published = 0
            mark_cpu, mark_time = cpu_seconds(), time.monotonic()
        elif command.startswith("stall"):
            fraction = float(command.split()[1])
            stalled = random.sample(sinks, int(len(sinks) * fraction))
            for sink in stalled:
                sink.stop_reading()
    for sink in sinks:
        if sink.transport is not None:
            sink.transport.abort()


# --- Probes ----------------------------------------------------------------------------------


class Probe:
    """A full client: parses every frame, measures latency from `sent_at`, can vote."""

    def __init__(self, cookie: str | None) -> None:
        self.cookie = cookie
        self.socket: Any = None
        self.unvoted: list[int] = []  # what this probe may still vote for, newest last
        self.tallies: dict[str, int] = {}
        self.sent: dict[str, float] = {}
        self.counter = 0
        self.last_seq = 0


class ProbeStats:
    def __init__(self) -> None:
        self.latency: list[float] = []  # ms, from sent_at to parsed here, published and tally
        self.curve: list[tuple[float, float]] = []  # (monotonic time, ms) for the plot
        self.acks: list[float] = []  # ms, vote sent to reply read
        self.ack_curve: list[tuple[float, float]] = []  # (monotonic time sent, ms)
        self.accepted = 0
        self.errors: dict[str, int] = {}
        self.published = 0
        self.tallies = 0
        self.gaps = 0
        self.lost = 0
        self.snapshots: list[float] = []


async def run_probes(args: argparse.Namespace) -> None:
    from websockets.asyncio.client import connect

    loaded = args.cookie_list
    cookies = [loaded[i] if i < len(loaded) else None for i in range(args.count)]
    probes = [Probe(cookie) for cookie in cookies]
    stats = ProbeStats()
    uri = f"ws://127.0.0.1:{args.port}{args.path}"
    measuring = False

    async def read(probe: Probe) -> None:
        nonlocal measuring
        headers = {"Cookie": probe.cookie} if probe.cookie else {}
        started = time.monotonic()
        probe.socket = await connect(
            uri,
            origin=f"http://127.0.0.1:{args.port}",  # type: ignore[arg-type]
            additional_headers=headers,
            open_timeout=args.timeout,
            max_size=None,
            ping_interval=None,
        )
        snapshot = json.loads(await probe.socket.recv())
        stats.snapshots.append(time.monotonic() - started)
        probe.last_seq = snapshot.get("seq", 0)
        voted = set(snapshot.get("voted", []))
        probe.unvoted = [q["id"] for q in snapshot.get("questions", []) if q["id"] not in voted]
        random.shuffle(probe.unvoted)
        try:
            async for text in probe.socket:
                now = time.time() * 1000
                frame = json.loads(text)
                kind = frame.get("type")
                if "sent_at" in frame and measuring:
                    delay = now - frame["sent_at"]
                    stats.latency.append(delay)
                    stats.curve.append((time.monotonic(), delay))
                if kind == "question.published":
                    seq = frame["seq"]
                    if seq > probe.last_seq:
                        if measuring:
                            stats.published += 1
                        if probe.last_seq and seq != probe.last_seq + 1:
                            stats.gaps += 1
                        probe.last_seq = seq
                        probe.unvoted.append(frame["question"]["id"])
                elif kind == "tally":
                    probe.tallies.update(frame["votes"])
                    if measuring:
                        stats.tallies += 1
                elif "reply_to" in frame:
                    sent = probe.sent.pop(frame["reply_to"], None)
                    if kind == "voted":
                        stats.accepted += 1
                        if sent is not None:
                            stats.acks.append((time.monotonic() - sent) * 1000)
                            stats.ack_curve.append((sent, stats.acks[-1]))
                    elif kind == "error":
                        stats.errors[frame["code"]] = stats.errors.get(frame["code"], 0) + 1
        except Exception:
            stats.lost += 1

    async def vote(probe: Probe) -> bool:
        if not probe.unvoted or probe.socket is None:
            return False
        question = probe.unvoted.pop()
        probe.counter += 1
        command_id = f"v{probe.counter}"
        probe.sent[command_id] = time.monotonic()
        await probe.socket.send(
            json.dumps({"type": "vote", "id": command_id, "question": question})
        )
        return True

    tasks = []
    for probe in probes:
        tasks.append(asyncio.ensure_future(read(probe)))
        await asyncio.sleep(0.01)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and len(stats.snapshots) < len(probes):  # noqa: ASYNC110
        await asyncio.sleep(0.1)  # a bounded wait for the handshakes, polled
    emit("ready", opened=len(stats.snapshots), failed=len(probes) - len(stats.snapshots))

    queue = await commands()
    voters = [probe for probe in probes if probe.cookie]
    mark_cpu, mark_time = cpu_seconds(), time.monotonic()
    rate = 0.0
    sent_votes = 0
    next_vote = time.monotonic()

    def window() -> dict[str, Any]:
        elapsed = time.monotonic() - mark_time
        return {
            "opened": len(stats.snapshots),
            "latency": [round(ms, 2) for ms in stats.latency],
            "curve": [(round(t - mark_time, 3), round(ms, 2)) for t, ms in stats.curve],
            "acks": [round(ms, 2) for ms in stats.acks],
            "ack_curve": [(round(t - mark_time, 3), round(ms, 2)) for t, ms in stats.ack_curve],
            "sent_votes": sent_votes,
            "accepted": stats.accepted,
            "errors": stats.errors,
            "published": stats.published,
            "tallies": stats.tallies,
            "gaps": stats.gaps,
            "lost": stats.lost,
            "elapsed": round(elapsed, 3),
            "cpu": round((cpu_seconds() - mark_cpu) / elapsed, 3) if elapsed else None,
        }

    while True:
        # Votes are paced here, in batches every 10 ms, so the rate holds under load.
        try:
            command = await asyncio.wait_for(queue.get(), 0.01)
        except TimeoutError:
            command = ""
        if command in ("mark", "window"):
            if command == "window":
                emit("result", **window())
            measuring = True
            stats.latency.clear()
            stats.curve.clear()
            stats.acks.clear()
            stats.ack_curve.clear()
            stats.published = stats.tallies = stats.gaps = 0
            mark_cpu, mark_time = cpu_seconds(), time.monotonic()
        elif command.startswith("rate"):
            rate = float(command.split()[1])
            next_vote = time.monotonic()
        elif command == "stop":
            break
        if rate > 0 and voters:
            now = time.monotonic()
            while next_vote <= now:
                next_vote += 1 / rate
                if await vote(random.choice(voters)):
                    sent_votes += 1
    # Let replies and the last tally arrive before reading what each client saw: wait for every
    # vote's reply (bounded by --settle), then one tally interval and some.
    deadline = time.monotonic() + args.settle
    while time.monotonic() < deadline and any(probe.sent for probe in probes):  # noqa: ASYNC110
        await asyncio.sleep(0.2)  # polled: replies arrive on the probes' own tasks
    await asyncio.sleep(1.5)
    emit(
        "result",
        **window(),
        unanswered=sum(len(probe.sent) for probe in probes),
        last_tallies=[probe.tallies for probe in probes if probe.socket is not None],
    )
    for probe in probes:
        if probe.socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(probe.socket.close(), 1)
    for task in tasks:
        task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("role", choices=["sinks", "probes"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, default=500, help="joins per second (sinks)")
    parser.add_argument("--concurrency", type=int, default=200, help="handshakes in flight")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--cookies", help="JSON list of Cookie headers, one per probe")
    parser.add_argument("--settle", type=float, default=1.5)
    args = parser.parse_args()
    args.cookie_list = []
    if args.cookies:
        with open(args.cookies) as file:
            args.cookie_list = json.load(file)
    import uvloop

    main_task = run_sinks(args) if args.role == "sinks" else run_probes(args)
    uvloop.run(main_task)


if __name__ == "__main__":
    main()
