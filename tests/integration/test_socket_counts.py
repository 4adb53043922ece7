"""Socket caps shared by the workers through Redis; a killed worker's sockets stop counting."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from live.admission import Admissions

pytestmark = pytest.mark.integration


@pytest.fixture
async def worker(settings) -> AsyncIterator[Callable[[], Admissions]]:  # type: ignore[no-untyped-def]
    """A new worker's counts on the shared Redis each call; all closed after the test."""
    made: list[Admissions] = []

    def start() -> Admissions:
        made.append(Admissions(settings.REDIS_URL))
        return made[-1]

    yield start
    for counts in made:
        await counts.close()


async def admitted_within(counts: Admissions, caps: dict[str, int], seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if await counts.admit(caps) is not None:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_two_workers_share_one_cap_and_a_closed_socket_frees_a_seat(worker):
    caps = {f"address:test-{uuid.uuid4().hex}": 3}
    first, second = worker(), worker()
    one, two = await first.admit(caps), await first.admit(caps)
    assert one is not None
    assert two is not None
    assert await second.admit(caps) is not None
    assert await second.admit(caps) is None  # three open, over both workers
    assert first.counts == {next(iter(caps)): 2}  # a refusal counts nothing
    await first.release(one)
    assert await second.admit(caps) is not None
    assert await first.admit(caps) is None


async def test_a_killed_worker_s_sockets_stop_counting_after_their_validity(settings, worker):
    settings.DIALOGUE = {**settings.DIALOGUE, "SOCKET_COUNT_SECONDS": 1.0}
    caps = {f"address:test-{uuid.uuid4().hex}": 2}
    killed, survivor = worker(), worker()
    assert await killed.admit(caps) is not None
    assert await killed.admit(caps) is not None
    assert await survivor.admit(caps) is None
    # The worker dies: it neither closes its sockets nor renews its counts.
    assert killed._renewer is not None
    killed._renewer.cancel()
    assert await admitted_within(survivor, caps, seconds=15)


async def test_a_live_worker_keeps_its_seats_past_their_validity(settings, worker):
    # Renewed every 2 s, valid for 6 s: a renewal would have to be four seconds late to miss,
    # which even a loaded machine does not do.
    settings.DIALOGUE = {**settings.DIALOGUE, "SOCKET_COUNT_SECONDS": 6.0}
    caps = {f"address:test-{uuid.uuid4().hex}": 1}
    alive, other = worker(), worker()
    assert await alive.admit(caps) is not None
    # Past its first validity the renewed seat is still taken.
    for _ in range(3):
        await asyncio.sleep(3)
        assert await other.admit(caps) is None
