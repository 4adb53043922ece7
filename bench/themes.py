"""The `themes` scenario: how soon a question asked is in the moderators' themes, end to end.

Citizens ask --themes-rate questions a minute (30 by default, each from a participant of their
own) over their sockets to the server, into a room that already holds --themes-room questions;
the task worker (`manage.py task_worker --interval 1`, as doithoai-tasks.service runs it) makes
the themes again after each one and sends `mod.themes` through Redis to a moderator's socket on
the server. For each question, the time from its acknowledgement to the first `mod.themes`
frame made from it (`made_from` ≥ its id): the target is 2 s, the worker's poll included.

The questions are the room of tests/e2e/scene.py and of the moderation tests, matters asked in
several ways, repeated in turn; the library is the demo's (law/data/demo_library.jsonl).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bench import procs
from bench.harness import Bench, Row, _ms, _seconds, _sync, percentile

# Matters, each asked in several ways: every question after a matter's first joins its theme.
MATTERS = (
    (
        "Bố tôi mất không để lại di chúc thì ai được hưởng di sản?",
        "Cha mất không có di chúc, con riêng có được hưởng di sản thừa kế không?",
        "Ông mất không để lại di chúc thì di sản chia thế nào?",
        "Mẹ tôi mất không để lại di chúc, nhà đất của mẹ chia cho ai?",
        "Người chết không có di chúc thì ai là người thừa kế di sản?",
    ),
    (
        "Vợ đang mang thai thì chồng có được yêu cầu ly hôn không?",
        "Chồng có quyền ly hôn khi vợ đang mang thai không ạ?",
        "Vợ đang nuôi con dưới 12 tháng tuổi, chồng có được đơn phương ly hôn không?",
        "Chồng muốn ly hôn khi vợ mang thai được không?",
        "Khi vợ có thai, người chồng có quyền yêu cầu ly hôn hay không?",
    ),
    (
        "Đăng ký thường trú ở nhà thuê cần giấy tờ gì?",
        "Thuê nhà thì có được đăng ký thường trú không, thủ tục thế nào?",
        "Ở nhà thuê muốn nhập hộ khẩu thường trú phải làm gì?",
        "Người thuê nhà đăng ký thường trú cần điều kiện gì?",
        "Tôi thuê nhà ở Bắc Ninh, có đăng ký thường trú được không?",
    ),
)


def _prepare(event_id: int) -> str:
    """The demo library, and a moderator with two factors: their session's Cookie header."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from events.models import EventRole, User
    from law.demo import create_demo_library

    create_demo_library()
    moderator = User.objects.create_user(
        email=f"bench-{uuid.uuid4().hex[:8]}@example.org", display_name="Biên tập viên (bench)"
    )
    TOTP.activate(moderator, generate_totp_secret())
    EventRole.objects.create(event_id=event_id, user=moderator, role=EventRole.Role.MODERATOR)
    session = SessionStore()
    session[SESSION_KEY] = str(moderator.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = moderator.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


@dataclass
class Watcher:
    """The moderator's socket: when the themes made from each question arrived."""

    cookie: str
    socket: Any = None
    made: list[tuple[float, int]] = field(default_factory=list)  # (perf_counter, made_from)
    grouped: set[int] = field(default_factory=set)  # questions shown in a theme
    reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> None:
        from websockets.asyncio.client import connect

        headers = {"Cookie": self.cookie, "Origin": "http://127.0.0.1"}
        self.socket = await connect(url, additional_headers=headers, max_size=None)
        snapshot = json.loads(await self.socket.recv())
        assert snapshot["type"] == "mod.snapshot", snapshot
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for text in self.socket:
            frame = json.loads(text)
            if frame["type"] == "mod.themes" and frame["made_from"] is not None:
                self.made.append((time.perf_counter(), frame["made_from"]))
                self.grouped.update(q for theme in frame["themes"] for q in theme["questions"])

    def arrived(self, question: int) -> float | None:
        """When the first themes made from this question (or a later one) arrived."""
        return next((at for at, made_from in self.made if made_from >= question), None)

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.socket is not None:
            await self.socket.close()


async def _ask(url: str, cookie: str, text: str) -> tuple[int, float]:
    """One citizen asks once: (question id, perf_counter at the acknowledgement)."""
    from websockets.asyncio.client import connect

    headers = {"Cookie": cookie, "Origin": "http://127.0.0.1"}
    async with connect(url, additional_headers=headers, max_size=None) as socket:
        command = {"type": "ask", "id": "t1", "client_id": str(uuid.uuid4()), "text": text}
        await socket.send(json.dumps(command))
        async with asyncio.timeout(30):
            while True:
                frame = json.loads(await socket.recv())
                if frame.get("reply_to") == "t1":
                    acknowledged = time.perf_counter()
                    if frame["type"] != "asked":
                        raise RuntimeError(f"the ask was refused: {frame}")
                    return int(frame["question"]["id"]), acknowledged


async def run(bench: Bench) -> None:
    """Questions at 30 a minute; each one's time to the moderators' themes (target 2 s)."""
    from bench.seed import new_event

    options = bench.options
    rate, seconds = options.themes_rate, options.themes_seconds
    count = max(1, int(rate * seconds / 60))
    kind = "uvicorn"
    await bench.flush_redis()
    room = options.themes_room  # questions already in the room when the asking starts
    event_id, slug, _, cookies = await _sync(
        new_event, "themes", approved=room, voters=count, moderation="post", text_size=160
    )
    moderator = await _sync(_prepare, event_id)
    server = procs.Server(kind, bench.port, bench.env)
    bench.say(
        f"== themes {kind}: {count} questions at {rate:g} a minute into a room of {room}, "
        "a task worker beside"
    )
    worker = await asyncio.create_subprocess_exec(
        procs.PYTHON,
        "manage.py",
        "task_worker",
        "--no-reload",
        "--interval",
        "1",
        cwd=procs.ROOT,
        env=bench.env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await server.start()
    watcher = Watcher(moderator)
    asked: list[tuple[int, float]] = []  # (question id, acknowledged)
    errors = 0
    try:
        await watcher.open(f"ws://127.0.0.1:{bench.port}/ws/events/{slug}/moderate/")
        url = f"ws://127.0.0.1:{bench.port}/ws/events/{slug}/"
        server.mark()
        started = time.perf_counter()
        for number in range(count):
            delay = started + number * 60 / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            matter = MATTERS[number % len(MATTERS)]
            turn = number // len(MATTERS)
            try:
                question, at = await _ask(url, cookies[number], matter[turn % len(matter)])
            except Exception as error:  # counted, and the run goes on
                errors += 1
                bench.say(f"    ask {number} failed: {error}")
                continue
            asked.append((question, at))
        cpu = server.cpu()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and asked:
            if watcher.arrived(max(q for q, _at in asked)) is not None:
                break
            await asyncio.sleep(0.2)
        waits = [(watcher.arrived(q), at) for q, at in asked]
        delays = [(shown - at) * 1000 for shown, at in waits if shown is not None]
        row = Row("themes", kind, count, f"{rate:g} questions/min, room {room}")
        row.p50, row.p99, row.max = (
            percentile(delays, 0.5),
            percentile(delays, 0.99),
            percentile(delays, 1),
        )
        row.delivered, row.expected, row.errors = len(delays), len(asked), errors
        row.server_cpu = round(100 * cpu, 1)
        row.server_rss_mb = round(server.rss() / 2**20, 1)
        within = sum(1 for delay in delays if delay <= 2000)
        joined = sum(1 for q, _at in asked if q in watcher.grouped)
        row.notes.append(
            f"ask → themes made from it p50 {_ms(_seconds(row.p50))}, p99 "
            f"{_ms(_seconds(row.p99))}, max {_ms(_seconds(row.max))}; {within}/{len(asked)} "
            f"within 2 s; {len(watcher.made)} mod.themes frames; {joined}/{len(asked)} questions "
            "shown in a theme"
        )
        slowest = sorted(
            ((shown - at, at - started) for shown, at in waits if shown is not None), reverse=True
        )[:3]
        row.notes.append(
            "slowest: "
            + ", ".join(f"{delay:.1f} s (asked at {when:.0f} s)" for delay, when in slowest)
        )
        if len(delays) < len(asked):
            row.notes.append(f"{len(asked) - len(delays)} NEVER IN THE THEMES")
        bench.record(row)
        bench.say(f"    {row.notes[0]}")
    finally:
        await watcher.close()
        await server.stop()
        worker.terminate()
        await worker.wait()
