"""Personas and shared fixtures; the integration and browser tiers are switched on here."""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
from collections.abc import Callable

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

from events.models import Event, EventRole, User
from events.services import open_standing_qa
from tests.factories import (
    AgencyMembershipFactory,
    EventFactory,
    EventRoleFactory,
    ParticipantFactory,
    UserFactory,
)
from tests.mailservers import run_due_tasks, smtp_server, stalled_smtp  # noqa: F401

# CI sets these so that a missing server or browser fails the run instead of skipping tests.
REQUIRE_SERVERS = os.environ.get("REQUIRE_SERVERS") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    servers = settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and bool(
        settings.REDIS_URL
    )
    browser = shutil.which(CHROMIUM) is not None
    wanted = {
        mark for item in items for mark in ("integration", "browser") if mark in item.keywords
    }
    if REQUIRE_SERVERS and "integration" in wanted and not servers:
        pytest.exit(
            "REQUIRE_SERVERS=1 but DATABASE_URL (PostgreSQL) and REDIS_URL are not both set", 3
        )
    if REQUIRE_BROWSER and "browser" in wanted and not browser:
        pytest.exit(f"REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}", 3)
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.fixturenames.append("_close_the_hub")  # type: ignore[attr-defined]
        if "integration" in item.keywords and not servers:
            item.add_marker(
                pytest.mark.skip(reason="integration tier: set DATABASE_URL and REDIS_URL")
            )
        if "browser" in item.keywords and not browser:
            item.add_marker(pytest.mark.skip(reason=f"browser tier: no Chromium at {CHROMIUM}"))


@pytest.fixture
def event(db: None) -> Event:
    return EventFactory()


@pytest.fixture
def citizen(db: None) -> User:
    return UserFactory(display_name="Nguyễn Thị Hoa")


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(display_name="Người ngoài")


@pytest.fixture
def admin_user(db: None) -> User:
    return UserFactory(display_name="Quản trị", is_staff=True, is_superuser=True)


@pytest.fixture
def participant(event: Event):  # type: ignore[no-untyped-def]
    return ParticipantFactory(event=event, nickname="Anh Tuấn")


@pytest.fixture(autouse=True)
def _fast_passwords(request: pytest.FixtureRequest, settings) -> None:  # type: ignore[no-untyped-def]
    # The browser tier's server is another process with the real hashers; everything else
    # hashes test passwords cheaply.
    if request.node.get_closest_marker("browser") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _mail_through_the_queue(settings) -> None:  # type: ignore[no-untyped-def]
    # pytest-django sends mail straight to `mail.outbox`; put the queue back in front of it, as
    # in production: mail reaches the outbox only when the queued task runs (`run_tasks`).
    settings.EMAIL_BACKEND = "events.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def run_tasks(db: None) -> Callable[[], int]:
    """Run every task that is due, in this process, as the worker runs each; returns how many."""
    return run_due_tasks


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    from dialogue import ratelimit

    ratelimit.reset()


@pytest.fixture(autouse=True)
def _fresh_catalogue() -> None:
    """A cached catalogue outlives a test's rolled-back rows; each test starts a new generation."""
    from django.core.cache import cache

    from dialogue import fragments, selectors

    fragments.catalogue_changed()
    # The similar questions' texts are cached under the event's id, which the next test's
    # event may have again once this test's rows are rolled back.
    cache.delete_many([selectors.similar_key(event_id) for event_id in range(1, 64)])


@pytest.fixture(autouse=True)
def _fast_tallies(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LIVE = {**settings.LIVE, "TALLY_INTERVAL": 0.05}


@pytest.fixture
def organiser(event: Event) -> User:
    """Organiser of the agency that holds `event`."""
    user = UserFactory(display_name="Trần Văn Tổ Chức")
    AgencyMembershipFactory(agency=event.agency, user=user)
    return user


@pytest.fixture
def other_organiser(db: None) -> User:
    """Organiser of another agency: no say over `event`."""
    user = UserFactory(display_name="Lê Thị Cơ Quan Khác")
    AgencyMembershipFactory(user=user)
    return user


@pytest.fixture
def moderator(event: Event) -> User:
    """Moderator of `event`."""
    user = UserFactory(display_name="Phạm Biên Tập")
    EventRoleFactory(event=event, user=user, role=EventRole.Role.MODERATOR)
    return user


@pytest.fixture
def official(event: Event) -> User:
    """Official (answers questions) of `event`."""
    user = UserFactory(display_name="Hoàng Cán Bộ")
    EventRoleFactory(event=event, user=user, role=EventRole.Role.OFFICIAL, title="Phó Giám đốc")
    return user


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> None:
    """Each test, with its own event loop, gets its own channel layer.

    A server process has one event loop for its life; a test suite has one per test. The Redis
    layer keeps asyncio locks and queues bound to the loop that first used them, so a layer
    shared across tests can leave a later test's receive waiting on an earlier loop.
    """
    from channels.layers import channel_layers

    channel_layers.backends.clear()


@pytest.fixture
async def _close_the_hub():  # type: ignore[no-untyped-def]
    """After each async test, stop its event loop's hub, as a server process does when it exits.

    Added to every coroutine test in `pytest_collection_modifyitems` (not autouse: the browser
    tests run Playwright's own loop, where an async fixture cannot run).
    """
    yield
    from live.hub import _hubs

    hub = _hubs.pop(asyncio.get_running_loop(), None)
    if hub is not None:
        await hub.close()
    from live.admission import close_for_running_loop

    await close_for_running_loop()
    # The thread that runs the sockets' (and the test's) database work gives its connection
    # back, as the server's request handling does; a pooled connection held there would keep
    # the test database from being dropped at the end.
    await sync_to_async(connections.close_all)()
    from live.threads import close_reads

    await asyncio.to_thread(close_reads)


# The legal Q&A: an organiser of an agency of its own, and that agency's standing Q&A.
@pytest.fixture
def qa_organiser(db: None) -> User:
    """An organiser of an agency of its own (AgencyMembershipFactory's), with nothing in it yet."""
    return AgencyMembershipFactory().user


@pytest.fixture
def standing(qa_organiser: User) -> Event:
    """The standing legal Q&A of `qa_organiser`'s agency, answered within 10 working days."""
    agency = qa_organiser.agency_memberships.get().agency
    return open_standing_qa(actor=qa_organiser, agency=agency, answer_days=10)
