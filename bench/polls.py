"""The `polls` scenario: --poll-participants answer one poll over their sockets, once each.

Every participant holds a full client: it answers once (spread evenly over --poll-seconds),
times its acknowledgement and keeps every `poll.results` frame. The results must be exact (the
database = the answers acknowledged = the last results every client saw), a second answer of
each participant must be refused, and the results frames must stay within the coalescing
limit: at most 4 per second per client, counted by the server's `sent_at` over any 1 s window.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from bench import procs
from bench.harness import Bench, Row, _ms, _seconds, _sync, percentile

OPTIONS = ("Cổng thông tin", "Zalo", "Báo in", "Người quen")
CONNECTS_AT_ONCE = 100


def _new_poll(event_id: int) -> tuple[int, list[int]]:
    """An open single-choice poll of the dialogue: (poll id, option ids)."""
    from dialogue.models import Poll, PollOption

    poll = Poll.objects.create(
        event_id=event_id,
        question="Anh/chị biết đến buổi đối thoại qua đâu?",
        kind=Poll.Kind.SINGLE,
        status=Poll.Status.OPEN,
    )
    options = PollOption.objects.bulk_create(
        PollOption(poll=poll, label=label, position=n) for n, label in enumerate(OPTIONS)
    )
    return poll.pk, [option.pk for option in options]


def _poll_counts(poll_id: int) -> tuple[int, dict[str, int]]:
    from dialogue.selectors import poll_results

    results = poll_results(poll_ids=[poll_id])[poll_id]
    return results["total"], results["counts"]


@dataclass
class PollClient:
    """One participant's socket: its answer's acknowledgement and the results frames it saw."""

    cookie: str
    socket: Any = None
    acks: dict[str, float] = field(default_factory=dict)  # command id -> seconds to the reply
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # (sent_at ms, …)
    sent: dict[str, float] = field(default_factory=dict)
    reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> None:
        from websockets.asyncio.client import connect

        headers = {"Cookie": self.cookie, "Origin": "http://127.0.0.1"}
        self.socket = await connect(url, additional_headers=headers, max_size=None)
        snapshot = json.loads(await self.socket.recv())
        assert snapshot["type"] == "snapshot", snapshot
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for text in self.socket:
            frame = json.loads(text)
            if frame["type"] == "poll.results":
                self.results.append((frame["sent_at"], frame["results"]))
            elif "reply_to" in frame and frame["reply_to"] in self.sent:
                self.acks[frame["reply_to"]] = time.perf_counter() - self.sent[frame["reply_to"]]
                self.replies[frame["reply_to"]] = frame

    async def answer(self, command_id: str, poll_id: int, option_id: int) -> None:
        self.sent[command_id] = time.perf_counter()
        frame = {"type": "poll_answer", "id": command_id, "poll": poll_id, "options": [option_id]}
        await self.socket.send(json.dumps(frame))

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.socket is not None:
            await self.socket.close()


def busiest_second(stamps: list[float]) -> int:
    """The most frames within any 1,000 ms window of these `sent_at` stamps (ms)."""
    ordered, most, start = sorted(stamps), 0, 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= 1000:
            start += 1
        most = max(most, end - start + 1)
    return most


async def run(bench: Bench) -> None:
    """1,000 participants answer one poll; exact results, results frames ≤ 4/s per client."""
    from bench.seed import new_event

    options = bench.options
    count, seconds = options.poll_participants, options.poll_seconds
    for kind in [k for k in options.servers if k not in procs.CEILINGS]:
        await bench.flush_redis()
        event_id, slug, _, cookies = await _sync(new_event, f"polls-{kind}", voters=count)
        poll_id, option_ids = await _sync(_new_poll, event_id)
        server = procs.Server(kind, bench.port, bench.env)
        bench.say(f"== polls {kind}: {count} participants answer one poll over {seconds:g}s")
        await server.start()
        clients = [PollClient(cookie) for cookie in cookies]
        try:
            url = f"ws://127.0.0.1:{bench.port}/ws/events/{slug}/"
            await _open_all(clients, url)
            server.mark()
            started = time.perf_counter()
            for number, client in enumerate(clients):
                delay = started + number * seconds / count - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await client.answer("a1", poll_id, option_ids[number % len(option_ids)])
            cpu = server.cpu()
            await _settled(clients, count, "a1")
            # Each participant tries again with another option: refused, nothing changes.
            for number, client in enumerate(clients):
                await client.answer("a2", poll_id, option_ids[(number + 1) % len(option_ids)])
            await _settled(clients, count, "a2")
            row = await _row(bench, kind, clients, poll_id, option_ids, seconds, cpu)
            row.server_rss_mb = round(server.rss() / 2**20, 1)
            bench.record(row)
        finally:
            await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)
            await server.stop()


async def _open_all(clients: list[PollClient], url: str) -> None:
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

    async def open_one(client: PollClient) -> None:
        async with gate:
            await client.open(url)

    await asyncio.gather(*(open_one(client) for client in clients))


async def _settled(clients: list[PollClient], count: int, command_id: str) -> None:
    """Wait until every client has its reply and has seen results for all `count` answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replied = all(command_id in client.replies for client in clients)
        seen = all(client.results and client.results[-1][1]["total"] == count for client in clients)
        if replied and seen:
            return
        await asyncio.sleep(0.2)


async def _row(
    bench: Bench,
    kind: str,
    clients: list[PollClient],
    poll_id: int,
    option_ids: list[int],
    seconds: float,
    cpu: float,
) -> Row:
    count = len(clients)
    total, counts = await _sync(_poll_counts, poll_id)
    expected = {str(pk): count // len(option_ids) for pk in option_ids}
    for extra in range(count % len(option_ids)):
        expected[str(option_ids[extra])] += 1
    accepted = sum(1 for c in clients if c.replies.get("a1", {}).get("type") == "poll.answered")
    refused = sum(1 for c in clients if c.replies.get("a2", {}).get("code") == "already_answered")
    exact = sum(1 for c in clients if c.results and c.results[-1][1]["counts"] == counts)
    frames = [len(c.results) for c in clients]
    busiest = max(busiest_second([stamp for stamp, _ in c.results]) for c in clients)
    acks = [c.acks["a1"] * 1000 for c in clients if "a1" in c.acks]
    row = Row("polls", kind, count, f"{count / seconds:g} answers/s")
    row.p50, row.p99, row.max = percentile(acks, 0.5), percentile(acks, 0.99), percentile(acks, 1)
    row.delivered, row.expected = accepted, count
    row.server_cpu = round(100 * cpu, 1)
    row.notes.append(
        f"answer ack p99 {_ms(_seconds(row.p99))}; database {total} answers, "
        f"counts {'=' if counts == expected else '≠'} expected; {accepted} acknowledged, "
        f"{refused}/{count} second answers refused; last results exact on {exact}/{count} "
        f"clients; results frames per client {min(frames)}–{max(frames)} over {seconds:g}s, "
        f"at most {busiest} in any second"
    )
    if not (total == accepted == count and counts == expected and exact == count):
        row.notes.append("NOT EXACT")
    if refused != count:
        row.notes.append("A SECOND ANSWER WAS NOT REFUSED")
    if busiest > 4:
        row.notes.append("OVER 4 RESULTS FRAMES PER SECOND")
    bench.say(f"    {row.notes[0]}")
    return row
