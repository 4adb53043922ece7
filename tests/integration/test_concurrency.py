"""Concurrent writers against the real PostgreSQL server."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from django.db import connection, connections

from dialogue import services
from dialogue.models import Question, Vote
from tests.factories import EventFactory, ParticipantFactory, QuestionFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def run_together(jobs: list[Callable[[], object]]) -> list[BaseException]:
    """Start every job at the same moment on its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_the_suite_really_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_concurrent_votes_are_counted_exactly():
    event = EventFactory()
    question = QuestionFactory(event=event)
    voters = [ParticipantFactory(event=event) for _ in range(40)]
    jobs = [lambda p=p: services.vote(participant=p, question_id=question.pk) for p in voters]
    # Each voter also repeats the vote at the same time: still one vote each.
    jobs += [lambda p=p: services.vote(participant=p, question_id=question.pk) for p in voters[:10]]
    assert run_together(jobs) == []
    question.refresh_from_db()
    assert Vote.objects.filter(question=question).count() == 40
    assert question.vote_count == 40


def test_concurrent_votes_and_unvotes_leave_the_count_equal_to_the_rows():
    event = EventFactory()
    question = QuestionFactory(event=event)
    voters = [ParticipantFactory(event=event) for _ in range(30)]
    for voter in voters[:15]:
        services.vote(participant=voter, question_id=question.pk)
    jobs = [
        lambda p=p: services.unvote(participant=p, question_id=question.pk) for p in voters[:15]
    ]
    jobs += [lambda p=p: services.vote(participant=p, question_id=question.pk) for p in voters[15:]]
    assert run_together(jobs) == []
    question.refresh_from_db()
    assert question.vote_count == Vote.objects.filter(question=question).count() == 15


def test_a_retried_ask_racing_the_first_stores_one_question():
    participant = ParticipantFactory(event=EventFactory())
    client_id = uuid.uuid4()
    jobs = [
        lambda: services.ask_question(
            participant=participant, text="Hỏi một lần", client_id=client_id
        )
        for _ in range(8)
    ]
    assert run_together(jobs) == []
    assert Question.objects.filter(author=participant).count() == 1


def test_concurrent_asks_get_distinct_consecutive_sequence_numbers():
    event = EventFactory()
    askers = [ParticipantFactory(event=event) for _ in range(20)]
    jobs = [
        lambda p=p: services.ask_question(
            participant=p, text=f"Câu hỏi của {p.pk}", client_id=uuid.uuid4()
        )
        for p in askers
    ]
    assert run_together(jobs) == []
    event.refresh_from_db()
    assert event.public_seq == 20


def test_concurrent_batches_touching_the_same_rows_neither_deadlock_nor_miscount():
    # Two workers storing batches at once: each takes row locks in id order (vote_store).
    event = EventFactory()
    questions = [QuestionFactory(event=event) for _ in range(6)]
    voters = [ParticipantFactory(event=event) for _ in range(8)]

    def batch(order: list[int], up: bool) -> Callable[[], object]:
        return lambda: services.cast_ballots(
            ballots=[
                services.Ballot(voter.pk, questions[i].pk, up=up) for voter in voters for i in order
            ]
        )

    jobs = [batch([0, 1, 2, 3, 4, 5], True), batch([5, 4, 3, 2, 1, 0], True)] * 3
    jobs += [batch([0, 2, 4], False), batch([4, 2, 0], False)]
    assert run_together(jobs) == []
    for question in Question.objects.filter(event=event):
        assert question.vote_count == Vote.objects.filter(question=question).count()
