from __future__ import annotations

import pytest

from events import services
from events.models import Event, EventRole, User
from tests.factories import AgencyMembershipFactory, EventFactory, UserFactory


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


@pytest.fixture
def qa_organiser(db: None) -> User:
    """An organiser of an agency of its own (AgencyMembershipFactory's), with nothing in it yet."""
    return AgencyMembershipFactory().user


@pytest.fixture
def standing(qa_organiser: User) -> Event:
    """The standing legal Q&A of `qa_organiser`'s agency, answered within 10 working days."""
    agency = qa_organiser.agency_memberships.get().agency
    return services.open_standing_qa(actor=qa_organiser, agency=agency, answer_days=10)
