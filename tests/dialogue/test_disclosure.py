"""What is public: one rule for questions and answers, the same on every surface.

An answer is public once its question is, the answer is published and the dialogue's archive is
(the dialogue has ended). Catalogue search, the archive, the API and the feed all say the same.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogue import selectors
from dialogue.models import Answer, Question
from events.models import Event
from tests.factories import AnswerFactory, EventFactory, QuestionFactory

pytestmark = pytest.mark.django_db

SECRET = "Điều137bímật"


def answered(status: str) -> Question:
    event = EventFactory(status=status)
    question = QuestionFactory(
        event=event, text="Thu hồi đất nông nghiệp?", status=Question.Status.ANSWERED
    )
    AnswerFactory(question=question, body=SECRET, published_at=timezone.now())
    return question


def every_surface(client, question: Question) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What each public surface shows about this question's dialogue, as text."""
    slug = question.event.slug
    pages = {
        "search by the question": client.get(reverse("dialogue:catalogue"), {"q": "thu hồi đất"}),
        "search by the answer": client.get(reverse("dialogue:catalogue"), {"q": SECRET}),
        "archive": client.get(reverse("dialogue:archive", args=[slug])),
        "api questions": client.get(f"/api/events/{slug}/questions"),
        "api answers": client.get("/api/answers"),
        "feed": client.get(reverse("dialogue:answers_feed")),
    }
    return {name: _shown(name, response) for name, response in pages.items()}


def _shown(name: str, response) -> str:  # type: ignore[no-untyped-def]
    if name == "archive" and response.status_code == 404:
        return ""  # no archive before the dialogue ends
    assert response.status_code == 200, name
    if name.startswith("api"):
        return json.dumps(response.json(), ensure_ascii=False)
    text = response.content.decode()
    if name.startswith("search"):
        # The results only: the heading repeats the words typed.
        results = text[text.index('id="search-results"') :]
        return results[results.index("</h2>") : results.index("</section>")]
    return text


@pytest.mark.parametrize("status", [Event.Status.SCHEDULED, Event.Status.LIVE])
def test_no_surface_shows_an_answer_before_the_archive_is_public(client, status):
    question = answered(status)
    for surface, text in every_surface(client, question).items():
        assert SECRET not in text, surface


@pytest.mark.parametrize("status", [Event.Status.ENDED, Event.Status.ARCHIVED])
def test_every_surface_shows_the_answer_once_the_archive_is_public(client, status):
    question = answered(status)
    for surface, text in every_surface(client, question).items():
        assert SECRET in text, surface


def test_a_draft_answer_is_shown_nowhere_even_in_a_public_archive(client):
    question = answered(Event.Status.ARCHIVED)
    Answer.objects.filter(question=question).update(published_at=None)
    for surface, text in every_surface(client, question).items():
        assert SECRET not in text, surface


@pytest.mark.parametrize("event_status", Event.Status.values)
@pytest.mark.parametrize("question_status", Question.Status.values)
@pytest.mark.parametrize("published", [True, False])
def test_the_rule_in_python_and_in_the_database_agree(event_status, question_status, published):
    question = answered(event_status)
    if question_status != Question.Status.ANSWERED:
        # Any other status carries no answer facts (the `answered_is_one_fact` constraint).
        Question.objects.filter(pk=question.pk).update(
            status=question_status, answered_at=None, answered_how=""
        )
    if not published:
        Answer.objects.filter(question=question).update(published_at=None)
    question = Question.objects.select_related("event", "answer").get(pk=question.pk)
    in_database = selectors.public_answers().filter(pk=question.pk).exists()
    assert selectors.answer_is_public(question) is in_database
    assert selectors.public_questions().filter(pk=question.pk).exists() is (
        question.is_public and event_status != Event.Status.DRAFT
    )
