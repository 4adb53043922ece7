"""The citizen socket's frames, server to client, one model each (docs/protocol.md).

The inbound commands are in `dialogue/messages.py`. A citizen frame carries only what the public
(or the participant it is addressed to) may see: the models forbid any other field.
"""

from __future__ import annotations

from typing import Literal

from live.wire import Frame, Part


class PublicQuestion(Part):
    """A question as anyone may see it; never the identity of an anonymous asker."""

    id: int
    text: str
    author: str | None
    status: str
    votes: int
    stage: str | None
    topic: str | None
    asked_at: str


class OwnQuestion(PublicQuestion):
    """A question as its own author sees it, with the reason if refused."""

    anonymous: bool
    reason: str | None
    merged_into: int | None


class EventState(Part):
    id: int
    slug: str
    title: str
    status: str
    moderation: str
    intake_open: bool
    voting_open: bool
    question_max_length: int


class Me(Part):
    name: str


class PublicSnapshotPart(Part):
    """The part of a snapshot that is the same for everyone, built once per change."""

    seq: int
    event: EventState
    questions: list[PublicQuestion]


class PersonalSnapshotPart(Part):
    """The part of a snapshot that is this participant's own."""

    me: Me | None
    mine: list[OwnQuestion]
    voted: list[int]


class SnapshotHead(Part):
    """The head of a resync's snapshot, the public part spliced after it."""

    type: Literal["snapshot"] = "snapshot"
    reply_to: str
    partial: bool


class QuestionPublished(Frame):
    type: Literal["question.published"] = "question.published"
    seq: int
    question: PublicQuestion


class QuestionWithdrawn(Frame):
    type: Literal["question.withdrawn"] = "question.withdrawn"
    seq: int
    question_id: int


class Snapshot(Frame):
    type: Literal["snapshot"] = "snapshot"
    reply_to: str | None = None
    # A resync's answer carries the public part only.
    partial: bool | None = None
    seq: int
    event: EventState
    questions: list[PublicQuestion]
    me: Me | None = None
    mine: list[OwnQuestion] | None = None
    voted: list[int] | None = None


class Backlog(Frame):
    type: Literal["backlog"] = "backlog"
    reply_to: str
    since: int
    frames: list[QuestionPublished | QuestionWithdrawn]


class Tally(Frame):
    type: Literal["tally"] = "tally"
    votes: dict[str, int]


class OwnQuestionUpdated(Frame):
    type: Literal["own_question.updated"] = "own_question.updated"
    question: OwnQuestion


class EventUpdated(Frame):
    type: Literal["event.updated"] = "event.updated"
    event: EventState


class Asked(Frame):
    type: Literal["asked"] = "asked"
    reply_to: str
    question: OwnQuestion


class Voted(Frame):
    type: Literal["voted"] = "voted"
    reply_to: str
    question_id: int
    voted: bool
    votes: int


class Pong(Frame):
    type: Literal["pong"] = "pong"
    reply_to: str | None = None


class Error(Frame):
    type: Literal["error"] = "error"
    reply_to: str | None = None
    code: str
    message: str


class Banned(Frame):
    type: Literal["banned"] = "banned"


class SignedOut(Frame):
    type: Literal["signed_out"] = "signed_out"
