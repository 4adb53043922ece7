"""Answer ratings: 1 to 5, once per participant, for published answers only; never who rated."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue import services
from dialogue.models import AnswerRating, Question
from events.models import Event, EventRole
from live.errors import InvalidMessage, NotAllowed, NotFound
from reports.selectors import dialogue_report
from tests.dialogue.test_views import join
from tests.factories import (
    AnswerFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def answered(event: Event, *, official=None, published: bool = True) -> Question:  # type: ignore[no-untyped-def]
    question = QuestionFactory(event=event, status=Question.Status.ANSWERED)
    AnswerFactory(
        question=question,
        official=official,
        body="Theo Điều 220 …",
        published_at=timezone.now() if published else None,
    )
    return question


@pytest.fixture
def ended(event: Event) -> Event:
    Event.objects.filter(pk=event.pk).update(status=Event.Status.ENDED)
    event.refresh_from_db()
    return event


def test_a_participant_rates_once_and_a_second_rating_replaces_the_first(ended):
    question, rater = answered(ended), ParticipantFactory(event=ended)
    services.rate_answer(participant=rater, question_id=question.pk, score=4, comment="Rõ ràng")
    services.rate_answer(participant=rater, question_id=question.pk, score="2")
    rating = AnswerRating.objects.get()
    assert (rating.score, rating.comment, rating.participant) == (2, "", rater)


def test_the_database_itself_refuses_a_second_row_and_a_score_out_of_range(ended):
    question, rater = answered(ended), ParticipantFactory(event=ended)
    AnswerRating.objects.create(answer=question.answer, participant=rater, score=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnswerRating.objects.create(answer=question.answer, participant=rater, score=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnswerRating.objects.create(
            answer=question.answer, participant=ParticipantFactory(event=ended), score=6
        )


@pytest.mark.parametrize("score", [0, 6, "x", "", True, 3.5, None])
def test_a_score_that_is_not_1_to_5_changes_nothing(ended, score):
    question = answered(ended)
    with pytest.raises(InvalidMessage) as raised:
        services.rate_answer(
            participant=ParticipantFactory(event=ended), question_id=question.pk, score=score
        )
    assert raised.value.code == "invalid_score"
    assert not AnswerRating.objects.exists()


def test_a_comment_too_long_changes_nothing(ended):
    question = answered(ended)
    with pytest.raises(InvalidMessage):
        services.rate_answer(
            participant=ParticipantFactory(event=ended),
            question_id=question.pk,
            score=5,
            comment="x" * 501,
        )
    assert not AnswerRating.objects.exists()


def test_only_published_answers_of_the_participant_s_dialogue_can_be_rated(ended):
    rater = ParticipantFactory(event=ended)
    unpublished = answered(ended, published=False)
    not_answered = QuestionFactory(event=ended)
    elsewhere = answered(EventFactory(status=Event.Status.ENDED))
    for question in (unpublished, not_answered, elsewhere):
        with pytest.raises(NotFound):
            services.rate_answer(participant=rater, question_id=question.pk, score=5)
    assert not AnswerRating.objects.exists()


def test_a_banned_participant_cannot_rate(ended):
    question = answered(ended)
    rater = ParticipantFactory(event=ended, banned_at=timezone.now())
    with pytest.raises(NotAllowed):
        services.rate_answer(participant=rater, question_id=question.pk, score=5)
    assert not AnswerRating.objects.exists()


def test_a_nickname_participant_rates_from_the_archive_and_sees_the_mean(client, event):
    join(client, event, "Chị Lan")
    question = answered(event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.ENDED)
    url = reverse("dialogue:rate", args=[event.slug, question.pk])
    response = client.post(url, {"score": "4", "comment": "Dễ hiểu"}, follow=True)
    assert response.status_code == 200
    assert AnswerRating.objects.get().score == 4
    page = response.content.decode()
    assert 'data-rating-count="1"' in page
    assert "4,0 / 5" in page or "4.0 / 5" in page
    assert 'value="4" required checked' in page


def test_rating_needs_a_participant_and_a_csrf_token(event):
    question = answered(event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.ENDED)
    url = reverse("dialogue:rate", args=[event.slug, question.pk])
    stranger = Client()
    stranger.post(url, {"score": "5"})
    assert not AnswerRating.objects.exists()
    guarded = Client(enforce_csrf_checks=True)
    assert guarded.post(url, {"score": "5"}).status_code == 403
    assert not AnswerRating.objects.exists()


def test_the_report_reconciles_and_never_names_a_rater(ended, organiser):
    official = UserFactory(display_name="Cán bộ Long")
    EventRole.objects.create(event=ended, user=official, role=EventRole.Role.OFFICIAL)
    first, second = answered(ended, official=official), answered(ended)
    raters = [ParticipantFactory(event=ended, nickname=f"Người chấm {n}") for n in range(4)]
    for rater, score in zip(raters, (5, 4, 4, 1), strict=True):
        services.rate_answer(participant=rater, question_id=first.pk, score=score)
    services.rate_answer(participant=raters[0], question_id=second.pk, score=3)
    report = dialogue_report(ended)
    rows = list(AnswerRating.objects.filter(answer__question__event=ended).values_list("score"))
    scores = [score for (score,) in rows]
    assert report.satisfaction.ratings == len(scores) == 5
    assert report.satisfaction.average == round(sum(scores) / len(scores), 1)
    assert report.satisfaction.distribution == [scores.count(n) for n in range(1, 6)]
    ((name, by_official),) = report.satisfaction_by_official
    assert (name, by_official.ratings, by_official.average) == ("Cán bộ Long", 4, 3.5)
    from tests.reports.test_reports import staff_client

    page = staff_client(organiser).get(reverse("reports:dialogue", args=[ended.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-figure="satisfaction"' in text
    assert not any(rater.nickname in text for rater in raters)
