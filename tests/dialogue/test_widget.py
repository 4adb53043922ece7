"""The widget agency portals frame, and which sites may frame it (frame-ancestors)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.models import Event
from tests.dialogue.scenes import archived_dialogue
from tests.factories import (
    EventFactory,
)

pytestmark = pytest.mark.django_db


def frame_ancestors(response) -> list[str]:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    (directive,) = [d.strip() for d in policy.split(";") if d.strip().startswith("frame-ancestors")]
    return directive.split()[1:]


def test_the_widget_may_be_framed_by_the_agencys_sites_and_those_above_it(client):
    event, _question = archived_dialogue()
    event.agency.embed_origins = "https://stp.hanam.gov.vn"
    event.agency.save()
    event.agency.parent.embed_origins = "https://hanam.gov.vn"
    event.agency.parent.save()
    response = client.get(reverse("dialogue:embed_event", args=[event.slug]))
    assert response.status_code == 200
    assert frame_ancestors(response) == [
        "'self'",
        "https://stp.hanam.gov.vn",
        "https://hanam.gov.vn",
    ] or frame_ancestors(response) == ["'self'", "https://hanam.gov.vn", "https://stp.hanam.gov.vn"]
    assert "X-Frame-Options" not in response
    assert "Thủ tục tách thửa" in response.content.decode()
    province = client.get(reverse("dialogue:embed_agency", args=["ha-nam"]))
    assert frame_ancestors(province) == ["'self'", "https://hanam.gov.vn"]


def test_the_widget_is_refused_to_other_sites_and_other_pages_are_not_framed(client):
    event, _question = archived_dialogue()
    response = client.get(reverse("dialogue:embed_agency", args=[event.agency.slug]))
    assert frame_ancestors(response) == ["'self'"]
    page = client.get(event.get_absolute_url())
    assert frame_ancestors(page) == ["'self'"]
    assert page["X-Frame-Options"] == "SAMEORIGIN"


def test_a_stored_origin_that_is_not_clean_never_reaches_the_header(client):
    event, _question = archived_dialogue()
    event.agency.embed_origins = "https://ok.gov.vn\nhttps://x.vn; script-src *"
    event.agency.save()
    response = client.get(reverse("dialogue:embed_event", args=[event.slug]))
    assert frame_ancestors(response) == ["'self'", "https://ok.gov.vn"]
    assert "script-src *" not in response["Content-Security-Policy"]


def test_the_widget_of_a_draft_is_not_found(client):
    draft = EventFactory(status=Event.Status.DRAFT)
    assert client.get(reverse("dialogue:embed_event", args=[draft.slug])).status_code == 404


# --- The JSON API ---------------------------------------------------------------------------------
