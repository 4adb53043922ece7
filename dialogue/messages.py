"""The wire schema of the citizen socket: inbound commands and outbound frames.

Every inbound frame is parsed here before anything else happens; outbound frames are built here
from fresh model objects. docs/protocol.md is the contract and shows an example of each.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from dialogue import frames
from dialogue.models import Poll, PollAnswer, Question
from events.models import Event
from events.text import has_control_characters
from live.errors import InvalidMessage
from live.wire import build

CommandId = Annotated[str, Field(min_length=1, max_length=64)]
# Ids are database keys (64-bit) that a browser holds as a number: beyond 2**53 - 1 it cannot.
MAX_ID = 2**53 - 1
Id = Annotated[int, Field(gt=0, le=MAX_ID)]
# Versions are 32-bit counters (PositiveIntegerField).
MAX_VERSION = 2**31 - 1
# The deepest nesting any command has is three ({"items": [{...}]}); a little room beyond.
MAX_DEPTH = 8
T = TypeVar("T")

# Control characters (events/text.py) arrive in JSON text only as escapes (\u0000, \b, \f), or
# raw as DEL and C1: frames without any are not walked (a vote, for instance).
_MAY_HIDE_FORBIDDEN = re.compile(r"\\[ubf]|[\x7f-\x9f]")
_BRACKETS = re.compile(r"[\[\]{}]")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    id: CommandId


class Ask(Command):
    type: Literal["ask"]
    client_id: UUID = Field(strict=False)
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    anonymous: bool = False
    # The legal field the asker chose; a standing Q&A asks for one (Event.LegalField).
    legal_field: Annotated[str, Field(max_length=20)] = ""


class VoteCommand(Command):
    type: Literal["vote"]
    question: Id


class Unvote(Command):
    type: Literal["unvote"]
    question: Id


class PollAnswerCommand(Command):
    """Answer the open poll: option ids for a choice or a rating, `text` for a short text."""

    type: Literal["poll_answer"]
    poll: Id
    # Bounded here; how many a poll accepts is the service's check (`too_many_options`).
    options: Annotated[list[Id], Field(max_length=20)] = []
    text: Annotated[str, Field(max_length=500)] = ""
    # A quiz: the answerer's name on the leaderboard if they are right (opt-in).
    leaderboard: bool = False


class Resync(Command):
    type: Literal["resync"]
    # The last `seq` the client applied: the reply is the deltas after it, or a snapshot.
    since: Annotated[int, Field(ge=0, le=2**62)] | None = None


class Ping(Command):
    type: Literal["ping"]


class Follow(Command):
    """The asker's private page: follow the questions of the participant whose private link
    carries `token` (what their page shows, from any browser, without the session)."""

    type: Literal["follow"]
    token: Annotated[str, Field(min_length=1, max_length=200)]


CitizenCommand = Annotated[
    Ask | VoteCommand | Unvote | PollAnswerCommand | Resync | Ping | Follow,
    Field(discriminator="type"),
]
_citizen_command = TypeAdapter(CitizenCommand)


def parse_command(text: str | None) -> CitizenCommand:
    """Parse and validate one inbound text frame; raise InvalidMessage with a clear reason."""
    return parse_frame(text, _citizen_command, limit=settings.DIALOGUE["MAX_FRAME_BYTES"])


def parse_frame(text: str | None, adapter: TypeAdapter[T], *, limit: int) -> T:
    """Check size, JSON and schema of one frame, for any socket; bad frames raise InvalidMessage."""
    if text is None:
        raise InvalidMessage("Only JSON text frames are accepted.", code="invalid_message")
    if len(text.encode()) > limit:
        raise InvalidMessage("The message is too large.", code="too_large")
    data = _decode(text)
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise InvalidMessage("A message is a JSON object with a string 'type'.")
    try:
        return adapter.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        if first["type"] == "union_tag_invalid":
            raise InvalidMessage(
                f"Unknown message type {data['type']!r}.", code="unknown_type"
            ) from None
        where = ".".join(str(part) for part in first["loc"][1:]) or "message"
        raise InvalidMessage(f"{where[:80]}: {first['msg']}") from None


def _decode(text: str) -> Any:
    """JSON of bounded depth whose every string (keys too) is free of control characters."""
    # Counted before decoding: the decoder recurses once per level, and a few kilobytes of
    # brackets raised RecursionError. Frames with few brackets (nearly all) are not scanned.
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise InvalidMessage(f"The message is nested deeper than {MAX_DEPTH} levels.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidMessage("The message is not valid JSON.") from None
    if _MAY_HIDE_FORBIDDEN.search(text) and _has_forbidden(data):
        raise InvalidMessage("The message holds control characters.", code="invalid_message")
    return data


def _depth(text: str) -> int:
    deepest = depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _has_forbidden(data: Any) -> bool:
    if isinstance(data, str):
        return has_control_characters(data)
    if isinstance(data, dict):
        return any(_has_forbidden(key) or _has_forbidden(value) for key, value in data.items())
    if isinstance(data, list):
        return any(_has_forbidden(value) for value in data)
    return False


def command_id(text: str | None) -> str | None:
    """The id of a frame that failed validation, if it has a usable one, to address the error."""
    try:
        data = _decode(text or "")
    except InvalidMessage:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and len(value) <= 64 else None


# --- Outbound ------------------------------------------------------------------------------------


def public_question(question: Question) -> dict[str, Any]:
    """A question as anyone may see it; never the identity of an anonymous asker."""
    return {
        "id": question.pk,
        "text": question.text,
        "author": question.public_author_name,
        "status": question.status,
        "votes": question.vote_count,
        "stage": question.stage or None,
        "topic": question.topic or None,
        "asked_at": question.created_at.isoformat(),
    }


def own_question(question: Question) -> dict[str, Any]:
    """A question as its own author sees it, whatever its status, with the reason if refused."""
    return {
        **public_question(question),
        "author": question.author.display_name,
        "anonymous": question.is_anonymous,
        "reason": question.rejection_reason or None,
        "merged_into": question.merged_into_id,
    }


def event_state(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "slug": event.slug,
        "title": event.title,
        "status": event.status,
        "moderation": event.moderation_mode,
        "intake_open": event.intake_is_open(),
        "voting_open": event.voting_is_open(),
        "question_max_length": event.question_max_length,
    }


def question_published(question: Question, seq: int) -> dict[str, Any]:
    return build(frames.QuestionPublished, seq=seq, question=public_question(question))


def question_withdrawn(question: Question, seq: int) -> dict[str, Any]:
    return withdrawn_frame(question_id=question.pk, seq=seq)


def withdrawn_frame(*, question_id: int, seq: int) -> dict[str, Any]:
    """A question left the public list; also what an erased question's logged deltas become."""
    return build(frames.QuestionWithdrawn, seq=seq, question_id=question_id)


def own_question_updated(question: Question) -> dict[str, Any]:
    return build(frames.OwnQuestionUpdated, question=own_question(question))


# The longest short-text answer to a poll, in characters.
POLL_TEXT_MAX_LENGTH = 80


def public_poll(poll: Poll, results: dict[str, Any]) -> dict[str, Any]:
    """A poll as anyone may see it, with its results (`selectors.poll_results`); a quiz's right
    answer and leaderboard only once revealed."""
    revealed = poll.kind == Poll.Kind.QUIZ and poll.revealed_at is not None
    options = list(poll.options.all())
    return {
        "id": poll.pk,
        "question": poll.question,
        "kind": poll.kind,
        "status": poll.status,
        "options": [{"id": option.pk, "label": option.label} for option in options],
        "text_max_length": POLL_TEXT_MAX_LENGTH,
        "results": results,
        "correct": next((o.pk for o in options if o.correct), None) if revealed else None,
        "leaderboard": quiz_leaderboard(poll) if revealed else [],
    }


# The leaderboard names this many of those who were right, fastest first.
LEADERBOARD_SIZE = 10


def quiz_leaderboard(poll: Poll) -> list[str]:
    """The names of the first who answered a quiz right, among those who agreed to be named."""
    right = (
        PollAnswer.objects.filter(
            poll=poll,
            on_leaderboard=True,
            options__correct=True,
            participant__erased_at__isnull=True,
        )
        .select_related("participant__user")
        .order_by("created_at", "pk")[:LEADERBOARD_SIZE]
    )
    return [answer.participant.display_name for answer in right]


def poll_updated(poll: Poll, results: dict[str, Any]) -> dict[str, Any]:
    return build(frames.PollUpdated, poll=public_poll(poll, results))


def poll_results(poll_id: int, results: dict[str, Any]) -> dict[str, Any]:
    return build(frames.PollResults, poll_id=poll_id, results=results)


def tally(counts: dict[int, int]) -> dict[str, Any]:
    return build(frames.Tally, votes={str(pk): n for pk, n in counts.items()})
