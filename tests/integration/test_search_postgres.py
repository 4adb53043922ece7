"""Full-text search in the archive on the real PostgreSQL: unaccent, with "đ" folded too."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dialogue.models import Question
from dialogue.selectors import search_questions
from events.models import Event
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def asked(event: Event, text: str, **fields: object) -> Question:
    return QuestionFactory(author=ParticipantFactory(event=event), text=text, **fields)


@pytest.fixture
def archive() -> dict[str, Question]:
    event = EventFactory(status=Event.Status.ENDED, legal_field=Event.LegalField.LAND)
    land = asked(event, "Tranh chấp ĐẤT ĐAI giữa hai hộ liền kề giải quyết ở đâu?")
    answered = asked(event, "Hồ sơ đăng ký kết hôn gồm những gì?", status=Question.Status.ANSWERED)
    AnswerFactory(
        question=answered,
        body="Theo Điều 18 Luật Hộ tịch, hai bên nộp tờ khai và giấy tờ tùy thân.",
        published_at=timezone.now(),
    )
    unpublished = asked(event, "Thuế đất phi nông nghiệp?", status=Question.Status.ANSWERED)
    AnswerFactory(question=unpublished, body="Điều 999 bí mật", published_at=None)
    asked(event, "Đất đai chưa duyệt", status=Question.Status.PENDING)
    return {"land": land, "answered": answered, "unpublished": unpublished}


def test_the_unaccent_extension_is_installed():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'unaccent'")
        assert cursor.fetchone() == ("unaccent",)


@pytest.mark.parametrize("query", ["đất đai", "dat dai", "DAT DAI", "Đất Đai", "tranh chap dat"])
def test_land_disputes_are_found_with_or_without_diacritics(archive, query):
    assert search_questions(query=query) == [archive["land"]]


@pytest.mark.parametrize("query", ["luật hộ tịch", "luat ho tich", "dieu 18"])
def test_published_answers_are_searched_too(archive, query):
    assert search_questions(query=query) == [archive["answered"]]


def test_unpublished_answers_and_pending_questions_are_never_searched(archive):
    assert search_questions(query="dieu 999") == []
    assert search_questions(query="chua duyet") == []


def test_every_word_must_match_and_filters_apply(archive):
    assert search_questions(query="dat hon") == []
    assert search_questions(query="dat dai", legal_field="tax") == []
    assert search_questions(query="dat dai", agency=AgencyFactory()) == []


def test_the_catalogue_shows_the_results(client, archive):
    page = client.get(reverse("dialogue:catalogue"), {"q": "dat dai"}).content.decode()
    assert "Tranh chấp ĐẤT ĐAI" in page
