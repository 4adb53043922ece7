"""A moment is written one way per language on every page: "05/03/2026 08:30" in Vietnamese,
"5 Mar 2026 08:30" in English, in Hanoi time, through one helper (events/moments.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dialogue.models import Answer, Question
from events.models import Event, EventRole, User
from events.moments import format_day, format_moment
from tests.factories import (
    EventFactory,
    EventRoleFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
)

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 5, 6, 59, tzinfo=UTC)  # 13:59 in Asia/Ho_Chi_Minh
WRITTEN = {"vi": "05/03/2026 13:59", "en": "5 Mar 2026 13:59"}
DAY = {"vi": "05/03/2026", "en": "5 Mar 2026"}
# What another format would write somewhere: a 12-hour clock, Django's English or Vietnamese
# long dates, the time before the date.
OTHER_FORMATS = re.compile(r"[ap]\.m\.|\b[AP]M\b|tháng|thg|March 5|Mar\. 5|13:59, 05/03")

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Formats for machines (ISO 8601, form values) and the fixed Vietnamese of the official report.
MACHINE_FORMATS = {"'c'", '"c"', "'Y-m-d'", '"Y-m-d"', '"H:i"'}
FIXED_VIETNAMESE = {"_official_report.html"}
FILTER = re.compile(r"\|(date|time|naturaltime|naturalday)(:(\S+?))?[\s}%]")


def in_language(client: Client, language: str) -> Client:
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client


@pytest.fixture
def ended_event(db: None) -> Event:
    event = EventFactory(
        starts_at=MOMENT, ends_at=MOMENT + timedelta(hours=2), status=Event.Status.ENDED
    )
    question = QuestionFactory(event=event, author__event=event, text="Hỏi về đất đai?")
    Question.objects.filter(pk=question.pk).update(
        created_at=MOMENT,
        status=Question.Status.ANSWERED,
        answered_at=MOMENT,
        answered_how=Question.AnsweredHow.WRITTEN,
    )
    Answer.objects.create(
        question=question, kind=Answer.Kind.WRITTEN, body="Trả lời.", published_at=MOMENT
    )
    return event


@pytest.fixture
def official(ended_event: Event) -> User:
    user = UserFactory(display_name="Hoàng Cán Bộ")
    EventRoleFactory(event=ended_event, user=user, role=EventRole.Role.OFFICIAL)
    QuestionFactory(event=ended_event, routed_to=user, answer_due_at=MOMENT)
    enable_totp(user)
    return user


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_helper_writes_one_format_per_language_in_hanoi_time(language):
    with translation.override(language):
        assert format_moment(MOMENT) == WRITTEN[language]
        assert format_day(MOMENT) == DAY[language]
        assert format_day(date(2026, 3, 5)) == DAY[language]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_pages_that_show_moments_write_them_in_the_language_s_one_format(
    client, ended_event, official, language
):
    in_language(client, language)
    catalogue = client.get("/?status=ended").content.decode()
    page = client.get(ended_event.get_absolute_url()).content.decode()
    archive = client.get(reverse("dialogue:archive", args=[ended_event.slug])).content.decode()
    client.force_login(official)
    due = client.get(reverse("moderation:due", args=[ended_event.slug])).content.decode()

    assert f">{WRITTEN[language]}</time> – 15:59" in catalogue
    assert f">{WRITTEN[language]}</time> – 15:59" in page
    assert f">{WRITTEN[language]}</time>" in page  # the question's time
    assert archive.count(WRITTEN[language]) >= 2  # the dialogue's and the answer's
    assert DAY[language] in due
    for html in (catalogue, page, archive, due):
        assert not OTHER_FORMATS.search(html)


def test_templates_write_moments_for_people_through_the_helper_only():
    stray = []
    for path in TEMPLATES.rglob("*"):
        if not path.is_file() or path.name in FIXED_VIETNAMESE:
            continue
        for match in re.finditer(
            r"\|(date|time|naturaltime|naturalday)(:(\S+?))?[\s}%]", path.read_text()
        ):
            if (
                match.group(1) in ("naturaltime", "naturalday")
                or match.group(3) not in MACHINE_FORMATS
            ):
                stray.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert stray == []
