"""Personas and shared fixtures; the integration and browser tiers are switched on here."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings

from events.models import Event, EventRole, User
from tests.factories import (
    AgencyMembershipFactory,
    EventFactory,
    EventRoleFactory,
    ParticipantFactory,
    UserFactory,
)

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
def _fresh_rate_limits() -> None:
    from dialogue import ratelimit

    ratelimit.reset()


@pytest.fixture(autouse=True)
def _fresh_catalogue() -> None:
    """A cached catalogue outlives a test's rolled-back rows; each test starts a new generation."""
    from dialogue import fragments

    fragments.catalogue_changed()


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
