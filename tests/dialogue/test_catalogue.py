"""The catalogue and the archive search: filters, clear refusals, Vietnamese folded for search."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogue.models import Question
from dialogue.selectors import fold, search_questions
from events.models import Event
from tests.dialogue.scenes import archived_dialogue
from tests.factories import (
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db


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
