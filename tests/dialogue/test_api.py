"""The public JSON API: public data only, every response checked against its OpenAPI document."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from events.models import Event
from tests.dialogue.scenes import archived_dialogue
from tests.factories import (
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db


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
    # What no slug holds never reaches a query (a NUL is a 500 on PostgreSQL).
    for value in ("nope", "dat-dai\x00", "\x00"):
        assert client.get("/api/answers", {"event": value}).status_code == 404
        assert client.get("/api/answers", {"agency": value}).status_code == 404
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
