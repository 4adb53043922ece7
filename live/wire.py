"""The typed wire contract: every frame a socket sends is built through one pydantic model.

A frame model names its `type` as a `Literal` and forbids fields it does not declare, so a field
meant for moderators cannot reach a citizen's frame unnoticed: building it fails. Frames are
validated once, where a service builds them, then serialised once per broadcast
(`live/frames.py`); never per socket. The models of each socket live with their app
(`dialogue/frames.py`, `moderation/frames.py`); these are the ones the live core sends itself.
`docs/protocol.md` documents each type with an example, checked by tests/test_protocol_contract.py.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from live.errors import DomainError


def dumps(frame: dict[str, Any]) -> str:
    """The one JSON encoding of every frame: compact, UTF-8 text as is."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"), default=str)


class Part(BaseModel):
    """A nested object of a frame: exactly its fields, of exactly their types."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Frame(Part):
    """One frame type. `sent_at` (Unix ms) is stamped on broadcasts as they leave."""

    # The socket whose protocol section documents it: citizen, moderator, official or stage.
    socket: ClassVar[str] = "citizen"
    type: str
    sent_at: float | None = None


def build(model: type[Frame], /, **fields: Any) -> dict[str, Any]:
    """The frame as a dict of exactly the fields given, after checking them against `model`."""
    type_name = model.model_fields["type"].default
    frame = model.model_validate({"type": type_name, **fields})
    return frame.model_dump(mode="json", exclude_unset=True)


def frame_types() -> dict[str, type[Frame]]:
    """Every frame model defined (the apps' modules imported), by its `type`."""
    found: dict[str, type[Frame]] = {}
    pending = list(Frame.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        found[model.model_fields["type"].default] = model
    return found


# --- The live core's own frames ------------------------------------------------------------------


class Presence(Frame):
    socket: ClassVar[str] = "citizen"
    type: Literal["presence"] = "presence"
    connected: int


class Error(Frame):
    """A refused command or frame, on every socket (docs/protocol.md, "Errors")."""

    type: Literal["error"] = "error"
    reply_to: str | None = None
    code: str
    message: str


def error_frame(error: DomainError, *, reply_to: str | None = None) -> dict[str, Any]:
    """The error frame of a refusal, addressed to the command it answers when there is one."""
    if reply_to is None:
        return build(Error, code=error.code, message=str(error.message))
    return build(Error, reply_to=reply_to, code=error.code, message=str(error.message))


class AccessRevoked(Frame):
    socket: ClassVar[str] = "moderator"
    type: Literal["access.revoked"] = "access.revoked"


def part(model: type[Part], /, **fields: Any) -> dict[str, Any]:
    """A nested object (or a part of a frame spliced from text), checked against `model`."""
    return model.model_validate(fields).model_dump(mode="json", exclude_unset=True)
