"""Redis stopped and started under a live dialogue on two workers (DESIGN.md, reliability).

While Redis is down, asks and votes are still stored and acknowledged (the database is the
truth) and pages that only read still render; when it is back, broadcasts resume by themselves,
the deltas committed meanwhile reach every client in order, read back from the delta log, and
every screen's vote counts converge on the database with no further vote.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dialogue.models import Question
from tests.integration.test_two_workers import (
    NGINX_PORT,
    WORKER_PORTS,
    Citizen,
    live_event,
    participants,
    published,
)
from tests.integration.test_two_workers import citizens as citizens
from tests.integration.test_two_workers import topology as topology

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PORT = 8397


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A Redis of this test's own, which it may stop and start (never the shared one)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed; the fault test needs its own Redis")
    port = PORT
    command = [
        server,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return process
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the private Redis did not start")

    state = {"process": start()}

    def stop() -> None:
        state["process"].terminate()
        state["process"].wait(timeout=30)

    state.update(
        url=f"redis://127.0.0.1:{port}/0", start=lambda: state.update(process=start()), stop=stop
    )
    try:
        yield state
    finally:
        if state["process"].poll() is None:
            state["process"].kill()
            state["process"].wait()


@pytest.fixture
def redis_url(private_redis: dict[str, Any]) -> str:
    return private_redis["url"]


def page(path: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{NGINX_PORT}{path}", timeout=30) as response:
        return int(response.status)


async def test_asks_are_acknowledged_while_redis_is_down_and_broadcasts_resume(
    topology,
    private_redis,
):
    from asgiref.sync import sync_to_async

    slug, cookie = await live_event()
    asker = Citizen(WORKER_PORTS[0], slug, cookie)
    watchers = [Citizen(WORKER_PORTS[1], slug), Citizen(NGINX_PORT, slug)]
    for citizen in (asker, *watchers):
        await citizen.connect()
    start = watchers[0].snapshot["seq"]
    first = await asker.ask("Trước khi Redis dừng")

    private_redis["stop"]()
    during = await asker.ask("Trong lúc Redis dừng")  # stored and acknowledged all the same
    assert during["question"]["status"] == "approved"
    assert page("/") == 200
    assert page(f"/e/{slug}/") == 200

    private_redis["start"]()
    # Once the workers are back on Redis, a new ask reaches everyone, and so does the one
    # asked during the outage: every client converges on the database, in seq order.
    after = await asker.ask("Sau khi Redis chạy lại")
    ids = [first["question"]["id"], during["question"]["id"], after["question"]["id"]]
    stored = await sync_to_async(
        lambda: list(Question.objects.filter(event__slug=slug).values_list("pk", flat=True))
    )()
    assert sorted(stored) == sorted(ids)  # nothing lost, nothing stored twice
    for watcher in watchers:
        frames = await published(watcher, 3)
        assert [f["seq"] for f in frames] == [start + 1, start + 2, start + 3]
        assert [f["question"]["id"] for f in frames] == ids
    for citizen in (asker, *watchers):
        await citizen.close()


async def test_votes_stored_while_redis_is_down_reach_every_screen_when_it_is_back(
    topology,
    private_redis,
):
    from django.conf import settings

    slug, cookie = await live_event()
    asker = Citizen(WORKER_PORTS[0], slug, cookie)
    (voter_cookie,) = await participants(slug, 1)
    voter = Citizen(WORKER_PORTS[0], slug, voter_cookie)
    watchers = [Citizen(WORKER_PORTS[1], slug), Citizen(NGINX_PORT, slug)]
    for citizen in (asker, voter, *watchers):
        await citizen.connect()
    question = (await asker.ask("Phiếu bầu trong lúc Redis dừng"))["question"]["id"]
    for watcher in watchers:
        await watcher.next_published(question)

    private_redis["stop"]()
    await voter.socket.send(json.dumps({"type": "vote", "id": "v1", "question": question}))
    voted = await voter.next_of("voted")
    assert (voted["voted"], voted["votes"]) == (True, 1)  # stored while Redis is away
    # Its tally is flushed (and fails: Redis is down) before Redis comes back, so only the
    # recovery can bring the count to the other screens.
    await asyncio.sleep(settings.LIVE["TALLY_INTERVAL"] * 8)
    private_redis["start"]()

    for watcher in watchers:
        async with asyncio.timeout(60):
            while True:
                tally = await watcher.next_of("tally", timeout=60)
                if str(question) in tally["votes"]:
                    break
        assert tally["votes"][str(question)] == 1
    for citizen in (asker, voter, *watchers):
        await citizen.close()
