from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import SessionBase

from consultation import services
from consultation.demo import DRAFT_TEXT
from consultation.models import Commenter, Draft
from dialogue.models import Participant
from events.models import Event, User
from tests.factories import ParticipantFactory


@pytest.fixture
def draft(event: Event, organiser: User) -> Draft:
    """The demo draft, open for comments, in `event` (pre-moderated)."""
    Event.objects.filter(pk=event.pk).update(moderation_mode=Event.Moderation.PRE)
    event.refresh_from_db()
    created = services.create_draft(
        actor=organiser, agency=event.agency, event=event, title="Dự thảo thử", text=DRAFT_TEXT
    )
    return services.change_draft_status(actor=organiser, draft=created, status=Draft.Status.OPEN)


@pytest.fixture
def nickname(event: Event) -> Commenter:
    """A citizen with a nickname in the draft's dialogue."""
    return Commenter(participant=ParticipantFactory(event=event, nickname="Chị Lan"), user=None)


@pytest.fixture
def signed_in(event: Event, citizen: User) -> Commenter:
    participant = Participant.objects.create(event=event, user=citizen)
    return Commenter(participant=participant, user=citizen)


@pytest.fixture
def session() -> SessionBase:
    return SessionBase()
