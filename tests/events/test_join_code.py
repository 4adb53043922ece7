"""Each dialogue's short join code: made unique, typed loosely, shown with its QR code."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from events import services
from events.models import JOIN_CODE_ALPHABET, Event, new_join_code, normalise_join_code
from tests.factories import AgencyMembershipFactory, EventFactory, enable_totp

pytestmark = pytest.mark.django_db


def test_codes_use_only_letters_and_digits_nobody_confuses():
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 6 and set(code) <= set(JOIN_CODE_ALPHABET) for code in codes)
    assert not set("01OIL") & set(JOIN_CODE_ALPHABET)


def test_every_dialogue_gets_its_own_code_and_the_database_keeps_it_unique():
    first, second = EventFactory(), EventFactory()
    assert first.join_code != second.join_code
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=second.pk).update(join_code=first.join_code)


@pytest.mark.parametrize(("typed", "stored"), [("abc234", "ABC234"), (" ABC-234 ", "ABC234")])
def test_a_code_is_read_as_typed(typed, stored):
    assert normalise_join_code(typed) == stored


def test_the_short_link_leads_to_the_dialogue(client):
    event = EventFactory()
    response = client.get(f"/j/{event.join_code.lower()}/")
    assert response.status_code == 302
    assert response.headers["Location"] == event.get_absolute_url()


def test_the_home_page_box_leads_to_the_dialogue_or_says_why_not(client):
    event = EventFactory()
    home = client.get(reverse("dialogue:catalogue")).content.decode()
    assert reverse("events:join_by_code") in home

    found = client.get(
        reverse("events:join_by_code"), {"code": f"{event.join_code[:3]} {event.join_code[3:]}"}
    )
    assert found.headers["Location"] == event.get_absolute_url()

    missing = client.get(reverse("events:join_by_code"), {"code": "ZZZ999"})
    assert missing.status_code == 404
    assert "ZZZ999" in missing.content.decode()
    assert client.get(reverse("events:join_by_code"), {"code": " "}).status_code == 400


def test_a_draft_dialogue_cannot_be_reached_by_its_code(client):
    draft = EventFactory(status=Event.Status.DRAFT)
    assert client.get(f"/j/{draft.join_code}/").status_code == 404
    assert client.get(reverse("events:join_by_code"), {"code": draft.join_code}).status_code == 404


def test_the_event_and_organiser_pages_show_the_code_and_its_qr(client):
    event = EventFactory()
    page = client.get(event.get_absolute_url()).content.decode()
    assert event.join_code in page
    assert 'src="data:image/svg+xml' in page
    assert f"/j/{event.join_code}/" in page

    organiser = AgencyMembershipFactory(agency=event.agency).user
    enable_totp(organiser)
    client.force_login(organiser)
    managed = client.get(reverse("events:manage:event", args=[event.agency.slug, event.slug]))
    assert event.join_code in managed.content.decode()


def test_a_copied_dialogue_gets_a_new_code():
    event = EventFactory()
    organiser = AgencyMembershipFactory(agency=event.agency).user
    copy = services.clone_event(actor=organiser, event=event)
    assert copy.join_code != event.join_code


def test_the_stage_screen_shows_the_code_and_its_short_link(client):
    event = EventFactory()
    page = client.get(reverse("stage:screen", args=[event.stage_token])).content.decode()
    assert event.join_code in page
    assert f"/j/{event.join_code}/" in page
