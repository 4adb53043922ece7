"""The demo data of `manage.py seed_demo`: read from `config/demo.json`; past dialogues filled in.

The agencies, accounts, dialogues and their questions are data, read from the JSON file beside
this module; the command (`config/management/commands/seed_demo.py`) creates them through the
services, as the audience, the moderators and the officials would.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from dialogue.models import Answer, AnswerRating, Participant, PresenceSample, Question, Vote
from events.models import Agency, Event, User

# The demo accounts' password, printed by the command and in the README: demo data only.
PASSWORD = "demo12345"  # noqa: S105
SITE_DOMAIN = "127.0.0.1:8000"
SITE_NAME = "Đối thoại chính sách – pháp luật"
LIVE_SLUG = "doi-thoai-luat-dat-dai-2024"

APPROVED = Question.Status.APPROVED
ANSWERED = Question.Status.ANSWERED
PENDING = Question.Status.PENDING
REJECTED = Question.Status.REJECTED

DATA = Path(__file__).with_name("demo.json")

# The demo's moderation decisions are taken by this account, named in the audit log: no person
# took them. It cannot sign in.
SYSTEM_EMAIL = "he-thong@doithoai.invalid"
SYSTEM_NAME = "Hệ thống (dữ liệu mẫu)"


@dataclass(frozen=True)
class DemoAccount:
    """One demo login; `key` is how the question data below refers to it."""

    key: str
    email: str
    display_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


@dataclass(frozen=True)
class DemoAgency:
    """An agency of the demo, as local government is since 1 July 2025: two levels.

    The province (Bắc Ninh, which Bắc Giang merged into) with its departments and its communes
    and wards; the districts, Tiên Du among them, were abolished. The Bắc Giang department of
    justice was merged into Bắc Ninh's on that day (`merged_into`, `merged_on`). The commune's
    and the ward's names (Hòa Bình, Trung Hòa) are illustrative, not the names the 2025
    resolutions gave Bắc Ninh's new communes and wards.
    """

    slug: str
    name: str
    description: str
    parent: str | None = None
    merged_into: str | None = None
    merged_on: str | None = None  # ISO date, in Vietnam's time


@dataclass(frozen=True)
class Ask:
    """A demo question: who asks (a nickname, or "@key" for an account) and what becomes of it."""

    who: str
    text: str
    status: str = APPROVED
    votes: int = 0
    anonymous: bool = False
    # Minutes after the start of the event when it was asked; None keeps the real moment.
    at: int | None = None

    def __post_init__(self) -> None:
        if self.votes and self.status not in Question.PUBLIC_STATUSES:
            raise ValueError(f"only public questions can have votes: {self.text[:40]!r}")


@dataclass(frozen=True)
class DemoEvent:
    """A demo dialogue with its questions and the participants who only vote."""

    slug: str
    agency: DemoAgency
    title: str
    description: str
    status: str
    moderation_mode: str = Event.Moderation.PRE
    allow_anonymous: bool = True
    question_max_length: int = 500
    asks: Sequence[Ask] = ()
    voters: Sequence[str] = ()


@dataclass(frozen=True)
class PastDialogue:
    """A dialogue held months ago, with its outcome in counts, so that the reports show history."""

    slug: str
    agency: DemoAgency
    title: str
    legal_field: str
    # Questions: answered live, answered in writing on time, in writing late, still unanswered,
    # published without an answer; then rejections as (reason, count), and merged duplicates.
    live: int
    written_on_time: int
    written_late: int
    unanswered: int
    published: int
    rejected: tuple[tuple[str, int], ...]
    merged: int
    audience: int
    topics: tuple[str, ...]
    # When it was held: so many days before the demo is made, or on a date (ISO) for one held
    # before the 2025 reorganisation.
    days_ago: int | None = None
    on: str | None = None


@dataclass(frozen=True)
class Demo:
    """Everything in `config/demo.json`, as typed values."""

    accounts: tuple[DemoAccount, ...]
    agencies: dict[str, DemoAgency]
    events: tuple[DemoEvent, ...]
    past_dialogues: tuple[PastDialogue, ...]

    @property
    def main_agency(self) -> DemoAgency:
        """The first agency of the file: its presence means the demo is already there."""
        return next(iter(self.agencies.values()))


@cache
def load() -> Demo:
    """Read and check the demo data once; a wrong field fails here, with its name."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    agencies = {item["slug"]: DemoAgency(**item) for item in raw["agencies"]}
    events = tuple(
        DemoEvent(
            **{
                **item,
                "agency": agencies[item["agency"]],
                "asks": tuple(Ask(**ask) for ask in item.get("asks", ())),
                "voters": tuple(item.get("voters", ())),
            }
        )
        for item in raw["events"]
    )
    past = tuple(
        PastDialogue(
            **{
                **item,
                "agency": agencies[item["agency"]],
                "rejected": tuple((reason, count) for reason, count in item["rejected"]),
                "topics": tuple(item["topics"]),
            }
        )
        for item in raw["past_dialogues"]
    )
    return Demo(
        accounts=tuple(DemoAccount(**item) for item in raw["accounts"]),
        agencies=agencies,
        events=events,
        past_dialogues=past,
    )


def system_actor() -> User:
    """The named account the demo's moderation is done as (created once, never signs in)."""
    user, created = User.objects.get_or_create(
        email=SYSTEM_EMAIL, defaults={"display_name": SYSTEM_NAME, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def held_on(spec: PastDialogue, now: datetime) -> datetime:
    """When the past dialogue started: 8:30 on its day."""
    if spec.on is not None:
        day = datetime.fromisoformat(spec.on).replace(tzinfo=timezone.get_current_timezone())
        return day.replace(hour=8, minute=30)
    return _at(now, -(spec.days_ago or 0), 8, 30)


def seed_past_dialogues(agencies: dict[str, Agency], official: User, now: datetime) -> list[Event]:
    """Ended dialogues with answers, rejections, written answers on time and late, presence."""
    created = []
    for spec in load().past_dialogues:
        starts = held_on(spec, now)
        ends = starts + timedelta(hours=2)
        event = Event.objects.create(
            agency=agencies[spec.agency.slug],
            slug=spec.slug,
            title=spec.title,
            legal_field=spec.legal_field,
            status=Event.Status.ENDED,
            starts_at=starts,
            ends_at=ends,
            questions_open_at=starts - timedelta(days=3),
        )
        rng = random.Random(spec.slug)  # noqa: S311 -- repeatable demo data, not a secret
        people = Participant.objects.bulk_create(
            Participant(event=event, nickname=f"Người dân {n + 1}", joined_while_open=True)
            for n in range(spec.audience // 4)
        )
        due = ends + timedelta(days=event.written_answer_days)
        plan: list[tuple[str, str, str | None]] = list(
            [(ANSWERED, "", "live")] * spec.live
            + [(ANSWERED, "", "on_time")] * spec.written_on_time
            + [(ANSWERED, "", "late")] * spec.written_late
            + [(APPROVED, "", "due")] * spec.unanswered
            + [(APPROVED, "", None)] * spec.published
            + [(REJECTED, reason, None) for reason, count in spec.rejected for _ in range(count)]
            + [(Question.Status.MERGED, "", None)] * spec.merged
        )
        first: Question | None = None
        for number, (status, reason, answer) in enumerate(plan):
            asked = starts + timedelta(minutes=rng.randint(0, 100))
            answered = {
                "live": asked + timedelta(minutes=rng.randint(5, 20)),
                "on_time": due - timedelta(days=rng.randint(1, 10)),
                "late": due + timedelta(days=rng.randint(1, 5)),
            }.get(answer or "")
            # A past dialogue's record as it was written then: each fact as its transition
            # (moderation/record.py) stores it, inserted once, never changed here.
            closed = answered or (asked if status in (REJECTED, Question.Status.MERGED) else None)
            question = Question.objects.create(
                event=event,
                author=rng.choice(people),
                status=status,
                rejection_reason=reason,
                text=f"Câu hỏi số {number + 1} về {spec.title[0].lower()}{spec.title[1:]}",
                topic=spec.topics[number % len(spec.topics)],
                merged_into=first if status == Question.Status.MERGED else None,
                answer_due_at=due if answer in ("on_time", "late", "due") else None,
                published_at=asked if status in Question.PUBLIC_STATUSES else None,
                answered_at=answered,
                answered_how=(
                    ""
                    if answered is None
                    else Question.AnsweredHow.LIVE
                    if answer == "live"
                    else Question.AnsweredHow.WRITTEN
                ),
                closed_at=closed,
            )
            first = first or question
            Question.objects.filter(pk=question.pk).update(created_at=asked)
            if answered is not None:
                given = Answer.objects.create(
                    question=question,
                    official=official,
                    published_at=answered,
                    kind=Answer.Kind.LIVE if answer == "live" else Answer.Kind.WRITTEN,
                    body="Trả lời: theo quy định hiện hành, …",
                )
                # A few participants rated the answer, mostly well, late ones a little less.
                raters = rng.sample(people, rng.randint(0, min(5, len(people))))
                AnswerRating.objects.bulk_create(
                    AnswerRating(
                        answer=given,
                        participant=p,
                        score=rng.choice((3, 4, 4, 5, 5) if answer != "late" else (2, 3, 3, 4)),
                    )
                    for p in raters
                )
            if status in Question.PUBLIC_STATUSES:
                voters = rng.sample(people, rng.randint(0, min(8, len(people))))
                Vote.objects.bulk_create(Vote(participant=p, question=question) for p in voters)
                Question.objects.filter(pk=question.pk).update(vote_count=len(voters))
        PresenceSample.objects.bulk_create(
            PresenceSample(
                event=event,
                recorded_at=starts + timedelta(minutes=minute),
                connected=round(spec.audience * min(1, (minute + 10) / 40) * (1 - minute / 400)),
            )
            for minute in range(0, 121)
        )
        # History written directly: its public deltas were numbered when they were sent.
        public = event.questions.filter(status__in=Question.PUBLIC_STATUSES).count()
        Event.objects.filter(pk=event.pk).update(public_seq=public)
        created.append(event)
    return created


def _at(now: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    """A round local time `days` from today, as the organisers would schedule it."""
    local = timezone.localtime(now) + timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def schedule_for(now: datetime) -> dict[str, dict[str, Any]]:
    """Start, end and question opening of each demo event, relative to now."""
    return {
        LIVE_SLUG: {
            "starts_at": now - timedelta(minutes=30),
            "ends_at": now + timedelta(minutes=90),
            "questions_open_at": now - timedelta(days=2),
        },
        "doi-thoai-luat-hon-nhan-va-gia-dinh": {
            "starts_at": _at(now, 5, 8, 30),
            "ends_at": _at(now, 5, 10, 30),
            "questions_open_at": now,
        },
        "thu-tuc-hanh-chinh-xa-hoa-binh": {
            "starts_at": _at(now, 12, 14),
            "ends_at": _at(now, 12, 16),
            "questions_open_at": _at(now, 7, 8),
        },
        "doi-thoai-xu-ly-vi-pham-giao-thong": {
            "starts_at": _at(now, -20, 8, 30),
            "ends_at": _at(now, -20, 10, 30),
            "questions_open_at": _at(now, -21, 8),
        },
        "luat-cong-chung-2024-nhung-diem-moi": {
            "starts_at": _at(now, 30, 9),
            "ends_at": _at(now, 30, 11),
            "questions_open_at": None,
        },
    }
