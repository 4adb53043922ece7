"""Generated bad input against every socket and the pages' forms: always an error, never a write.

For each socket (citizen, moderator, official, stage), hypothesis builds frames of every inbound
message type and breaks each one in one way (a wrong type, an id out of range, a control character
in a text, a missing or extra field, deep nesting), or sends garbage, or a well-formed command the
service must refuse (an unknown question, a text that is empty once cleaned). Every frame must be
answered with an error frame: never a 1011 close, never a write. One connected socket per socket
type serves all of its examples. The pages' forms get texts with control characters in one field
at a time: a form error, never a 500, never a write.

This module runs on SQLite; tests/integration/test_fuzz_postgres.py runs it on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client as PageClient
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.asgi import application
from dialogue.messages import MAX_DEPTH, MAX_ID, MAX_VERSION
from dialogue.models import Answer, Participant, Question, Vote
from events.models import Agency, Event, EventRole, Invitation
from events.text import FORBIDDEN
from moderation.models import ModerationLog
from tests.factories import (
    AgencyMembershipFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
)
from tests.socket import session_cookie

ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(ON_POSTGRESQL, reason="tests/integration/test_fuzz_postgres.py runs it"),
]

# At least this many generated frames per socket type (CI runs the module on each database).
FRAMES = 2000
FORM_EXAMPLES = 40
FUZZ = settings(
    max_examples=FRAMES,
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- What the schemas accept (docs/protocol.md), field by field -----------------------------------
# A field kind names what a valid value is; a broken value is anything of another kind.

UNKNOWN = st.integers(min_value=10**12, max_value=MAX_ID)  # in range, but no such row
KINDS: dict[str, st.SearchStrategy[Any]] = {
    "id": UNKNOWN,
    "version": st.integers(min_value=1, max_value=MAX_VERSION),
    "bool": st.booleans(),
    "uuid": st.uuids().map(str),
    "text": st.text(min_size=1, max_size=20).filter(lambda s: not FORBIDDEN.search(s)),
    "reason": st.just("other"),
    "stage": st.sampled_from(["next", "now", "answered", "none"]),
    "action": st.sampled_from(["approve", "reject"]),
    "scope": st.sampled_from(["event", "agency"]),
    "mode": st.sampled_from(["pre", "post"]),
    "items": st.lists(
        st.fixed_dictionaries(
            {"question": UNKNOWN, "version": st.integers(min_value=1, max_value=MAX_VERSION)}
        ),
        min_size=1,
        max_size=3,
    ),
}
LENGTHS = {"text": 2000, "note": 300, "topic": 80, "reason": 20, "body": 20000}

# type -> {field: kind}; every field listed is required here (optional ones too, for simplicity).
CITIZEN = {
    "ask": {"client_id": "uuid", "text": "text", "anonymous": "bool"},
    "vote": {"question": "id"},
    "unvote": {"question": "id"},
    "resync": {},
    "ping": {},
}
MODERATOR = {
    "approve": {"question": "id", "version": "version"},
    "reject": {"question": "id", "version": "version", "reason": "reason", "note": "text"},
    "edit": {"question": "id", "version": "version", "text": "text"},
    "tag": {"question": "id", "version": "version", "topic": "text"},
    "star": {"question": "id", "version": "version", "starred": "bool"},
    "route": {"question": "id", "version": "version", "official": "id"},
    "stage": {"question": "id", "version": "version", "stage": "stage"},
    "merge": {"question": "id", "version": "version", "sources": "items"},
    "bulk": {"action": "action", "items": "items", "reason": "reason"},
    "modes": {"moderation": "mode", "intake_open": "bool", "voting_open": "bool"},
    "ban": {"participant": "id", "scope": "scope", "reason": "text"},
    "resync": {},
    "ping": {},
}
OFFICIAL = {
    "answering": {"question": "id"},
    "note": {"question": "id", "note": "text"},
    "answer": {"question": "id", "body": "text", "publish": "bool"},
    "resync": {},
    "ping": {},
}
# Fields that may be null: the change is left out (a `modes` command sets only what it names).
NULLABLE = {("modes", "moderation"), ("modes", "intake_open"), ("modes", "voting_open")}
# Well-formed commands that must be refused by the service: about no such question or participant.
# (`bulk` answers `done` listing refusals; `modes`, `resync` and `ping` succeed: not here.)
REFUSED = {
    "citizen": ["vote", "unvote"],
    "moderator": [t for t in MODERATOR if t not in ("bulk", "modes", "resync", "ping")],
    "official": ["answering", "note", "answer"],
}

# Values of every JSON kind, to put where another kind belongs.
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def accepts(kind: str, value: Any) -> bool:
    """Whether a schema field of `kind` could take `value` (so it would not break the frame)."""
    if kind in ("id", "version"):
        return type(value) is int and value > 0
    if kind == "bool":
        return type(value) is bool
    if kind == "items":
        return isinstance(value, list)
    return isinstance(value, str)  # text, uuid and the literals: only strings could pass


def hostile_text() -> st.SearchStrategy[str]:
    """A text with at least one character no text may hold, inside it."""
    # Inside: forms strip the ends of a text, and Python counts \x1c-\x1f and \x85 as blanks.
    base = st.text(st.characters(categories=["L", "N", "P"]), min_size=1, max_size=15)
    forbidden = st.sampled_from(
        ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\udfff"]
    )
    return st.tuples(base, forbidden, base).map("".join)


@st.composite
def broken_frame(draw: st.DrawFn, schema: dict[str, dict[str, str]]) -> str:
    """A frame of one of the socket's types, broken in exactly one way that makes it invalid."""
    kind_of = draw(st.sampled_from(sorted(schema)))
    fields = schema[kind_of]
    frame: dict[str, Any] = {"type": kind_of, "id": draw(st.text(min_size=1, max_size=8))}
    frame["id"] = "".join(c for c in frame["id"] if not FORBIDDEN.search(c)) or "x"
    for name, kind in fields.items():
        frame[name] = draw(KINDS[kind])
    names = ["id", *fields]
    how = draw(
        st.sampled_from(
            ["wrong_kind", "out_of_range", "control", "too_long", "missing", "extra", "deep"]
        )
    )
    name = draw(st.sampled_from(names))
    kind = "command_id" if name == "id" else fields[name]
    if how == "wrong_kind" or (how == "out_of_range" and kind not in ("id", "version")):
        nullable = (kind_of, name) in NULLABLE
        value = draw(
            ANY_JSON.filter(
                lambda v: (
                    (not accepts(kind, v) and not (nullable and v is None))
                    if kind != "command_id"
                    else not isinstance(v, str)
                )
            )
        )
        frame[name] = value
    elif how == "out_of_range":
        top = MAX_ID if kind == "id" else MAX_VERSION
        frame[name] = draw(
            st.one_of(st.integers(max_value=0), st.integers(min_value=top + 1, max_value=2**90))
        )
    elif how == "control":
        texts = [n for n in names if n == "id" or fields[n] == "text"]
        frame[draw(st.sampled_from(texts))] = draw(hostile_text())
    elif how == "too_long":
        texts = [n for n in names if n == "id" or fields[n] == "text"]
        target = draw(st.sampled_from(texts))
        frame[target] = "a" * (64 if target == "id" else LENGTHS.get(target, 2000)) + "a"
    elif how == "missing":
        required = ["id", *(n for n in fields if kind_of not in ("modes",))]
        if kind_of == "ban" or kind_of in ("ask",):
            required = [n for n in required if n not in ("anonymous", "scope", "reason")]
        if kind_of in ("reject",):
            required = [n for n in required if n != "note"]
        if kind_of in ("answer",):
            required = [n for n in required if n != "publish"]
        if kind_of in ("bulk",):
            required = [n for n in required if n != "reason"]
        del frame[draw(st.sampled_from(required))]
    elif how == "extra":
        frame["extra_" + draw(st.text(max_size=5))] = draw(ANY_JSON)
    else:  # deep
        depth = draw(st.integers(min_value=MAX_DEPTH + 1, max_value=1500))
        frame[name] = json.loads("[" * depth + "]" * depth)
    text = json.dumps(frame, ensure_ascii=draw(st.booleans()))
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: a text frame can carry it only escaped
        text = json.dumps(frame)
    return text


GARBAGE = st.one_of(
    st.text(max_size=200),  # mostly not JSON
    st.binary(max_size=100),  # a binary frame
    ANY_JSON.map(json.dumps),  # JSON, mostly not an object with a known type
    st.builds(
        lambda t: json.dumps({"type": t, "id": "g"}),
        st.text(max_size=20).filter(lambda t: t not in {*CITIZEN, *MODERATOR, *OFFICIAL}),
    ),
    st.integers(min_value=MAX_DEPTH + 1, max_value=2000).map(lambda n: "[" * n),
    st.integers(min_value=MAX_DEPTH + 1, max_value=1000).map(lambda n: '{"a":' * n),
)


@st.composite
def refused_frame(draw: st.DrawFn, socket: str, schema: dict[str, dict[str, str]]) -> str:
    """A well-formed command that the service must refuse, writing nothing."""
    if socket == "citizen" and draw(st.booleans()):
        # A question that is empty once cleaned: spaces and invisible characters only.
        blank = draw(st.text(alphabet=" \t\n\u200b\u200c\u200d\ufeff", min_size=1, max_size=20))
        return json.dumps({"type": "ask", "id": "a", "client_id": str(uuid.uuid4()), "text": blank})
    kind_of = draw(st.sampled_from(REFUSED[socket]))
    frame = {"type": kind_of, "id": "r"}
    for name, kind in schema[kind_of].items():
        frame[name] = draw(KINDS[kind])
    return json.dumps(frame)


def frames(socket: str) -> st.SearchStrategy[str | bytes]:
    schema = {"citizen": CITIZEN, "moderator": MODERATOR, "official": OFFICIAL, "stage": CITIZEN}
    parts: list[st.SearchStrategy[Any]] = [broken_frame(schema[socket]), GARBAGE]
    if socket in REFUSED:
        parts.append(refused_frame(socket, schema[socket]))
    return st.one_of(parts)


# --- One connected socket per socket type --------------------------------------------------------


def written() -> dict[str, Any]:
    """What a write would change."""
    return {
        "rows": [
            model.objects.count()
            for model in (Question, Vote, Participant, Answer, ModerationLog, Event, Invitation)
        ],
        "questions": list(Question.objects.order_by("pk").values_list("pk", "version", "status")),
        "events": list(
            Event.objects.order_by("pk").values_list(
                "pk", "status", "moderation_mode", "intake_closed", "voting_closed", "title"
            )
        ),
        "banned": Participant.objects.filter(banned_at__isnull=False).count(),
    }


class Socket:
    """A socket opened once, on a loop of its own, answering one frame at a time."""

    def __init__(self, path: str, cookie: str) -> None:
        self.loop = asyncio.new_event_loop()
        headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))

        async def open_it() -> WebsocketCommunicator:
            communicator = WebsocketCommunicator(application, path, headers=headers)
            communicator.scope["client"] = ("198.51.100.9", 40000)
            accepted, _ = await communicator.connect(timeout=10)
            assert accepted, path
            await communicator.receive_from(timeout=10)  # the snapshot
            return communicator

        self.communicator = self.loop.run_until_complete(open_it())

    def answer(self, frame: str | bytes) -> dict[str, Any]:
        async def exchange() -> dict[str, Any]:
            # As the server hands it over (send_to refuses an empty frame).
            key = "bytes" if isinstance(frame, bytes) else "text"
            await self.communicator.send_input({"type": "websocket.receive", key: frame})
            while True:
                output = await self.communicator.receive_output(timeout=10)
                assert output["type"] == "websocket.send", output  # a close would be a failure
                reply = json.loads(output["text"])
                # Broadcasts (they carry `sent_at`) and the presence count come unasked; a write
                # they might betray is caught by the row count at the end.
                if reply.get("type") != "presence" and "sent_at" not in reply:
                    return reply

        return self.loop.run_until_complete(exchange())

    def close(self) -> None:
        self.loop.run_until_complete(self.communicator.disconnect())
        self.loop.close()


@pytest.fixture
def quiet(settings: Any) -> None:
    settings.LIVE = {**settings.LIVE, "HEARTBEAT_SECONDS": 0}


@pytest.fixture
def dialogue(quiet: None) -> dict[str, Any]:
    event = EventFactory(moderation_mode=Event.Moderation.PRE)
    moderator, official = UserFactory(), UserFactory()
    EventRole.objects.create(event=event, user=moderator, role="moderator")
    EventRole.objects.create(event=event, user=official, role="official")
    enable_totp(moderator)
    enable_totp(official)
    participant = ParticipantFactory(event=event)
    QuestionFactory(event=event, status=Question.Status.APPROVED)
    return {
        "event": event,
        "moderator": moderator,
        "official": official,
        "participant": participant,
    }


def open_socket_of(kind: str, found: dict[str, Any]) -> Socket:
    event = found["event"]
    loop = asyncio.new_event_loop()
    if kind == "citizen":
        cookie = session_cookie(participant_id=found["participant"].pk, event_id=event.pk)
    elif kind == "stage":
        cookie = None
    else:
        cookie = session_cookie(user=found[kind])
    value = loop.run_until_complete(cookie) if cookie is not None else ""
    loop.close()
    path = {
        "citizen": f"/ws/events/{event.slug}/",
        "moderator": f"/ws/events/{event.slug}/moderate/",
        "official": f"/ws/events/{event.slug}/official/",
        "stage": f"/ws/stage/{event.stage_token}/",
    }[kind]
    return Socket(path, value)


@pytest.fixture(params=["citizen", "moderator", "official", "stage"])
def socket(request: pytest.FixtureRequest, dialogue: dict[str, Any]) -> Iterator[Socket]:
    opened = open_socket_of(request.param, dialogue)
    opened.kind = request.param  # type: ignore[attr-defined]
    yield opened
    opened.close()


def test_every_bad_frame_to_every_socket_gets_an_error_frame_and_writes_nothing(socket):
    before = written()
    seen: list[str] = []

    @FUZZ
    @given(frame=frames(socket.kind))
    def each(frame: str | bytes) -> None:
        reply = socket.answer(frame)
        assert reply["type"] == "error", (frame, reply)
        assert isinstance(reply["code"], str)
        seen.append(reply["code"])

    each()
    assert len(seen) >= FRAMES
    assert written() == before


# --- The pages' forms -----------------------------------------------------------------------------


def form_cases(found: dict[str, Any]) -> dict[str, tuple[str, str, Callable[[], PageClient], dict]]:
    """name -> (method, url, client maker, valid data); one field at a time is made hostile."""
    event: Event = found["event"]
    agency: Agency = event.agency

    def citizen() -> PageClient:
        client = PageClient()
        client.post(
            reverse("dialogue:join", args=[event.slug]), {"nickname": "Khách", "consent": "on"}
        )
        return client

    def signed_in(user: Any) -> Callable[[], PageClient]:
        def make() -> PageClient:
            client = PageClient()
            client.force_login(user)
            return client

        return make

    event_data = {
        "title": "Đối thoại mới",
        "slug": "",
        "description": "Mô tả",
        "legal_field": Event.LegalField.choices[0][0],
        "topic": "Luật Đất đai",
        "format": "online",
        "starts_at": "2030-01-01T08:00",
        "ends_at": "2030-01-01T10:00",
        "questions_open_at": "",
        "moderation_mode": "pre",
        "question_max_length": "500",
        "written_answer_days": "15",
        "stream_url": "",
        "recording_url": "",
        "documents-TOTAL_FORMS": "1",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "20",
        "documents-0-title": "Luật",
        "documents-0-number": "31/2024/QH15",
        "documents-0-url": "",
    }
    organiser = found["organiser"]
    return {
        "join": (
            "post",
            reverse("dialogue:join", args=[event.slug]),
            PageClient,
            {"nickname": "Khách", "consent": "on"},
        ),
        "ask": (
            "post",
            reverse("dialogue:ask", args=[event.slug]),
            citizen,
            {"text": "Câu hỏi", "client_id": str(uuid.uuid4()), "anonymous": ""},
        ),
        "vote": (
            "post",
            reverse("dialogue:vote", args=[event.slug, 10**12]),
            citizen,
            {"action": "unvote"},
        ),
        "catalogue": (
            "get",
            reverse("dialogue:catalogue"),
            PageClient,
            {"q": "đất", "agency": agency.slug, "field": "", "date_from": "", "date_to": ""},
        ),
        "feed": ("get", reverse("dialogue:answers_feed"), PageClient, {"agency": agency.slug}),
        "status": (
            "post",
            reverse("moderation:status", args=[event.slug]),
            signed_in(found["moderator"]),
            {"status": "nonsense"},
        ),
        "create_event": (
            "post",
            reverse("events:manage:create_event", args=[agency.slug]),
            signed_in(organiser),
            event_data,
        ),
        "invite": (
            "post",
            reverse("events:manage:invite", args=[agency.slug]),
            signed_in(organiser),
            {"email": "moi@example.vn", "role": "organiser", "event": "", "title": "Cán bộ"},
        ),
        "integration": (
            "post",
            reverse("events:manage:integration", args=[agency.slug]),
            signed_in(organiser),
            {"embed_origins": "https://portal.example.vn"},
        ),
        "delete_account": (
            "post",
            reverse("events:delete_account"),
            signed_in(found["citizen"]),
            {"confirmation": "sai@example.vn"},
        ),
    }


@pytest.fixture
def pages(dialogue: dict[str, Any]) -> dict[str, Any]:
    organiser = UserFactory()
    AgencyMembershipFactory(agency=dialogue["event"].agency, user=organiser)
    enable_totp(organiser)
    return {**dialogue, "organiser": organiser, "citizen": UserFactory(email="hoa@example.vn")}


def test_a_control_character_in_any_form_field_is_a_form_error_not_a_500(pages):
    cases = form_cases(pages)
    clients = {name: make() for name, (_, _, make, _) in cases.items()}
    before = written()
    statuses: list[int] = []

    @settings(FUZZ, max_examples=FORM_EXAMPLES * len(cases))
    @given(data=st.data())
    def each(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(cases)))
        method, url, _, valid = cases[name]
        # Every field but a checkbox, which takes any value as "on".
        field = data.draw(st.sampled_from(sorted(set(valid) - {"anonymous"})))
        hostile = {**valid, field: data.draw(hostile_text())}
        # Form data travels as UTF-8: a lone surrogate cannot be sent, so it becomes NUL there.
        hostile = {
            k: v.encode("utf-8", "replace").decode().replace("?", "\x00")
            if isinstance(v, str)
            else v
            for k, v in hostile.items()
        }
        response = getattr(clients[name], method)(url, hostile)
        assert response.status_code < 500, (name, field, hostile)
        statuses.append(response.status_code)

    each()
    assert written() == before
    assert len(statuses) >= FORM_EXAMPLES * len(cases)
    # Paths and query strings outside forms: a NUL in a stage link, an event's or an agency's
    # slug is not found, never a server error (PostgreSQL refuses NUL in a query).
    agency = pages["event"].agency.slug
    for path in (
        "/stage/abc%00def/",
        f"/api/events?agency={agency}%00",
        f"/api/answers?agency={agency}%00",
        f"/api/events/{pages['event'].slug}%00",
        f"/api/events/{pages['event'].slug}%00/questions",
        f"/answers.atom?agency={agency}%00",
    ):
        assert PageClient().get(path).status_code == 404, path
    assert connection.vendor in ("sqlite", "postgresql")
