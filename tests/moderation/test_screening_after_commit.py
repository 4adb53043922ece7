"""A new question is screened after the asker's transaction commits, never inside it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from dialogue import services
from dialogue.models import Question
from dialogue.signals import question_asked
from moderation.models import BannedWord
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_screening_waits_for_the_commit_of_the_ask(event, django_capture_on_commit_callbacks):
    seen: list[int] = []

    def record(sender: Any, question_id: int, **kwargs: Any) -> None:
        seen.append(question_id)

    question_asked.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            question = services.ask_question(
                participant=ParticipantFactory(event=event), text="Hỏi?", client_id=uuid.uuid4()
            )
            assert seen == []  # not inside the asker's transaction
        for callback in callbacks:
            callback()
    finally:
        question_asked.disconnect(record)
    assert seen == [question.pk]


def test_a_failing_screening_neither_undoes_nor_fails_the_ask(
    event, django_capture_on_commit_callbacks
):
    def broken(sender: Any, question_id: int, **kwargs: Any) -> None:
        raise RuntimeError("screening failed")

    BannedWord.objects.create(agency=event.agency, phrase="lừa đảo")
    question_asked.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            question = services.ask_question(
                participant=ParticipantFactory(event=event),
                text="Có phải lừa đảo không?",
                client_id=uuid.uuid4(),
            )
    finally:
        question_asked.disconnect(broken)
    assert Question.objects.filter(pk=question.pk).exists()
