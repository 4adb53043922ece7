"""What agencies subscribe to: the iCalendar files and the Atom feed of published answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import icalendar
import pytest
from django.urls import reverse

from dialogue.models import Answer, Question
from events.models import Event
from tests.dialogue.scenes import archived_dialogue
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
    EventFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_agency_calendar_parses_back_with_its_public_dialogues(client):
    event, _question = archived_dialogue()
    EventFactory(agency=event.agency, title="Bản nháp", status=Event.Status.DRAFT)
    response = client.get(reverse("events:agency_calendar", args=["ha-nam"]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    entries = [c for c in calendar.walk("VEVENT")]
    assert [str(e["summary"]) for e in entries] == [event.title]
    assert entries[0].decoded("dtstart") == event.starts_at.replace(microsecond=0)
    assert str(entries[0]["url"]).endswith(event.get_absolute_url())
    assert calendar["version"] == "2.0"
    assert calendar["prodid"]


def test_an_event_calendar_is_one_entry_and_drafts_have_none(client):
    event, _question = archived_dialogue()
    calendar = icalendar.Calendar.from_ical(
        client.get(reverse("events:event_calendar", args=[event.slug])).content
    )
    (entry,) = calendar.walk("VEVENT")
    assert entry.decoded("dtend") == event.ends_at.replace(microsecond=0)
    assert entry["uid"] == f"event-{event.pk}@testserver"
    draft = EventFactory(status=Event.Status.DRAFT)
    assert client.get(reverse("events:event_calendar", args=[draft.slug])).status_code == 404


# --- Atom ---------------------------------------------------------------------------------------


def test_the_atom_feed_holds_published_answers_escaped(client):
    event, question = archived_dialogue()
    live = EventFactory()
    unpublished = QuestionFactory(event=live, status=Question.Status.ANSWERED)
    AnswerFactory(
        question=unpublished, kind=Answer.Kind.LIVE, body="Chưa công bố", published_at=None
    )
    response = client.get(reverse("dialogue:answers_feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.findtext(f"{ATOM}title") == question.text
    assert (
        entry.find(f"{ATOM}link").get("href").endswith(f"/e/{event.slug}/archive/#q{question.pk}")
    )
    summary = entry.findtext(f"{ATOM}summary")
    assert "&lt;b&gt;phải&lt;/b&gt;" in summary
    assert "<b>" not in summary
    assert entry.findtext(f"{ATOM}id").startswith("tag:")
    narrowed = ET.fromstring(
        client.get(reverse("dialogue:answers_feed"), {"agency": "ha-nam"}).content
    )
    assert len(narrowed.findall(f"{ATOM}entry")) == 1
    elsewhere = AgencyFactory()
    empty = ET.fromstring(
        client.get(reverse("dialogue:answers_feed"), {"agency": elsewhere.slug}).content
    )
    assert empty.findall(f"{ATOM}entry") == []
    assert client.get(reverse("dialogue:answers_feed"), {"agency": "nope"}).status_code == 404


# --- The widget ---------------------------------------------------------------------------------
