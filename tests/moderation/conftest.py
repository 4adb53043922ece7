from __future__ import annotations

import pytest

from events.models import Event, EventRole, User
from tests.factories import EventFactory, UserFactory


@pytest.fixture
def live_event(db: None) -> Event:
    return EventFactory(moderation_mode=Event.Moderation.PRE)


@pytest.fixture
def moderator(live_event: Event) -> User:
    user = UserFactory(display_name="Phạm Thu Hà")
    EventRole.objects.create(event=live_event, user=user, role=EventRole.Role.MODERATOR)
    return user


@pytest.fixture
def second_moderator(live_event: Event) -> User:
    user = UserFactory(display_name="Lê Văn Nam")
    EventRole.objects.create(event=live_event, user=user, role=EventRole.Role.MODERATOR)
    return user


@pytest.fixture
def official(live_event: Event) -> User:
    user = UserFactory(display_name="Nguyễn Đức Long")
    EventRole.objects.create(event=live_event, user=user, role=EventRole.Role.OFFICIAL)
    return user
