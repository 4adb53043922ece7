"""A state machine over a question's record: random runs of real actions, and after every step
every surface recounted from the raw rows.

One agency holds a live, pre-moderated dialogue and its standing legal Q&A, with a moderator (of
the dialogue), an organiser (who moderates both), two officials and five citizens who take part
with a nickname. Each step is one real action through the services, as the pages and sockets
call them: ask, approve, not select with a reason, route, put on stage and take back, mark
answered on stage, take a question on stage as its official, draft or publish a written answer,
merge, correct the text, vote and take back a vote, end and reopen the dialogue, erase an
asker's data, and days passing. Some steps slip (a version the moderator saw before someone
else's change, the other dialogue's socket, someone without the right). Whether an action is
allowed is said here from the rows, as plainly as the rules read; one that is refused must raise
a domain error and leave every row as it was, sending nothing.

After each step the recount, written here from the Question, Answer and Vote rows, must agree
with the public page and its archive, the public and the moderators' snapshots, the officials'
lists, the asker's private page, the archive's selector, the dialogue and agency reports (their
officials' table too), the public statistics, the JSON API and the CSV export; no surface, no
stored row and no frame sent may show an erased asker's words or name. A dialogue none of whose
rows changed while no time passed is not checked again. Erasing changes no figure of a report,
except that an erased open question is no longer still due.

`EXAMPLES` runs of at most `STEPS` steps each, on SQLite by default and on PostgreSQL when
DATABASE_URL is set.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck
from hypothesis import event as tally
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from dialogue import ratelimit, selectors
from dialogue import services as dialogue_services
from dialogue.models import Answer, Participant, PublicDelta, Question, Vote
from erasure.services import erase_participant
from events.models import Agency, Event, EventRole, User
from events.services import open_standing_qa
from live import broadcast
from live.errors import DomainError
from moderation import lifecycle, services
from moderation.models import ModerationLog
from moderation.selectors import moderator_snapshot, routed_questions, written_answers_due
from reports.exports import questions_csv
from reports.selectors import UNROUTED, agency_report, dialogue_report
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    EventFactory,
    EventRoleFactory,
    UserFactory,
    enable_totp,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Runs of the machine, and the most steps in one run (each step checks every surface).
EXAMPLES = 10
STEPS = 30

MACHINE = hypothesis_settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

PUBLIC = (Question.Status.APPROVED, Question.Status.ANSWERED)
# The statuses in which a question may still be owed a written answer.
OPEN = (Question.Status.PENDING, Question.Status.APPROVED)
ENDED = (Event.Status.ENDED, Event.Status.ARCHIVED)

# Nicknames and question words are plain ASCII marks, found alike in HTML, JSON and CSV.
NICKNAMES = ("Lan Ha Noi", "Tuan Hai Phong", "Hung Da Nang", "Mai Can Tho", "Nam Vinh Long")
# The first three take part in the dialogue, the last two in the standing Q&A.
IN_DIALOGUE = 3
STAGES = ("now", "now", "none", "answered", "next")
# Most steps are done properly; some slip.
SLIPS = st.sampled_from([None, None, None, None, "stale", "elsewhere", "unentitled"])
# An official's actions name no version: they cannot be stale.
ANSWER_SLIPS = st.sampled_from([None, None, None, None, "elsewhere", "unentitled"])

T = TypeVar("T")


# --- The raw rows, and the recount ------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """One question as its rows hold it."""

    pk: int
    event_id: int
    author_id: int
    text: str
    status: str
    stage: str
    reason: str
    votes: int
    version: int
    routed_to: int | None
    created_at: datetime
    due: datetime | None
    extended: bool  # its date due was put later once
    erased_at: datetime | None
    answer_kind: str | None
    answer_published_at: datetime | None
    answer_official: int | None
    voters: int  # Vote rows

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def answered_how(self) -> str | None:
        """Answered, and how: the kind of its published answer."""
        if self.status == Question.Status.ANSWERED and self.answer_published_at is not None:
            return self.answer_kind
        return None

    def owed(self) -> bool:
        """Owed a written answer: it has a due date and is neither answered nor closed."""
        return self.due is not None and self.status in OPEN and not self.erased

    def still_due(self, now: datetime) -> bool:
        return self.owed() and self.due is not None and self.due >= now

    def overdue(self, now: datetime) -> bool:
        """Its due date passed while it was unanswered and still open (an erasure after the date
        changes nothing)."""
        if self.due is None or self.due >= now or self.status not in OPEN:
            return False
        return self.erased_at is None or self.erased_at > self.due

    def on_time(self) -> bool:
        return (
            self.answered_how() is not None
            and self.due is not None
            and self.answer_published_at is not None
            and self.answer_published_at <= self.due
        )


def stored_questions(event: Event) -> list[Stored]:
    """The event's questions, tombstones included, in the order they were asked."""
    voters = Counter(Vote.objects.filter(question__event=event).values_list("question", flat=True))
    answers = {
        a["question"]: a
        for a in Answer.objects.filter(question__event=event).values(
            "question", "kind", "published_at", "official"
        )
    }
    found = []
    for q in Question.objects.filter(event=event).order_by("created_at", "pk").values():
        answer = answers.get(q["id"], {})
        found.append(
            Stored(
                pk=q["id"],
                event_id=q["event_id"],
                author_id=q["author_id"],
                text=q["text"],
                status=q["status"],
                stage=q["stage"],
                reason=q["rejection_reason"],
                votes=q["vote_count"],
                version=q["version"],
                routed_to=q["routed_to_id"],
                created_at=q["created_at"],
                due=q["answer_due_at"],
                extended=q["due_extended_at"] is not None,
                erased_at=q["erased_at"],
                answer_kind=answer.get("kind"),
                answer_published_at=answer.get("published_at"),
                answer_official=answer.get("official"),
                voters=voters[q["id"]],
            )
        )
    return found


def is_public(question: Stored, event: Event) -> bool:
    return question.status in PUBLIC and not question.erased and event.status != Event.Status.DRAFT


def in_archive(question: Stored, event: Event) -> bool:
    """Answered with a published answer, not erased, in a dialogue that ended (or standing)."""
    return (
        question.answered_how() is not None
        and not question.erased
        and (event.status in ENDED or event.kind == Event.Kind.STANDING)
    )


def recount(questions: list[Stored], now: datetime) -> dict[str, int]:
    """The figures of a dialogue, counted from its rows (tombstones are counted)."""
    return {
        "received": len(questions),
        "approved": sum(q.status in PUBLIC for q in questions),
        "rejected": sum(q.status == Question.Status.REJECTED for q in questions),
        "merged": sum(q.status == Question.Status.MERGED for q in questions),
        "answered_live": sum(q.answered_how() == Answer.Kind.LIVE for q in questions),
        "answered_written": sum(q.answered_how() == Answer.Kind.WRITTEN for q in questions),
        "still_due": sum(q.still_due(now) for q in questions),
        "overdue": sum(q.overdue(now) for q in questions),
        "votes": sum(q.voters for q in questions),
        # Who asked or voted (a question is always voted for in its own dialogue).
        "participants": len(
            {q.author_id for q in questions}
            | set(
                Vote.objects.filter(question__in=[q.pk for q in questions]).values_list(
                    "participant", flat=True
                )
            )
        ),
    }


def by_official(questions: list[Stored], now: datetime) -> dict[str, tuple[int, ...]]:
    """Per official: answered live, in writing, on time (by who answered), and overdue (by whom
    it was routed to; nobody's in a row of its own)."""
    names = {user.pk: user.display_name or user.email for user in User.objects.all()}
    rows: dict[str, list[int]] = {}
    for q in questions:
        how = q.answered_how()
        if how is not None and q.answer_official is not None:
            row = rows.setdefault(names[q.answer_official], [0, 0, 0, 0])
            row[0 if how == Answer.Kind.LIVE else 1] += 1
            row[2] += q.on_time()
        if q.overdue(now):
            label = names[q.routed_to] if q.routed_to else str(UNROUTED)
            rows.setdefault(label, [0, 0, 0, 0])[3] += 1
    return {label: tuple(row) for label, row in rows.items()}


def reasons(questions: list[Stored]) -> dict[str, int]:
    return dict(Counter(q.reason for q in questions if q.status == Question.Status.REJECTED))


def everything_stored(event: Event) -> tuple[object, ...]:
    """Every row an action on a dialogue may write, to compare before and after."""
    return (
        list(Event.objects.filter(pk=event.pk).values()),
        list(Question.objects.filter(event=event).order_by("pk").values()),
        list(Answer.objects.filter(question__event=event).order_by("pk").values()),
        list(Vote.objects.filter(question__event=event).order_by("pk").values()),
        list(Participant.objects.filter(event=event).order_by("pk").values()),
        list(ModerationLog.objects.filter(event=event).order_by("pk").values()),
        list(PublicDelta.objects.filter(event=event).order_by("pk").values()),
        DBTaskResult.objects.count(),  # queued email
    )


def report_figures(event: Event) -> dict[str, object]:
    """What the dialogue report counts (its list of top questions aside)."""
    report = dialogue_report(event)
    return {
        name: getattr(report, name)
        for name in (
            "participants",
            "received",
            "approved",
            "rejected",
            "rejected_by_reason",
            "merged",
            "answered_live",
            "answered_written",
            "still_due",
            "overdue",
            "votes",
            "questions_per_minute",
            "median_minutes_to_answer",
            "by_topic",
            "by_official",
        )
    }


# --- What the pages show ----------------------------------------------------------------------

LISTED = re.compile(
    r'<li class="question[^"]*" id="q(\d+)" data-id="\d+" data-votes="(\d+)" '
    r'data-asked="[^"]*" data-status="(\w+)"'
)
ARCHIVED = re.compile(r'<li class="archive-entry" id="q(\d+)">')
FOLLOWED = re.compile(r'<li class="mine-entry" id="q(\d+)" data-status="(\w+)">')
FIGURE = re.compile(r'<td data-figure="(\w+)">([^<]*)</td>')


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, f"{url}: {response.status_code}"
    return response.content.decode()


def shown_nowhere(text: str, words: set[str], where: str) -> None:
    leaked = sorted(word for word in words if word in text)
    assert not leaked, f"{where} shows erased words or names: {leaked}"


# --- The machine ------------------------------------------------------------------------------


class RecordMachine(RuleBasedStateMachine):
    """Real actions on two dialogues; every surface against the recount after each."""

    dialogue_questions = Bundle("dialogue_questions")
    standing_questions = Bundle("standing_questions")
    any_question = st.one_of(dialogue_questions, standing_questions)

    def __init__(self, sent: list[str]) -> None:
        super().__init__()
        self.sent = sent
        ratelimit.reset()
        self.agency: Agency = AgencyFactory()
        self.organiser: User = UserFactory(display_name="To Chuc Vien")
        AgencyMembershipFactory(agency=self.agency, user=self.organiser)
        self.dialogue: Event = EventFactory(
            agency=self.agency, moderation_mode=Event.Moderation.PRE, written_answer_days=10
        )
        self.moderator: User = UserFactory(display_name="Bien Tap Vien")
        EventRoleFactory(event=self.dialogue, user=self.moderator, role=EventRole.Role.MODERATOR)
        self.standing = open_standing_qa(actor=self.organiser, agency=self.agency, answer_days=10)
        # The first official answers in both; the second in the dialogue only.
        self.first: User = UserFactory(display_name="Can Bo Mot")
        self.second: User = UserFactory(display_name="Can Bo Hai")
        for event, official in (
            (self.dialogue, self.first),
            (self.dialogue, self.second),
            (self.standing, self.first),
        ):
            EventRoleFactory(event=event, user=official, role=EventRole.Role.OFFICIAL, title="Vu")
        self.participants: list[Participant] = []
        for number, nickname in enumerate(NICKNAMES):
            event = self.dialogue if number < IN_DIALOGUE else self.standing
            email = f"nguoi{number}@example.vn" if number in (0, IN_DIALOGUE) else ""
            self.participants.append(
                dialogue_services.join_event(
                    event=event,
                    user=AnonymousUser(),
                    session=SessionStore(),
                    nickname=nickname,
                    email=email,
                    consented=True,
                )
            )
        self.erased: set[int] = set()  # participants
        self.erased_words: set[str] = set()  # marks of erased questions, and erased nicknames
        self.words_of: dict[int, list[str]] = {}  # every mark a question's text has had
        self.marks = 0

        self.public = Client()
        # The organiser, signed in with a second factor as staff pages need.
        enable_totp(self.organiser)
        self.staff = Client()
        self.staff.force_login(self.organiser)
        session = self.staff.session
        session["account_authentication_methods"] = [{"method": "mfa", "type": "totp"}]
        session.save()
        self.rows = self.everything_stored()
        self.checked: dict[int, object] = {}
        self.start = timezone.now() - timedelta(days=30)
        self.end = timezone.now() + timedelta(days=400)
        # The clock stands still and moves by whole days (`days_pass`): figures that depend on
        # the time (still due, overdue) read the same moment as the recount.
        self.days = 0
        self.clock = time_machine.travel(timezone.now(), tick=False)
        self.clock_hands = self.clock.start()

    def teardown(self) -> None:
        self.clock.stop()

    # --- Helpers ---

    @property
    def events(self) -> list[Event]:
        return [self.dialogue, self.standing]

    def everything_stored(self) -> dict[int, tuple[object, ...]]:
        return {event.pk: everything_stored(event) for event in self.events}

    def fresh(self, event: Event) -> Event:
        return Event.objects.select_related("agency").get(pk=event.pk)

    def question(self, pk: int) -> Stored:
        event = Event.objects.get(pk=Question.objects.values_list("event", flat=True).get(pk=pk))
        return next(q for q in stored_questions(event) if q.pk == pk)

    def event_of_question(self, question: Stored) -> Event:
        return self.fresh(self.dialogue if question.event_id == self.dialogue.pk else self.standing)

    def other(self, event: Event) -> Event:
        return self.fresh(self.standing if event.pk == self.dialogue.pk else self.dialogue)

    def moderator_of(self, event: Event) -> User:
        return self.moderator if event.pk == self.dialogue.pk else self.organiser

    def new_words(self) -> tuple[str, str]:
        self.marks += 1
        mark = f"cau-hoi-{self.marks}-x"
        return mark, f"Xin hỏi ({mark}): thủ tục tách thửa đất nông nghiệp thế nào?"

    def version(self, question: Stored, slip: str | None) -> int | None:
        if slip == "stale":
            return question.version - 1
        return question.version if question.version % 2 else None

    def moderating(self, question: Stored, slip: str | None) -> tuple[User, Event]:
        """Who acts on the question, and in which dialogue, as a moderator."""
        event = self.event_of_question(question)
        if slip == "elsewhere":
            event = self.other(event)
        actor = self.second if slip == "unentitled" else self.moderator_of(event)
        return actor, event

    def answering(self, question: Stored, slip: str | None) -> tuple[User, Event]:
        """Who answers the question: its official if it has one, else a moderator."""
        event = self.event_of_question(question)
        if slip == "elsewhere":
            event = self.other(event)
        if slip == "unentitled":
            return (self.second if question.routed_to == self.first.pk else self.first), event
        if question.routed_to is not None:
            return User.objects.get(pk=question.routed_to), event
        return self.moderator_of(event), event

    def act(self, label: str, refused: bool, action: Callable[[], T]) -> T | None:
        """Do one action; a refusal must be a domain error that changes nothing and sends
        nothing, and must be what the rules say."""
        before = self.rows  # as the last action left them: reading a surface writes nothing
        self.sent.clear()
        refusal: DomainError | None = None
        try:
            result = action()
        except DomainError as error:
            refusal = error
        if refusal is not None:
            assert self.everything_stored() == before, f"{label}: refused, yet rows changed"
            assert not self.sent, f"{label}: refused, yet frames were sent"
            why = f"{refusal.code}: {refusal.message}"
            assert refused, f"{label}: refused ({why}), though the rules allow it"
            tally(f"{label}: refused")
            return None
        assert not refused, f"{label}: done, though the rules refuse it"
        tally(f"{label}: done")
        self.rows = self.everything_stored()
        return result

    def ask_as(self, number: int, anonymous: bool) -> int | None:
        participant = self.participants[number]
        if participant.pk in self.erased:
            return None  # an erased asker has no page left to ask from
        event = self.fresh(participant.event)
        mark, text = self.new_words()
        asked = self.act(
            "ask",
            not event.intake_is_open(),
            lambda: dialogue_services.ask_question(
                participant=participant,
                text=text,
                client_id=uuid.uuid4(),
                anonymous=anonymous,
                legal_field=Event.LegalField.LAND if event.is_standing else "",
            ),
        )
        if asked is None:
            return None
        self.words_of[asked.pk] = [mark]
        return asked.pk

    # --- Asking ---

    def ask_and_screen(self, askers: list[tuple[int, bool]]) -> object:
        """Citizens ask; the moderators publish some of the questions at once."""
        asked = []
        for number, published in askers:
            pk = self.ask_as(number, anonymous=False)
            if pk is None:
                continue
            asked.append(pk)
            if published:
                question = self.question(pk)
                actor, event = self.moderating(question, None)
                self.act(
                    "approve",
                    False,
                    partial(
                        services.approve_question,
                        actor=actor,
                        event=event,
                        question_id=pk,
                        version=None,
                    ),
                )
        return multiple(*asked)

    @initialize(
        target=dialogue_questions,
        askers=st.lists(
            st.tuples(st.integers(0, IN_DIALOGUE - 1), st.booleans()), min_size=1, max_size=4
        ),
    )
    def citizens_ask_in_the_dialogue(self, askers: list[tuple[int, bool]]) -> object:
        return self.ask_and_screen(askers)

    @initialize(
        target=standing_questions,
        askers=st.lists(
            st.tuples(st.integers(IN_DIALOGUE, len(NICKNAMES) - 1), st.booleans()),
            min_size=1,
            max_size=2,
        ),
    )
    def citizens_ask_in_the_standing_qa(self, askers: list[tuple[int, bool]]) -> object:
        return self.ask_and_screen(askers)

    @rule(
        target=dialogue_questions,
        number=st.integers(0, IN_DIALOGUE - 1),
        anonymous=st.booleans(),
    )
    def ask_in_the_dialogue(self, number: int, anonymous: bool) -> object:
        asked = self.ask_as(number, anonymous)
        return multiple() if asked is None else asked

    @rule(
        target=standing_questions,
        number=st.integers(IN_DIALOGUE, len(NICKNAMES) - 1),
        anonymous=st.booleans(),
    )
    def ask_in_the_standing_qa(self, number: int, anonymous: bool) -> object:
        asked = self.ask_as(number, anonymous)
        return multiple() if asked is None else asked

    # --- Moderating ---

    @rule(pk=any_question, slip=SLIPS)
    def approve(self, pk: int, slip: str | None) -> None:
        question = self.question(pk)
        actor, event = self.moderating(question, slip)
        refused = slip is not None or question.erased or question.status == Question.Status.MERGED
        self.act(
            "approve",
            refused,
            lambda: services.approve_question(
                actor=actor, event=event, question_id=pk, version=self.version(question, slip)
            ),
        )

    @rule(pk=any_question, slip=SLIPS, reason=st.sampled_from(Question.RejectionReason.values))
    def not_select(self, pk: int, slip: str | None, reason: str) -> None:
        question = self.question(pk)
        actor, event = self.moderating(question, slip)
        refused = (
            slip is not None
            or question.erased
            or question.status in (Question.Status.ANSWERED, Question.Status.MERGED)
        )
        self.act(
            "not select",
            refused,
            lambda: services.reject_question(
                actor=actor,
                event=event,
                question_id=pk,
                version=self.version(question, slip),
                reason=reason,
                note="Xin hỏi lại ở buổi sau.",
            ),
        )

    @rule(pk=any_question, slip=SLIPS, to=st.sampled_from(["first", "second", "nobody", "mod"]))
    def route(self, pk: int, slip: str | None, to: str) -> None:
        question = self.question(pk)
        actor, event = self.moderating(question, slip)
        official = {"first": self.first, "second": self.second, "nobody": None}.get(
            to, self.moderator
        )
        officials = EventRole.objects.filter(event=event, role=EventRole.Role.OFFICIAL)
        refused = (
            slip is not None
            or question.erased
            or (official is not None and not officials.filter(user=official).exists())
        )
        self.act(
            "route",
            refused,
            lambda: services.route_question(
                actor=actor,
                event=event,
                question_id=pk,
                version=self.version(question, slip),
                official_id=official.pk if official else None,
            ),
        )

    @rule(pk=any_question, slip=SLIPS)
    def correct_the_text(self, pk: int, slip: str | None) -> None:
        question = self.question(pk)
        actor, event = self.moderating(question, slip)
        mark, text = self.new_words()
        done = self.act(
            "edit",
            slip is not None or question.erased,
            lambda: services.edit_question(
                actor=actor,
                event=event,
                question_id=pk,
                version=self.version(question, slip),
                text=text,
            ),
        )
        if done is not None:
            self.words_of[pk].append(mark)

    @rule(pk=dialogue_questions, slip=SLIPS, stage=st.sampled_from(STAGES))
    def stage(self, pk: int, slip: str | None, stage: str) -> None:
        question = self.question(pk)
        actor, event = self.moderating(question, slip)
        refused = (
            slip is not None
            or question.erased
            or question.status in (Question.Status.REJECTED, Question.Status.MERGED)
        )
        self.act(
            f"stage {stage}",
            refused,
            lambda: services.set_stage(
                actor=actor,
                event=event,
                question_id=pk,
                version=self.version(question, slip),
                stage=stage,
            ),
        )

    @rule(data=st.data(), slip=SLIPS)
    def merge(self, data: st.DataObject, slip: str | None) -> None:
        """Merge one to two questions of a dialogue into another (or, slipping, into itself)."""
        event = data.draw(st.sampled_from(self.events))
        candidates = list(
            Question.objects.filter(event=event).order_by("pk").values_list("pk", flat=True)
        )
        if not candidates:
            return
        pk = data.draw(st.sampled_from(candidates), label="target")
        others = [candidate for candidate in candidates if candidate != pk]
        itself = not others or data.draw(st.sampled_from([False] * 4 + [True]), label="itself")
        sources = data.draw(
            st.lists(st.sampled_from(others or candidates), min_size=1, max_size=2, unique=True),
            label="sources",
        )
        if itself:
            sources = [pk, *sources[1:]]
        target = self.question(pk)
        actor, event = self.moderating(target, slip)
        merged = [self.question(source) for source in sources]
        refused = (
            slip is not None
            or pk in sources
            or target.erased
            or target.status in (Question.Status.MERGED, Question.Status.REJECTED)
            or any(
                source.erased or source.status in (Question.Status.MERGED, Question.Status.ANSWERED)
                for source in merged
            )
        )
        self.act(
            "merge",
            refused,
            lambda: services.merge_questions(
                actor=actor,
                event=event,
                question_id=pk,
                version=self.version(target, slip),
                sources=[(source, None) for source in sources],
            ),
        )

    # --- Answering ---

    @rule(pk=dialogue_questions, slip=ANSWER_SLIPS)
    def take_on_stage(self, pk: int, slip: str | None) -> None:
        """An official (or a moderator for them) says "I am answering this"."""
        question = self.question(pk)
        actor, event = self.answering(question, slip)
        refused = (
            slip is not None
            or question.erased
            or question.status in (Question.Status.REJECTED, Question.Status.MERGED)
        )
        self.act(
            "take on stage",
            refused,
            lambda: services.start_answering(actor=actor, event=event, question_id=pk),
        )

    @rule(pk=any_question, slip=SLIPS, days=st.sampled_from([0, 1, 3, 99]))
    def extend_the_date(self, pk: int, slip: str | None, days: int) -> None:
        """The official who has the question gives it more time: once, while it is owed."""
        question = self.question(pk)
        event = self.event_of_question(question)
        if slip == "elsewhere":
            event = self.other(event)
        official = self.second if question.routed_to == self.second.pk else self.first
        if slip == "unentitled":
            official = self.first if official == self.second else self.second
        refused = (
            slip is not None
            or question.routed_to != official.pk
            or not question.owed()
            or question.extended
            or not 1 <= days <= self.fresh(event).written_answer_days
        )
        self.act(
            "extend the date due",
            refused,
            lambda: services.extend_due(
                actor=official,
                event=event,
                question_id=pk,
                version=self.version(question, slip),
                days=days,
                reason="Cần xin ý kiến cơ quan chuyên môn.",
            ),
        )

    @rule(pk=any_question, slip=ANSWER_SLIPS, publish=st.booleans())
    def write_answer(self, pk: int, slip: str | None, publish: bool) -> None:
        question = self.question(pk)
        actor, event = self.answering(question, slip)
        refused = slip is not None or question.erased or question.status not in PUBLIC
        self.act(
            "publish a written answer" if publish else "draft a written answer",
            refused,
            lambda: services.write_answer(
                actor=actor,
                event=event,
                question_id=pk,
                body="Theo Điều 220 Luật Đất đai 2024, việc tách thửa phải bảo đảm diện tích tối "
                "thiểu do Ủy ban nhân dân cấp tỉnh quy định.",
                publish=publish,
            ),
        )

    # --- Voting ---

    @rule(
        pk=any_question,
        number=st.integers(0, len(NICKNAMES) - 1),
        up=st.booleans(),
        elsewhere=st.sampled_from([False, False, False, True]),
    )
    def vote(self, pk: int, number: int, up: bool, elsewhere: bool) -> None:
        """A citizen of the question's dialogue votes (or, slipping, one of the other's)."""
        question = self.question(pk)
        voters = [
            p
            for p in self.participants
            if (p.event_id == question.event_id) != elsewhere and p.pk not in self.erased
        ]
        if not voters:
            return  # nobody left to vote: every one of them was erased
        participant = voters[number % len(voters)]
        event = self.fresh(participant.event)
        refused = (
            question.event_id != event.pk
            or not is_public(question, event)
            or not event.voting_is_open()
        )
        cast = dialogue_services.vote if up else dialogue_services.unvote
        self.act(
            "vote" if up else "unvote",
            refused,
            lambda: cast(participant=participant, question_id=pk),
        )

    # --- The dialogue's life ---

    @rule(slip=SLIPS)
    def end_the_dialogue(self, slip: str | None) -> None:
        event = self.fresh(self.dialogue)
        actor = self.second if slip == "unentitled" else self.moderator
        refused = slip == "unentitled" or event.status != Event.Status.LIVE
        done = self.act(
            "end",
            refused,
            lambda: lifecycle.change_status(actor=actor, event=event, status=Event.Status.ENDED),
        )
        if done is not None:
            self.dialogue = done

    @rule(slip=SLIPS)
    def reopen_the_dialogue(self, slip: str | None) -> None:
        event = self.fresh(self.dialogue)
        actor = self.moderator if slip == "unentitled" else self.organiser
        refused = slip == "unentitled" or event.status != Event.Status.ENDED
        done = self.act(
            "reopen",
            refused,
            lambda: lifecycle.change_status(actor=actor, event=event, status=Event.Status.LIVE),
        )
        if done is not None:
            self.dialogue = done

    @rule(number=st.integers(0, len(NICKNAMES) - 1))
    def erase_an_asker(self, number: int) -> None:
        """Erasing changes no figure, except that an erased open question is no longer due."""
        participant = self.participants[number]
        if participant.pk in self.erased:
            return
        event = self.fresh(participant.event)
        now = timezone.now()
        theirs = [q for q in stored_questions(event) if q.author_id == participant.pk]
        no_longer_due = sum(q.still_due(now) for q in theirs if not q.erased)
        before = {e.pk: report_figures(self.fresh(e)) for e in self.events}
        agency_before = self.agency_figures()
        self.act("erase", False, lambda: erase_participant(participant=participant, session=None))
        self.erased.add(participant.pk)
        self.erased_words.add(participant.nickname)
        for question in theirs:
            self.erased_words.update(self.words_of[question.pk])
        after = {e.pk: report_figures(self.fresh(e)) for e in self.events}
        before[event.pk]["still_due"] = before[event.pk]["still_due"] - no_longer_due  # type: ignore[operator]
        assert after == before, "erasing changed a figure of a dialogue report"
        assert self.agency_figures() == agency_before, "erasing changed the agency report"

    @precondition(lambda self: self.days < 25)
    @rule(days=st.sampled_from([5, 11, 16]))
    def days_pass(self, days: int) -> None:
        self.clock_hands.shift(timedelta(days=days))
        self.days += days
        tally("days pass")

    # --- Every surface against the recount ---

    def agency_figures(self) -> dict[str, object]:
        report = agency_report(self.agency, start=self.start, end=self.end)
        return {"total": vars(report.total), "standing": vars(report.standing)}

    @invariant()
    def no_frame_carries_erased_words(self) -> None:
        for text in self.sent:
            shown_nowhere(text, self.erased_words, "a frame")

    @invariant()
    def every_surface_agrees_with_the_recount(self) -> None:
        # A dialogue whose rows did not change while no time passed shows what was last checked.
        changed = [e for e in self.events if self.checked.get(e.pk) != (self.rows[e.pk], self.days)]
        if not changed:
            return
        now = timezone.now()
        counted = {e.pk: stored_questions(e) for e in self.events}
        for event in changed:
            event = self.fresh(event)
            questions = counted[event.pk]
            self.check_the_rows(event, questions)
            self.check_the_public_page(event, questions)
            self.check_the_snapshots(event, questions)
            self.check_the_officials_lists(event, questions)
            self.check_the_askers_pages(event, questions)
            self.check_the_archive(event, questions)
            self.check_the_report(event, questions, now)
            self.check_the_api(event, questions)
            self.check_the_export(event, questions)
        self.check_the_agency(counted[self.dialogue.pk], counted[self.standing.pk], now)
        for event in changed:
            self.checked[event.pk] = (self.rows[event.pk], self.days)

    def check_the_rows(self, event: Event, questions: list[Stored]) -> None:
        for q in questions:
            assert q.votes == q.voters, f"question {q.pk}: {q.votes} votes, {q.voters} rows"
            if q.erased:
                assert q.text == "", f"question {q.pk} is erased but keeps its text"
        assert sum(q.stage == Question.Stage.NOW for q in questions) <= 1
        # The questions, answers, votes, participants, audit log and delta log, as stored.
        stored = json.dumps(self.rows[event.pk], default=str)
        shown_nowhere(stored, self.erased_words, "the stored rows")

    def check_the_public_page(self, event: Event, questions: list[Stored]) -> None:
        html = page(self.public, event.get_absolute_url())
        listed = {int(pk): (int(votes), status) for pk, votes, status in LISTED.findall(html)}
        expected = {q.pk: (q.voters, q.status) for q in questions if is_public(q, event)}
        assert listed == expected, f"the page of {event.slug} lists other questions"
        for q in questions:
            for mark in self.words_of.get(q.pk, []):
                shown = is_public(q, event) and mark in q.text
                assert (mark in html) == shown, f"question {q.pk}: page shows {mark}: {not shown}"
            if is_public(q, event):
                assert q.text in html
        shown_nowhere(html, self.erased_words, "the public page")

    def check_the_snapshots(self, event: Event, questions: list[Stored]) -> None:
        public = selectors.public_snapshot(event=event)
        listed = {
            q["id"]: (q["text"], q["status"], q["votes"], q["stage"]) for q in public["questions"]
        }
        expected = {
            q.pk: (q.text, q.status, q.voters, q.stage or None)
            for q in questions
            if is_public(q, event)
        }
        assert listed == expected, "the public snapshot lists other questions"
        shown_nowhere(json.dumps(public), self.erased_words, "the public snapshot")
        console = moderator_snapshot(event)
        listed = {
            q["id"]: (q["text"], q["status"], q["votes"], (q["routed_to"] or {}).get("id"))
            for q in console["questions"]
        }
        expected = {
            q.pk: (q.text, q.status, q.voters, q.routed_to) for q in questions if not q.erased
        }
        assert listed == expected, "the moderators' snapshot lists other questions"
        shown_nowhere(json.dumps(console), self.erased_words, "the moderators' snapshot")

    def check_the_officials_lists(self, event: Event, questions: list[Stored]) -> None:
        due = {q.pk for q in written_answers_due(event)}
        assert due == {q.pk for q in questions if q.owed()}, "the due list differs"
        for official in (self.first, self.second):
            theirs = {q.pk for q in routed_questions(event, official)}
            assert theirs == {
                q.pk
                for q in questions
                if q.routed_to == official.pk
                and not q.erased
                and q.status not in (Question.Status.REJECTED, Question.Status.MERGED)
            }, f"{official.display_name}'s list differs"

    def check_the_askers_pages(self, event: Event, questions: list[Stored]) -> None:
        for participant in self.participants:
            if participant.event_id != event.pk:
                continue
            link = reverse("dialogue:mine", args=[event.slug, selectors.follow_token(participant)])
            if participant.pk in self.erased:
                page(self.public, link, status=404)
                continue
            theirs = [q for q in questions if q.author_id == participant.pk and not q.erased]
            followed = selectors.followed_questions(participant=participant)
            assert {(q.pk, q.status, q.owed) for q in followed} == {  # type: ignore[attr-defined]
                (q.pk, q.status, q.owed()) for q in theirs
            }, f"the private page of {participant.nickname} tells another story"
            html = page(self.public, link)
            assert {(int(pk), s) for pk, s in FOLLOWED.findall(html)} == {
                (q.pk, q.status) for q in theirs
            }
            assert html.count('class="outcome due"') == sum(q.owed() for q in theirs)
            shown_nowhere(html, self.erased_words, "an asker's private page")

    def check_the_archive(self, event: Event, questions: list[Stored]) -> None:
        expected = {q.pk for q in questions if in_archive(q, event)}
        assert {q.pk for q in selectors.answered_questions(event=event)} == expected
        url = reverse("dialogue:archive", args=[event.slug])
        if not selectors.archive_is_public(event):
            assert not expected
            page(self.public, url, status=404)
            return
        html = page(self.public, url)
        assert {int(pk) for pk in ARCHIVED.findall(html)} == expected
        shown_nowhere(html, self.erased_words, "the archive")

    def check_the_report(self, event: Event, questions: list[Stored], now: datetime) -> None:
        figures = recount(questions, now)
        report = dialogue_report(event, now=now)
        assert {name: getattr(report, name) for name in figures} == figures
        assert {code: n for code, _label, n in report.rejected_by_reason} == reasons(questions)
        assert {q.pk for q in report.top_questions} <= {
            q.pk for q in questions if is_public(q, event)
        }
        answered = self.staff.get(reverse("api:event_report", args=[event.slug])).json()
        assert {name: answered[name] for name in figures} == figures
        assert {row["label"]: row["count"] for row in answered["rejected_by_reason"]} == reasons(
            questions
        )

    def check_the_api(self, event: Event, questions: list[Stored]) -> None:
        url = reverse("api:event_questions", args=[event.slug])
        listed = self.public.get(url, {"limit": 200}).json()
        expected = {
            q.pk: (q.text, q.status, q.voters, q.answer_kind if in_archive(q, event) else None)
            for q in questions
            if is_public(q, event)
        }
        assert {
            q["id"]: (q["text"], q["status"], q["votes"], (q["answer"] or {}).get("kind"))
            for q in listed
        } == expected, "the API lists other questions or answers"
        answers = self.public.get(reverse("api:answers"), {"event": event.slug, "limit": 200})
        assert {q["id"] for q in answers.json()} == {
            q.pk for q in questions if in_archive(q, event)
        }
        shown_nowhere(json.dumps(listed), self.erased_words, "the API")

    def check_the_export(self, event: Event, questions: list[Stored]) -> None:
        text = questions_csv(event).decode("utf-8-sig")
        _header, *rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) == len(questions), "the export has a row per question, erased ones too"
        how = dict(Answer.Kind.choices)
        for row, q in zip(rows, questions, strict=True):
            assert row[1] == q.text
            assert row[2] == str(Question.Status(q.status).label)
            kind = q.answered_how()
            assert row[8] == (str(how[kind]) if kind else ""), (
                f"question {q.pk} ({q.status}) is exported as answered '{row[8]}'"
            )
        shown_nowhere(text, self.erased_words, "the export")

    def check_the_agency(
        self, dialogue: list[Stored], standing: list[Stored], now: datetime
    ) -> None:
        figures = recount(dialogue, now)
        due = sum(q.due is not None for q in dialogue)
        on_time = sum(q.on_time() for q in dialogue)
        answered = figures["answered_live"] + figures["answered_written"]
        report = agency_report(self.agency, start=self.start, end=self.end)
        total = report.total
        assert (total.dialogues, total.received, total.published, total.rejected) == (
            1,
            figures["received"],
            figures["approved"],
            figures["rejected"],
        )
        assert (total.answered_live, total.answered_written) == (
            figures["answered_live"],
            figures["answered_written"],
        )
        assert (total.due_in_writing, total.answered_on_time) == (due, on_time)
        assert total.overdue == figures["overdue"]
        assert total.participants == figures["participants"]
        assert {
            r.label: (r.answered_live, r.answered_written, r.answered_on_time, r.overdue)
            for r in report.by_official
        } == by_official(dialogue + standing, now), "the officials' table differs"
        row = report.standing
        assert row is not None
        assert (row.received, row.published, row.rejected) == (
            len(standing),
            sum(q.status in PUBLIC for q in standing),
            sum(q.status == Question.Status.REJECTED for q in standing),
        )
        assert (row.due_in_writing, row.answered, row.answered_on_time, row.overdue) == (
            sum(q.due is not None for q in standing),
            sum(q.answered_how() is not None for q in standing),
            sum(q.on_time() for q in standing),
            sum(q.overdue(now) for q in standing),
        )
        html = page(self.public, reverse("reports:public_statistics", args=[self.agency.slug]))
        shown = dict(FIGURE.findall(html))
        assert (shown["dialogues"], shown["received"], shown["answered"]) == (
            "1",
            str(figures["received"]),
            str(answered),
        )
        statistics = self.public.get(
            reverse("api:agency_statistics", args=[self.agency.slug])
        ).json()
        assert (
            statistics["questions_received"],
            statistics["questions_answered"],
            statistics["written_answers_due"],
            statistics["written_answers_on_time"],
        ) == (figures["received"], answered, due, on_time)


def test_every_surface_agrees_with_a_recount_of_the_record(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    sent: list[str] = []

    def capture(group: str, message: dict[str, Any]) -> None:
        frame = json.loads(message["text"]) if "text" in message else message
        sent.append(json.dumps(frame, ensure_ascii=False))

    monkeypatch.setattr(broadcast, "send", capture)
    monkeypatch.setattr(broadcast, "_mark_tally", lambda *args, **kwargs: None)
    # Limits are tested elsewhere; here a run may ask and vote as often as it likes.
    unlimited = {"participant": "100000/minute", "ip": "100000/minute"}
    settings.DIALOGUE = {
        **settings.DIALOGUE,
        "RATE_LIMITS": {action: unlimited for action in settings.DIALOGUE["RATE_LIMITS"]},
    }
    run_state_machine_as_test(lambda: RecordMachine(sent), settings=MACHINE)
