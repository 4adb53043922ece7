"""A moment is written one way on every citizen page: "08:30, 05/03/2026", in Hanoi time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogue.models import Question
from events.models import Event
from tests.factories import AnswerFactory, EventFactory, QuestionFactory

pytestmark = pytest.mark.django_db

STARTS = datetime(2026, 3, 5, 1, 30, tzinfo=UTC)  # 08:30 in Asia/Ho_Chi_Minh
WRITTEN = "08:30, 05/03/2026"


def test_the_catalogue_the_event_page_and_the_archive_write_a_moment_the_same_way(client):
    event = EventFactory(
        starts_at=STARTS, ends_at=STARTS + timedelta(hours=2), status=Event.Status.ENDED
    )
    question = QuestionFactory(event__agency=event.agency, author__event=event)
    Question.objects.filter(pk=question.pk).update(
        created_at=STARTS,
        status=Question.Status.ANSWERED,
        answered_at=STARTS,
        answered_how=Question.AnsweredHow.WRITTEN,
    )
    AnswerFactory(question=question, body="Trả lời.", published_at=STARTS)

    catalogue = client.get("/").content.decode()
    page = client.get(event.get_absolute_url()).content.decode()
    archive = client.get(reverse("dialogue:archive", args=[event.slug])).content.decode()

    assert f">{WRITTEN}</time> – 10:30" in catalogue
    assert f">{WRITTEN}</time> – 10:30" in page
    assert f">{WRITTEN}</time>" in archive  # the dialogue's date and the answer's
    assert archive.count(WRITTEN) == 2
    for html in (catalogue, page, archive):
        assert "tháng" not in html
        assert "05-03-2026" not in html


def test_a_question_shows_its_time_today_and_its_date_beside_it_on_another_day(client):
    event = EventFactory()
    today = QuestionFactory(author__event=event, text="Hỏi hôm nay")
    earlier = QuestionFactory(author__event=event, text="Hỏi hôm trước")
    Question.objects.filter(pk=earlier.pk).update(created_at=STARTS)

    page = client.get(event.get_absolute_url()).content.decode()

    asked_today = timezone.localtime(today.created_at).strftime("%H:%M")
    assert f">{asked_today}</time>" in page
    assert f">{WRITTEN}</time>" in page
