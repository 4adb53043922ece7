"""Two uvicorn workers behind nginx over the real Redis and PostgreSQL (deploy/topology.sh)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.conf import settings
from django.db import connection, connections

from tests.conftest import REQUIRE_SERVERS
from tests.factories import EventFactory, ParticipantFactory
from tests.socket import session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "topology.sh"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
NGINX_PORT, FIRST_WORKER = 8390, 8391
WORKER_PORTS = (FIRST_WORKER, FIRST_WORKER + 1)


def database_url() -> str:
    """The URL of the test database, which the workers must share with this process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis_url() -> str:
    """The Redis the workers share; the fault test gives them a private one it may stop."""
    return settings.REDIS_URL


@pytest.fixture
async def citizens() -> AsyncIterator[None]:
    """Close every socket a test left open, however it ended: a socket left to the garbage
    collector warns in whichever test happens to run next, and fails that one."""
    yield
    while Citizen.opened:
        await Citizen.opened[-1].close()


@pytest.fixture
def topology(tmp_path: Path, redis_url: str, citizens: None) -> Iterator[dict[str, Any]]:
    """Start two workers and nginx with the topology script; stop them whatever happens."""
    with running_topology(tmp_path, redis_url) as env:
        yield env


@contextmanager
def running_topology(
    tmp_path: Path,
    redis_url: str,
    *,
    nginx_port: int = NGINX_PORT,
    first_worker: int = FIRST_WORKER,
    **extra: str,
) -> Iterator[dict[str, Any]]:
    """The topology on these ports, its state in `tmp_path/topology`; `extra` adds to its env."""
    if NGINX is None:
        message = "nginx is not installed (apt-get install nginx); the two-worker test needs it"
        if REQUIRE_SERVERS:
            pytest.fail(message)
        pytest.skip(message)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "SECRET_KEY": settings.SECRET_KEY,  # the workers must read this process's sessions
        "DEBUG": "0",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "NGINX_BIN": NGINX,
        "WORKERS": "2",
        # Every client here shares one address: the per-IP limits would refuse the load tests.
        "RATE_LIMIT_ASK_PARTICIPANT": "1000/minute",
        "RATE_LIMIT_ASK_IP": "10000/minute",
        "NGINX_PORT": str(nginx_port),
        "WORKER_BASE_PORT": str(first_worker),
        "TOPOLOGY_DIR": str(tmp_path / "topology"),
        **extra,
    }
    try:
        started = subprocess.run(
            [str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert started.returncode == 0, started.stdout + started.stderr + logs(tmp_path)
        pid = (tmp_path / "topology" / "worker-1.pid").read_text()
        yield {**env, "worker_1_pid": int(pid)}
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, timeout=60, check=False)
        wait_for_workers_to_leave_the_database()


def wait_for_workers_to_leave_the_database() -> None:
    """PostgreSQL ends a dead worker's session a moment later; the test database is dropped next."""
    query = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute(query)
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


def logs(tmp_path: Path) -> str:
    return "".join(path.read_text() for path in sorted((tmp_path / "topology").glob("*.log")))


class Citizen:
    """A websocket client over real TCP: through nginx, or straight to one worker."""

    opened: ClassVar[list[Citizen]] = []  # connected and not yet closed (see `citizens`)

    def __init__(self, port: int, slug: str, cookie: str = "") -> None:
        self.port, self.slug, self.cookie = port, slug, cookie
        self.socket: Any = None
        self.snapshot: dict[str, Any] = {}

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.socket = await connect(
            f"ws://127.0.0.1:{self.port}/ws/events/{self.slug}/",
            origin=f"http://127.0.0.1:{self.port}",  # type: ignore[arg-type]
            additional_headers={"Cookie": self.cookie} if self.cookie else {},
            open_timeout=10,
        )
        if self not in Citizen.opened:
            Citizen.opened.append(self)
        self.snapshot = await self.next_of("snapshot")

    async def reconnect(self, attempts: int = 20) -> None:
        """Reconnect with backoff, as the browser does, until a worker takes the socket."""
        for attempt in range(attempts):
            try:
                await self.connect()
                return
            except (OSError, TimeoutError, Exception):
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
        raise AssertionError(f"could not reconnect through 127.0.0.1:{self.port}")

    async def next_of(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.socket.recv())
                if frame["type"] == kind:
                    return frame

    async def next_published(self, question_id: int) -> dict[str, Any]:
        """Skip older deltas until the one that publishes `question_id`."""
        while True:
            frame = await self.next_of("question.published")
            if frame["question"]["id"] == question_id:
                return frame

    async def ask(self, text: str) -> dict[str, Any]:
        command = {"type": "ask", "id": "a1", "client_id": str(uuid.uuid4()), "text": text}
        await self.socket.send(json.dumps(command))
        return await self.next_of("asked")

    async def close(self) -> None:
        if self in Citizen.opened:
            Citizen.opened.remove(self)
        if self.socket is not None:
            await self.socket.close()


async def live_event() -> tuple[str, str]:
    """A post-moderated live dialogue and the session cookie of one participant in it."""
    from asgiref.sync import sync_to_async

    event = await sync_to_async(EventFactory)()
    asker = await sync_to_async(ParticipantFactory)(event=event)
    cookie = await session_cookie(participant_id=asker.pk, event_id=event.pk)
    # Leave no session of this process open in the helper thread: the fixture waits for the
    # database to have no other sessions before pytest drops it.
    await sync_to_async(connections.close_all)()
    return event.slug, cookie


async def test_a_question_asked_on_one_worker_is_seen_on_the_other(topology):
    slug, cookie = await live_event()
    asker = Citizen(WORKER_PORTS[0], slug, cookie)
    watcher = Citizen(WORKER_PORTS[1], slug)
    through_nginx = Citizen(NGINX_PORT, slug)
    for citizen in (asker, watcher, through_nginx):
        await citizen.connect()

    reply = await asker.ask("Hỏi ở máy một, thấy ở máy hai?")

    for citizen in (watcher, through_nginx):
        seen = await citizen.next_of("question.published")
        assert seen["question"]["id"] == reply["question"]["id"]
        assert seen["seq"] == watcher.snapshot["seq"] + 1
        await citizen.close()
    await asker.close()


async def test_clients_of_a_killed_worker_reconnect_to_the_other_and_resync(topology):
    slug, cookie = await live_event()
    # nginx spreads new connections over both workers (round robin), so some land on each.
    citizens = [Citizen(NGINX_PORT, slug) for _ in range(6)]
    for citizen in citizens:
        await citizen.connect()
    asker = Citizen(WORKER_PORTS[1], slug, cookie)
    await asker.connect()

    os.killpg(topology["worker_1_pid"], signal.SIGKILL)  # a crash, not a graceful stop
    dropped = []
    for citizen in citizens:
        try:
            await citizen.next_of("never", timeout=3)
        except TimeoutError:
            continue  # still connected to the survivor
        except Exception:
            dropped.append(citizen)
    assert dropped, "nginx sent no client to worker 1"
    # Asked while the dropped clients are away: they must find it in their new snapshot.
    reply = await asker.ask("Câu hỏi trong lúc mất kết nối")
    for citizen in dropped:
        await citizen.reconnect()
        ids = [question["id"] for question in citizen.snapshot["questions"]]
        assert reply["question"]["id"] in ids
    # And live deltas reach everyone through the surviving worker.
    second = await asker.ask("Câu hỏi sau khi kết nối lại")
    for citizen in citizens:
        seen = await citizen.next_published(second["question"]["id"])
        assert seen["seq"] > citizen.snapshot["seq"]
        await citizen.close()
    await asker.close()


async def participants(slug: str, count: int) -> list[str]:
    """Session cookies of `count` more participants of the dialogue `slug`."""
    from asgiref.sync import sync_to_async

    from events.models import Event

    event = await sync_to_async(Event.objects.get)(slug=slug)
    cookies = []
    for _ in range(count):
        participant = await sync_to_async(ParticipantFactory)(event=event)
        cookies.append(await session_cookie(participant_id=participant.pk, event_id=event.pk))
    await sync_to_async(connections.close_all)()
    return cookies


async def published(citizen: Citizen, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while len(frames) < count:
            frames.append(await citizen.next_of("question.published", timeout=timeout))
    return frames


async def test_asks_committed_on_both_workers_reach_every_client_once_and_in_order(topology):
    # Each worker sends its deltas after its own commit, so across two workers a later delta
    # often overtakes an earlier one; the hubs must restore the order before clients see it.
    slug, cookie = await live_event()
    cookies = [cookie, *await participants(slug, 5)]
    askers = [Citizen(WORKER_PORTS[n % 2], slug, cookies[n]) for n in range(6)]
    watchers = [Citizen(port, slug) for port in (*WORKER_PORTS, *WORKER_PORTS, NGINX_PORT)]
    for citizen in (*askers, *watchers):
        await citizen.connect()
    start = watchers[0].snapshot["seq"]
    per_asker = 10

    async def ask_many(asker: Citizen) -> None:
        for n in range(per_asker):
            command = {
                "type": "ask",
                "id": f"a{n}",
                "client_id": str(uuid.uuid4()),
                "text": f"Câu hỏi {n} của {id(asker)}",
            }
            await asker.socket.send(json.dumps(command))

    await asyncio.gather(*(ask_many(asker) for asker in askers))
    expected = list(range(start + 1, start + 1 + per_asker * len(askers)))
    for watcher in watchers:
        frames = await published(watcher, len(expected))
        assert [frame["seq"] for frame in frames] == expected
        assert len({frame["question"]["id"] for frame in frames}) == len(expected)
        assert await watcher_has_nothing_more(watcher)
    for citizen in (*askers, *watchers):
        await citizen.close()


async def watcher_has_nothing_more(citizen: Citizen) -> bool:
    try:
        await citizen.next_of("question.published", timeout=0.5)
    except TimeoutError:
        return True
    return False


async def test_presence_counts_the_sockets_of_every_worker(topology):
    slug, _cookie = await live_event()
    citizens = [Citizen(port, slug) for port in (*WORKER_PORTS, WORKER_PORTS[1])]
    for citizen in citizens:
        await citizen.connect()
    # Each worker counts its own sockets, shares the count through Redis and tells its sockets
    # the total; within a few rounds every client sees all three.
    for citizen in citizens:
        seen: list[int] = []
        async with asyncio.timeout(60):
            while not seen or seen[-1] != len(citizens):
                seen.append((await citizen.next_of("presence", timeout=60))["connected"])
        # Counts climb to the total and never pass it: no socket is counted twice or by a worker
        # that does not hold it.
        assert max(seen) == len(citizens), seen
        await citizen.close()
