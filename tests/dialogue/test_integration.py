"""What agencies and phones use from outside: catalogue filters and search, the calendars, the
Atom feed, the widget, the JSON API (checked against its OpenAPI document), the web app."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core import signals
from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from dialogue.models import Answer, Question
from dialogue.selectors import fold, search_questions
from events.models import Event, EventRole, LegalDocument
from tests.factories import (
    AgencyFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def archived_dialogue() -> tuple[Event, Question]:
    """An ended dialogue of a department of a province, with one published written answer."""
    province = AgencyFactory(name="UBND tỉnh Hà Nam", slug="ha-nam")
    department = AgencyFactory(name="Sở Tư pháp Hà Nam", slug="stp-ha-nam", parent=province)
    event = EventFactory(
        agency=department,
        slug="dat-dai-2025",
        title="Đối thoại về đất đai",
        status=Event.Status.ENDED,
        legal_field=Event.LegalField.LAND,
    )
    LegalDocument.objects.create(event=event, title="Luật Đất đai", number="31/2024/QH15")
    official = UserFactory(display_name="Lê Cán Bộ")
    EventRole.objects.create(event=event, user=official, role="official", title="Phó Giám đốc")
    question = QuestionFactory(
        event=event,
        author=ParticipantFactory(event=event, nickname="Bác Ba"),
        text="Thủ tục tách thửa đất nông nghiệp như thế nào?",
        status=Question.Status.ANSWERED,
    )
    Answer.objects.create(
        question=question,
        official=official,
        kind=Answer.Kind.WRITTEN,
        body="Theo Điều 220 Luật Đất đai, việc tách thửa <b>phải</b> bảo đảm diện tích tối thiểu.",
        published_at=timezone.now(),
    )
    return event, question


# --- Catalogue and search --------------------------------------------------------------------


def test_search_folds_vietnamese_so_diacritics_are_optional():
    assert fold("ĐẤT ĐAI") == fold("dat dai") == "dat dai"
    _event, question = archived_dialogue()
    QuestionFactory(text="Câu hỏi về thuế thu nhập cá nhân?")
    for query in ("đất nông nghiệp", "dat nong nghiep", "DAT NONG", "tach thua", "dieu 220"):
        assert search_questions(query=query) == [question], query
    assert search_questions(query="hôn nhân") == []
    assert search_questions(query="   ") == []


def test_search_never_shows_drafts_or_unpublished_questions():
    event, question = archived_dialogue()
    QuestionFactory(
        author=ParticipantFactory(event=event), text="Đất chờ duyệt", status=Question.Status.PENDING
    )
    draft = EventFactory(status=Event.Status.DRAFT)
    QuestionFactory(event=draft, text="Đất trong bản nháp")
    assert search_questions(query="dat") == [question]


def test_the_catalogue_filters_by_agency_field_and_date(client):
    event, _question = archived_dialogue()
    other = EventFactory(title="Đối thoại về thuế", legal_field=Event.LegalField.TAX)
    page = client.get(reverse("dialogue:catalogue"), {"agency": "ha-nam"}).content.decode()
    assert event.title in page
    assert other.title not in page
    page = client.get(reverse("dialogue:catalogue"), {"field": "tax"}).content.decode()
    assert other.title in page
    assert event.title not in page
    later = (timezone.localdate() + timedelta(days=2)).isoformat()
    page = client.get(reverse("dialogue:catalogue"), {"date_from": later}).content.decode()
    assert other.title not in page
    assert event.title not in page


def test_the_catalogue_searches_and_refuses_bad_filters_clearly(client):
    archived_dialogue()
    page = client.get(reverse("dialogue:catalogue"), {"q": "tach thua dat"}).content.decode()
    assert "Thủ tục tách thửa đất nông nghiệp" in page
    response = client.get(
        reverse("dialogue:catalogue"), {"date_from": "2025-05-02", "date_to": "2025-05-01"}
    )
    assert response.status_code == 400
    assert client.get(reverse("dialogue:catalogue"), {"field": "nope"}).status_code == 400


# --- iCalendar ---------------------------------------------------------------------------------


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
    Answer.objects.create(question=unpublished, kind=Answer.Kind.LIVE, body="Chưa công bố")
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


def test_the_api_shows_public_data_only_and_never_an_anonymous_name(client):
    event, question = archived_dialogue()
    anonymous = QuestionFactory(
        author=ParticipantFactory(event=event), text="Hỏi ẩn danh", is_anonymous=True
    )
    EventFactory(status=Event.Status.DRAFT, slug="ban-nhap")
    events = client.get("/api/events").json()
    assert [e["slug"] for e in events] == ["dat-dai-2025"]
    assert events[0]["agency"]["parent"] == "ha-nam"
    assert events[0]["legal_documents"][0]["number"] == "31/2024/QH15"
    assert client.get("/api/events/ban-nhap").status_code == 404
    questions = {q["id"]: q for q in client.get(f"/api/events/{event.slug}/questions").json()}
    assert questions[anonymous.pk]["author"] is None
    assert questions[question.pk]["answer"]["official_title"] == "Phó Giám đốc"
    (answer,) = client.get("/api/answers", {"agency": "ha-nam"}).json()
    assert answer["id"] == question.pk
    assert client.get("/api/answers", {"agency": "nope"}).status_code == 404
    assert client.get("/api/events", {"limit": 0}).status_code == 422


@pytest.fixture
def api_schema(db):  # type: ignore[no-untyped-def]
    archived_dialogue()
    EventFactory(slug="dang-dien-ra")
    # The WSGI app runs in this thread, on the test's transaction: like Django's test client,
    # keep it from closing the connection at the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_every_api_response_matches_the_openapi_document(api_schema):  # type: ignore[no-untyped-def]
    """Generated requests to every operation; each response is checked against the document."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):  # type: ignore[no-untyped-def]
            case.call_and_validate()

        check()


def test_the_api_examples_with_real_data_match_the_openapi_document(api_schema):
    for path, parameters in (
        ("/api/events", {}),
        ("/api/events/{slug}", {"slug": "dat-dai-2025"}),
        ("/api/events/{slug}/questions", {"slug": "dat-dai-2025"}),
        ("/api/answers", {}),
    ):
        case = api_schema[path]["GET"].Case(path_parameters=parameters)
        response = case.call()
        assert response.status_code == 200, (path, response.text)
        case.validate_response(response)


# --- On the phone --------------------------------------------------------------------------------


def test_the_manifest_and_service_worker_let_citizens_install_the_app(client):
    manifest = json.loads(client.get(reverse("dialogue:manifest")).content)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/")
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200
        # A file response holds its file open until the server closes it, after sending; a
        # server's close also ends the request's database connection, which the test keeps.
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)
    worker = client.get(reverse("dialogue:service_worker"))
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert "offline.html" in worker.content.decode()
    page = client.get(reverse("dialogue:catalogue")).content.decode()
    assert 'rel="manifest"' in page
    assert "js/pwa.js" in page


def test_the_event_page_is_light_enough_for_slow_3g(client):
    """HTML, CSS and scripts (with their imports) of a busy live event page, uncompressed."""
    event = EventFactory()
    for number in range(30):
        QuestionFactory(event=event, text=f"Câu hỏi số {number} về đăng ký kinh doanh hộ gia đình?")
    html = client.get(event.get_absolute_url()).content
    pending = [r.decode() for r in re.findall(rb'(?:src|href)="/static/([^"]+)"', html)]
    seen: set[str] = set()
    assets = 0
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = finders.find(name)
        assert path, name
        content = Path(path).read_bytes()
        assets += len(content)
        if name.endswith(".js"):
            folder = name.rpartition("/")[0]
            pending += [
                f"{folder}/{m}" for m in re.findall(r'from "\./([\w.-]+)"', content.decode())
            ]
    assert "js/live-socket.js" in seen
    # Slow 3G moves ~50 KB/s: under 100 KB uncompressed (about 12 KB gzipped, measured in
    # docs/integration.md), the page is readable in about two seconds on the first visit.
    assert len(html) + assets < 100_000, (len(html), assets)


def test_a_youtube_stream_is_shown_in_the_event_page_and_allowed_by_the_policy(client):
    event = EventFactory(stream_url="https://www.youtube.com/watch?v=abcdefghijk")
    response = client.get(event.get_absolute_url())
    assert 'src="https://www.youtube-nocookie.com/embed/abcdefghijk"' in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com" in policy
    other = EventFactory(stream_url="https://stream.example.org/live")
    page = client.get(other.get_absolute_url()).content.decode()
    assert "<iframe" not in page
    assert 'href="https://stream.example.org/live"' in page
