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


class PollOptionItem(Part):
    id: int
    label: str


class PollWord(Part):
    """A short-text answer as the word cloud counts it (folded to lower case), and how often."""

    text: str
    count: int


class PollResultsPart(Part):
    """A poll's results: how many answered, how many chose each option, the frequent words."""

    total: int
    counts: dict[str, int]
    words: list[PollWord]


class PublicPoll(Part):
    """A poll as anyone may see it: never who answered what."""

    id: int
    question: str
    kind: Literal["single", "multiple", "rating", "text", "ranking", "quiz"]
    status: Literal["draft", "open", "closed"]
    options: list[PollOptionItem]
    text_max_length: int
    results: PollResultsPart
    # A quiz, once the moderator revealed it: the right option, and the first who were right
    # among those who agreed to be named. Until then null and empty: never sent before.
    correct: int | None = None
    leaderboard: list[str] = []


class PublicSnapshotPart(Part):
    """The part of a snapshot that is the same for everyone, built once per change."""

    seq: int
    event: EventState
    questions: list[PublicQuestion]
    # The open poll or, when none is open, the one closed last.
    poll: PublicPoll | None = None


class PersonalSnapshotPart(Part):
    """The part of a snapshot that is this participant's own."""

    me: Me | None
    mine: list[OwnQuestion]
    voted: list[int]
    polls_answered: list[int] | None = None


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
    poll: PublicPoll | None = None
    me: Me | None = None
    mine: list[OwnQuestion] | None = None
    voted: list[int] | None = None
    polls_answered: list[int] | None = None


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


class PollUpdated(Frame):
    """A poll was opened or closed (not sequenced: it carries the poll's whole state)."""

    type: Literal["poll.updated"] = "poll.updated"
    poll: PublicPoll


class PollResults(Frame):
    """A poll's current results, at most one frame per poll per tally interval."""

    type: Literal["poll.results"] = "poll.results"
    poll_id: int
    results: PollResultsPart


class PollAnswered(Frame):
    type: Literal["poll.answered"] = "poll.answered"
    reply_to: str
    poll_id: int
    results: PollResultsPart


class Pong(Frame):
    type: Literal["pong"] = "pong"
    reply_to: str | None = None


class Followed(Frame):
    """The private link was valid: this socket now gets its asker's `own_question.updated`."""

    type: Literal["followed"] = "followed"
    reply_to: str | None = None


class Banned(Frame):
    type: Literal["banned"] = "banned"


class SignedOut(Frame):
    type: Literal["signed_out"] = "signed_out"
