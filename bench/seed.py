"""Bench data in its own PostgreSQL database: a live dialogue, questions, participants' cookies."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import psycopg

# One question's text is sized so that its `question.published` frame is about 1 KB.
TEXT = (
    "Xin hỏi về thủ tục tách thửa đất nông nghiệp theo Luật Đất đai năm 2024: diện tích tối thiểu, "
    "hồ sơ cần nộp, thời hạn giải quyết và lệ phí ở cấp huyện? "
)


def question_text(number: int, size: int = 860) -> str:
    body = f"[{number}] " + TEXT * (size // len(TEXT) + 1)
    return body[:size]


def ensure_database(url: str) -> None:
    """Create the bench database once and bring its schema up to date."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def setup_django(env: dict[str, str]) -> None:
    """Django for the driver, with the servers' settings (the same secret signs the sessions)."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def new_event(
    label: str,
    *,
    pending: int = 0,
    approved: int = 0,
    voters: int = 0,
    text_size: int = 860,
    moderation: str = "pre",
) -> tuple[int, str, list[int], list[str]]:
    """A fresh live dialogue: (event id, slug, pending question ids, voters' Cookie headers)."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from dialogue.models import Participant, Question
    from dialogue.selectors import SESSION_KEY
    from events.models import Agency, Event

    agency, _ = Agency.objects.get_or_create(slug="bench", defaults={"name": "Sở Tư pháp (bench)"})
    now = timezone.now()
    slug = f"bench-{label}-{uuid.uuid4().hex[:8]}"
    event = Event.objects.create(
        agency=agency,
        slug=slug,
        title=f"Đối thoại chính sách – pháp luật (bench {label})",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=6),
        status=Event.Status.LIVE,
        moderation_mode=Event.Moderation(moderation),
        question_max_length=2000,
    )
    asker = Participant.objects.create(event=event, nickname="Người hỏi", joined_while_open=True)
    questions = [
        Question(
            event=event,
            author=asker,
            text=question_text(number, text_size),
            status=Question.Status.APPROVED if number < approved else Question.Status.PENDING,
            published_at=now if number < approved else None,
        )
        for number in range(approved + pending)
    ]
    Question.objects.bulk_create(questions, batch_size=1000)
    pending_ids = list(
        Question.objects.filter(event=event, status=Question.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    people = Participant.objects.bulk_create(
        [
            Participant(event=event, nickname=f"Công dân {n}", joined_while_open=True)
            for n in range(voters)
        ]
    )
    cookies = []
    for person in people:
        session = SessionStore()
        session[SESSION_KEY] = {str(event.pk): person.pk}
        session.save()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return event.pk, slug, pending_ids, cookies
