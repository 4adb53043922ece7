"""The wire schema of the citizen socket: inbound commands and outbound frames.

Every inbound frame is parsed here before anything else happens; outbound frames are built here
from fresh model objects. docs/protocol.md is the contract and shows an example of each.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from uuid import UUID

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from dialogue.models import Question
from events.errors import DomainError, InvalidMessage
from events.models import Event

CommandId = Annotated[str, Field(min_length=1, max_length=64)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    id: CommandId


class Ask(Command):
    type: Literal["ask"]
    client_id: UUID = Field(strict=False)
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    anonymous: bool = False


class VoteCommand(Command):
    type: Literal["vote"]
    question: Annotated[int, Field(gt=0)]


class Unvote(Command):
    type: Literal["unvote"]
    question: Annotated[int, Field(gt=0)]


class Resync(Command):
    type: Literal["resync"]
    # The last `seq` the client applied: the reply is the deltas after it, or a snapshot.
    since: Annotated[int, Field(ge=0, le=2**62)] | None = None


class Ping(Command):
    type: Literal["ping"]


CitizenCommand = Annotated[Ask | VoteCommand | Unvote | Resync | Ping, Field(discriminator="type")]
_citizen_command = TypeAdapter(CitizenCommand)


def parse_command(text: str | None) -> CitizenCommand:
    """Parse and validate one inbound text frame; raise InvalidMessage with a clear reason."""
    return parse_frame(text, _citizen_command, limit=settings.DIALOGUE["MAX_FRAME_BYTES"])


def parse_frame(text: str | None, adapter: TypeAdapter[Any], *, limit: int) -> Any:
    """Check size, JSON and schema of one frame, for any socket; bad frames raise InvalidMessage."""
    if text is None:
        raise InvalidMessage("Only JSON text frames are accepted.", code="invalid_message")
    if len(text.encode()) > limit:
        raise InvalidMessage("The message is too large.", code="too_large")
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidMessage("The message is not valid JSON.") from None
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
        raise InvalidMessage(f"{where}: {first['msg']}") from None


def command_id(text: str | None) -> str | None:
    """The id of a frame that failed validation, if it has a usable one, to address the error."""
    try:
        value = json.loads(text or "").get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and len(value) <= 64 else None


# --- Outbound ------------------------------------------------------------------------------------


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"), default=str)


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
    return {"type": "question.published", "seq": seq, "question": public_question(question)}


def question_withdrawn(question: Question, seq: int) -> dict[str, Any]:
    return {"type": "question.withdrawn", "seq": seq, "question_id": question.pk}


def own_question_updated(question: Question) -> dict[str, Any]:
    return {"type": "own_question.updated", "question": own_question(question)}


def tally(counts: dict[int, int]) -> dict[str, Any]:
    return {"type": "tally", "votes": {str(pk): n for pk, n in counts.items()}}


def error_frame(error: DomainError, *, reply_to: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": error.code, "message": error.message}
    if reply_to is not None:
        frame["reply_to"] = reply_to
    return frame
