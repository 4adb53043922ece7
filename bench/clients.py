"""Full clients that follow docs/protocol.md the way the page does: a load process of them.

Each client keeps the public view (the published questions) from its snapshot and the sequenced
deltas, applies a delta only when its `seq` is the next one, ignores one it already has, and on a
gap asks for a repair with `resync` (`since` the last `seq` it applied) and holds later deltas
until the reply: a `backlog` (applied in order) or a full `snapshot`. A server that does not know
`since` (it answers `invalid_message`) is asked again without it and replies with a snapshot.

Askers send `ask` commands with a `client_id` made once per question. An ask that gets an error,
or no reply within --ask-timeout, is sent again with the same `client_id` after a reconnect, so a
question is stored at most once. With --reconnect a dropped client reconnects with exponential
backoff and full jitter (0.25 s up to 30 s), as the page does, and resyncs from its snapshot;
without it a client never leaves: it waits for every reply, and counts errors.

Voters (the askers) vote and take votes back (`votes <total per second>`), and every client keeps
the vote count of each question it shows, from its snapshot, the deltas, the `tally` frames and
its own `voted` replies, as the page does; `tallies` reports every client's counts at once.

Run by bench/run.py (bench/asks.py, bench/faults.py); commands on stdin (`mark`, `asks <total
per second>`, `votes <total per second>`, `tallies`, `stop`), JSON lines on stdout (`progress`,
`ready`, `tallies`, `result`):

    python -m bench.clients --port 8500 --path /ws/events/<slug>/ --count 100 --cookies c.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.load import commands, cpu_seconds, emit

DELTAS = ("question.published", "question.withdrawn")
BACKOFF_FIRST, BACKOFF_CAP = 0.25, 30.0  # docs/protocol.md, "Reconnecting"
REPAIR_WAIT = 2.0  # seconds before a repair refused with `rate_limited` is asked for again
QUESTION_BODY = "Xin hỏi thủ tục chuyển mục đích sử dụng đất nông nghiệp sang đất ở tại nông thôn?"


_tasks: set[asyncio.Future[Any]] = set()  # strong references to the sends and closes in flight


def _keep(task: asyncio.Future[Any]) -> None:
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


@dataclass
class AskRecord:
    """One question, from its first send to its acknowledgement."""

    client_id: str
    text: str
    first_sent: float  # monotonic
    attempts: int = 0
    command_id: str | None = None  # the id of the send still waiting for a reply
    sent_at: float = 0.0  # monotonic, that send
    acked_at: float | None = None
    question_id: int | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Totals:
    """Counters shared by every client of this process (reset by `mark`)."""

    gaps: int = 0  # deltas that arrived with seq > last + 1
    stale: int = 0  # deltas with seq <= last, ignored
    resyncs: int = 0  # resync commands sent
    backlogs: int = 0  # replies that were a backlog
    snapshots: int = 0  # replies that were a full snapshot
    since_refused: int = 0  # resyncs with `since` refused (invalid_message): no backlogs there
    drops: int = 0  # connections lost
    connects: int = 0  # successful (re)connections, the first included
    failed_connects: int = 0
    latency: list[tuple[float, float]] = field(default_factory=list)  # (monotonic, ms) sent_at
    errors: Counter[str] = field(default_factory=Counter)
    votes_sent: int = 0
    votes_acked: int = 0


class Client:
    """One participant's page."""

    def __init__(self, number: int, uri: str, origin: str, cookie: str | None, args: Any) -> None:
        self.number = number
        self.uri = uri
        self.origin = origin
        self.cookie = cookie
        self.args = args
        self.socket: Any = None
        self.last = 0
        self.visible: set[int] = set()
        self.votes: dict[int, int] = {}  # question id -> the count this page shows
        self.voted: set[int] = set()  # questions this participant has voted for
        self.applied: Counter[int] = Counter()  # question id -> published deltas applied
        self.held: list[dict[str, Any]] = []  # deltas that arrived while a repair was in flight
        self.repair: str | None = None  # the id of the resync in flight
        self.since_ok = True
        self.asks: dict[str, AskRecord] = {}  # client id -> record
        self.replies: dict[str, AskRecord] = {}  # command id -> the ask it answers
        self.retry: list[AskRecord] = []  # asks to send again after reconnecting
        self.open = asyncio.Event()
        self.closing = False  # this client closes its socket to reconnect
        self.stopping = False
        self.counter = 0

    # --- the connection ------------------------------------------------------------------

    async def run(self, totals: Totals, snapshots: list[float]) -> None:
        from websockets.asyncio.client import connect

        attempt = 0
        headers = {"Cookie": self.cookie} if self.cookie else {}
        while not self.stopping:
            started = time.monotonic()
            try:
                async with connect(
                    self.uri,
                    origin=self.origin,  # type: ignore[arg-type]
                    additional_headers=headers,
                    open_timeout=self.args.timeout,
                    max_size=None,
                    ping_interval=None,
                    close_timeout=1,
                ) as socket:
                    first = json.loads(await asyncio.wait_for(socket.recv(), self.args.timeout))
                    self.socket = socket
                    self.closing = False
                    totals.connects += 1
                    snapshots.append(time.monotonic() - started)
                    self.repair = None
                    self.held.clear()
                    self.take_snapshot(first, totals)
                    attempt = 0
                    self.open.set()
                    await self.resend(totals)
                    async for text in socket:
                        self.on_frame(json.loads(text), totals)
                    totals.errors[f"close:{socket.close_code}"] += 1  # closed cleanly
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any way a connection can end: reconnect, as the page
                close = getattr(error, "rcvd", None)
                if close is not None:
                    totals.errors[f"close:{close.code}"] += 1
                status = getattr(getattr(error, "response", None), "status_code", None)
                if status is not None:
                    totals.errors[f"handshake:{status}"] += 1
                if self.socket is None:
                    totals.failed_connects += 1
                else:
                    totals.drops += 1
                totals.errors[f"drop:{type(error).__name__}"] += 1
            else:
                if self.socket is not None:
                    totals.drops += 1
            self.socket = None
            self.open.clear()
            # Whatever had no reply is sent again, with the same client id, once reconnected.
            for record in self.replies.values():
                if record.acked_at is None and record not in self.retry:
                    self.retry.append(record)
            self.replies.clear()
            if not self.args.reconnect or self.stopping:
                return
            attempt += 1
            await asyncio.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_FIRST * 2**attempt)))

    def send(self, frame: dict[str, Any]) -> bool:
        socket = self.socket
        if socket is None:
            return False
        _keep(asyncio.ensure_future(self._send(socket, json.dumps(frame))))
        return True

    async def _send(self, socket: Any, text: str) -> None:
        with contextlib.suppress(Exception):  # a send on a dying socket: the reader notices
            await socket.send(text)

    # --- the view ------------------------------------------------------------------------

    def take_snapshot(self, frame: dict[str, Any], totals: Totals) -> None:
        if frame.get("type") != "snapshot":
            raise RuntimeError(f"expected a snapshot, got {frame.get('type')!r}")
        self.last = int(frame.get("seq", 0))
        self.visible = {q["id"] for q in frame.get("questions", []) if q["id"] > 0}
        self.votes = {q["id"]: q.get("votes", 0) for q in frame.get("questions", [])}

    def on_frame(self, frame: dict[str, Any], totals: Totals) -> None:
        kind = frame.get("type")
        if "sent_at" in frame:
            now = time.monotonic()
            totals.latency.append((now, time.time() * 1000 - frame["sent_at"]))
        if kind in DELTAS:
            if self.repair is not None:
                self.held.append(frame)
            else:
                self.delta(frame, totals)
            return
        if kind == "tally":
            self.votes.update((int(pk), count) for pk, count in frame["votes"].items())
            return
        reply_to = frame.get("reply_to")
        if reply_to is None:
            return
        if reply_to.startswith("v"):
            if kind == "voted":
                totals.votes_acked += 1
                self.votes[frame["question_id"]] = frame["votes"]
                (self.voted.add if frame["voted"] else self.voted.discard)(frame["question_id"])
            else:
                totals.errors[f"vote:{frame.get('code', kind)}"] += 1
            return
        if reply_to == self.repair:
            self.repaired(frame, totals)
            return
        record = self.replies.pop(reply_to, None)
        if record is None:
            return
        if kind == "asked":
            record.acked_at = time.monotonic()
            record.question_id = frame["question"]["id"]
            record.command_id = None
        else:
            code = frame.get("code", str(kind))
            record.errors.append(code)
            totals.errors[f"ask:{code}"] += 1
            self.retry.append(record)
            # An error is a server that could not take the question now: reconnect and retry.
            self.reconnect_soon()

    def delta(self, frame: dict[str, Any], totals: Totals, *, counted: bool = True) -> None:
        seq = int(frame["seq"])
        if seq <= self.last:
            totals.stale += counted
            return
        if seq > self.last + 1:
            totals.gaps += counted
            self.held.append(frame)
            self.ask_repair(totals)
            return
        self.last = seq
        if frame["type"] == "question.published":
            question_id = frame["question"]["id"]
            self.visible.add(question_id)
            self.applied[question_id] += 1
            self.votes[question_id] = frame["question"].get("votes", 0)
        else:
            self.visible.discard(frame["question_id"])

    def ask_repair(self, totals: Totals) -> None:
        if self.repair is not None:
            return
        self.counter += 1
        self.repair = f"r{self.number}-{self.counter}"
        frame: dict[str, Any] = {"type": "resync", "id": self.repair}
        if self.since_ok:
            frame["since"] = self.last
        totals.resyncs += 1
        self.send(frame)

    def repaired(self, frame: dict[str, Any], totals: Totals) -> None:
        kind = frame.get("type")
        self.repair = None
        if kind == "error" and self.since_ok and frame.get("code") == "invalid_message":
            # A server before backlogs: `resync` takes no `since`, and replies with a snapshot.
            self.since_ok = False
            totals.since_refused += 1
            self.ask_repair(totals)
            return
        if kind == "error" and frame.get("code") == "rate_limited":
            # Too many repairs for now: keep holding the deltas, and ask again a little later.
            totals.errors["resync:rate_limited"] += 1
            self.repair = "waiting"
            asyncio.get_running_loop().call_later(REPAIR_WAIT, self.repair_again, totals)
            return
        if kind == "backlog":
            totals.backlogs += 1
            for delta in frame.get("frames", []):
                self.delta(delta, totals, counted=False)
        elif kind == "snapshot":
            totals.snapshots += 1
            self.take_snapshot(frame, totals)
        else:
            totals.errors[f"resync:{frame.get('code', kind)}"] += 1
        held, self.held = sorted(self.held, key=lambda f: f["seq"]), []
        for delta in held:
            if self.repair is not None:
                self.held.append(delta)
            else:
                self.delta(delta, totals, counted=False)

    def repair_again(self, totals: Totals) -> None:
        if self.repair != "waiting":
            return  # reconnected meanwhile: the new snapshot replaced the view
        self.repair = None
        self.ask_repair(totals)

    def reconnect_soon(self) -> None:
        socket = self.socket
        # Without --reconnect a client measures and never leaves: an error stays an error.
        if socket is not None and self.args.reconnect and not self.closing:
            self.closing = True
            _keep(asyncio.ensure_future(socket.close()))

    # --- asking --------------------------------------------------------------------------

    def ask(self, totals: Totals, tag: str) -> None:
        client_id = str(uuid.uuid4())
        text = f"[{tag}-{self.number}-{len(self.asks)}] {QUESTION_BODY} ({client_id[:8]})"
        record = AskRecord(client_id=client_id, text=text, first_sent=time.monotonic())
        self.asks[client_id] = record
        if self.socket is None:
            self.retry.append(record)
        else:
            self.send_ask(record)

    def send_ask(self, record: AskRecord) -> None:
        self.counter += 1
        record.command_id = f"a{self.number}-{self.counter}"
        record.attempts += 1
        record.sent_at = time.monotonic()
        self.replies[record.command_id] = record
        self.send(
            {
                "type": "ask",
                "id": record.command_id,
                "client_id": record.client_id,
                "text": record.text,
            }
        )

    def vote(self, totals: Totals) -> None:
        """Vote for a question this page shows, or take the vote back if it has one."""
        if self.socket is None or not self.visible:
            return
        question = random.choice(sorted(self.visible))
        self.counter += 1
        kind = "unvote" if question in self.voted else "vote"
        if self.send({"type": kind, "id": f"v{self.number}-{self.counter}", "question": question}):
            totals.votes_sent += 1

    async def resend(self, totals: Totals) -> None:
        retry, self.retry = self.retry, []
        for record in retry:
            if record.acked_at is None:
                self.send_ask(record)

    def overdue(self, now: float) -> bool:
        timeout = self.args.ask_timeout
        return any(now - record.sent_at > timeout for record in self.replies.values())


async def run(args: argparse.Namespace) -> None:
    cookies: list[str] = args.cookie_list
    uri = f"ws://127.0.0.1:{args.port}{args.path}"
    origin = f"http://127.0.0.1:{args.port}"
    clients = [
        Client(n, uri, origin, cookies[n] if n < len(cookies) else None, args)
        for n in range(args.count)
    ]
    askers = [client for client in clients if client.cookie][: args.askers]
    totals = Totals()
    snapshots: list[float] = []
    tasks = []
    for client in clients:
        tasks.append(asyncio.ensure_future(client.run(totals, snapshots)))
        await asyncio.sleep(1 / args.rate)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and not all(c.open.is_set() for c in clients):  # noqa: ASYNC110
        await asyncio.sleep(0.1)  # a bounded wait for the handshakes, polled
    opened = sum(1 for client in clients if client.open.is_set())
    emit("ready", opened=opened, failed=len(clients) - opened, askers=len(askers))

    queue = await commands()
    mark_cpu, mark_time = cpu_seconds(), time.monotonic()
    rate = vote_rate = 0.0
    next_ask = next_vote = time.monotonic()
    tag = uuid.uuid4().hex[:6]
    last_progress = time.monotonic()
    while True:
        try:
            command = await asyncio.wait_for(queue.get(), 0.01)
        except TimeoutError:
            command = ""
        now = time.monotonic()
        if command == "mark":
            for name in ("gaps", "stale", "resyncs", "backlogs", "snapshots", "drops"):
                setattr(totals, name, 0)
            totals.latency.clear()
            totals.errors.clear()
            mark_cpu, mark_time = cpu_seconds(), now
        elif command.startswith("asks"):
            rate = float(command.split()[1])
            next_ask = now
        elif command.startswith("votes"):
            vote_rate = float(command.split()[1])
            next_vote = now
        elif command == "tallies":
            emit(
                "tallies",
                t=round(now - mark_time, 3),
                views=[
                    {"client": c.number, "open": c.socket is not None, "votes": c.votes}
                    for c in clients
                ],
            )
        elif command == "stop":
            break
        if rate > 0 and askers:
            while next_ask <= now:
                next_ask += random.expovariate(rate)
                random.choice(askers).ask(totals, tag)
        if vote_rate > 0 and askers:
            while next_vote <= now:
                next_vote += random.expovariate(vote_rate)
                random.choice(askers).vote(totals)
        for client in clients if args.reconnect else ():
            waiting = client.socket is not None and not client.closing and client.replies
            if waiting and client.overdue(now):
                totals.errors["ask:no reply"] += 1
                client.reconnect_soon()
        if now - last_progress >= 1:
            last_progress = now
            asks = [r for c in askers for r in c.asks.values()]
            emit(
                "progress",
                t=round(now - mark_time, 1),
                open=sum(1 for c in clients if c.socket is not None),
                asked=len(asks),
                acked=sum(1 for r in asks if r.acked_at is not None),
                gaps=totals.gaps,
                resyncs=totals.resyncs,
                drops=totals.drops,
            )
    # Settle: wait (bounded) for the last replies and for every repair in flight.
    deadline = time.monotonic() + args.settle
    while time.monotonic() < deadline:
        waiting = any(c.replies or c.retry or c.repair for c in clients)
        if not waiting:
            break
        await asyncio.sleep(0.2)  # polled: replies arrive on the clients' own tasks
    await asyncio.sleep(1.0)
    elapsed = time.monotonic() - mark_time
    emit(
        "result",
        opened=sum(1 for c in clients if c.open.is_set()),
        mark=mark_time,
        elapsed=round(elapsed, 3),
        cpu=round((cpu_seconds() - mark_cpu) / elapsed, 3),
        gaps=totals.gaps,
        stale=totals.stale,
        resyncs=totals.resyncs,
        backlogs=totals.backlogs,
        snapshots=totals.snapshots,
        since_refused=totals.since_refused,
        drops=totals.drops,
        votes_sent=totals.votes_sent,
        votes_acked=totals.votes_acked,
        connects=totals.connects,
        failed_connects=totals.failed_connects,
        errors=dict(totals.errors),
        latency=[(round(t - mark_time, 3), round(ms, 2)) for t, ms in totals.latency],
        asks=[
            {
                "client": c.number,
                "client_id": r.client_id,
                "text": r.text,
                "sent": round(r.first_sent - mark_time, 3),
                "ack_ms": None
                if r.acked_at is None
                else round(1e3 * (r.acked_at - r.first_sent), 2),
                "acked": None if r.acked_at is None else round(r.acked_at - mark_time, 3),
                "question": r.question_id,
                "attempts": r.attempts,
                "errors": r.errors,
            }
            for c in askers
            for r in c.asks.values()
        ],
        views=[
            {
                "client": c.number,
                "open": c.socket is not None,
                "last": c.last,
                "visible": sorted(c.visible),
                "applied": {str(k): v for k, v in c.applied.items()},
                "repairing": c.repair is not None,
                "votes": {str(k): v for k, v in c.votes.items()},
            }
            for c in clients
        ],
    )
    for client in clients:
        client.stopping = True
        if client.socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.socket.close(), 1)
    for task in tasks:
        task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--askers", type=int, default=0, help="clients that ask (with a cookie)")
    parser.add_argument("--cookies", help="JSON list of Cookie headers, one per client")
    parser.add_argument("--rate", type=float, default=100, help="joins per second")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--ask-timeout", type=float, default=10, help="seconds without a reply")
    parser.add_argument("--reconnect", action="store_true", help="reconnect with backoff")
    parser.add_argument("--settle", type=float, default=20)
    args = parser.parse_args()
    args.cookie_list = []
    if args.cookies:
        with open(args.cookies) as file:
            args.cookie_list = json.load(file)
    import uvloop

    uvloop.run(run(args))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
