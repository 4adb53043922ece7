"""The frames of the moderator, official and stage sockets, one model each (docs/protocol.md).

Their inbound commands are in `moderation/messages.py`. Replies shared with the citizen socket
(`pong`, `error`) are the citizen's models, extended where a console needs more.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from dialogue.frames import PublicPoll
from live.wire import Error, Frame, Part


class Person(Part):
    id: int
    name: str


class Flag(Part):
    kind: str
    phrase: str


class DuplicateHint(Part):
    id: int
    score: float


class LegalFieldHint(Part):
    code: str
    label: str


class ModeratorQuestion(Part):
    """A question as moderators see it; an anonymous asker's name only if the event allows."""

    id: int
    version: int
    text: str
    original_text: str | None
    author: str | None
    participant: int | None
    anonymous: bool
    status: str
    stage: str | None
    queue_position: int | None
    starred: bool
    topic: str | None
    routed_to: Person | None
    votes: int
    reason: str | None
    note: str | None
    merged_into: int | None
    asked_at: str
    flags: list[Flag]
    duplicates: list[DuplicateHint]
    # The legal field suggested by the articles that answer it (law/matching.py).
    legal_field: LegalFieldHint | None = None


class Modes(Part):
    moderation: str
    intake_open: bool
    voting_open: bool
    status: str


class EventHead(Part):
    id: int
    slug: str
    title: str


class Official(Part):
    id: int
    name: str
    title: str


class Reason(Part):
    code: str
    label: str


class ThemeArticle(Part):
    label: str
    url: str


class MergeHint(Part):
    """Merge `source` into `target`, asked first: a moderator confirms it."""

    target: int
    source: int
    score: int


class ThemeHint(Part):
    """A theme of the room: its questions in the order asked (the first is its id), its most
    telling words and the articles most of its questions lead to."""

    id: int
    questions: list[int]
    words: list[str]
    articles: list[ThemeArticle]
    merges: list[MergeHint]


class ModSnapshot(Frame):
    socket: ClassVar[str] = "moderator"
    type: Literal["mod.snapshot"] = "mod.snapshot"
    reply_to: str | None = None
    event: EventHead
    modes: Modes
    officials: list[Official]
    reasons: list[Reason]
    questions: list[ModeratorQuestion]
    # The themes last made of the room (`mod.themes`), if any.
    themes: list[ThemeHint] | None = None


class ModQuestion(Frame):
    socket: ClassVar[str] = "moderator"
    type: Literal["mod.question"] = "mod.question"
    question: ModeratorQuestion


class ModThemes(Frame):
    """The themes of the dialogue's questions, made again after each question asked (those of
    two questions or more, the largest first)."""

    socket: ClassVar[str] = "moderator"
    type: Literal["mod.themes"] = "mod.themes"
    reply_to: str | None = None
    themes: list[ThemeHint]
    # The newest question they were made from (None: the room has none): the themes of every
    # question up to it, whether or not it joined a theme.
    made_from: int | None
    made_at: str


class ModRemoved(Frame):
    """A question is gone: its asker erased their data before it was answered."""

    socket: ClassVar[str] = "moderator"
    type: Literal["mod.removed"] = "mod.removed"
    question_id: int


class ModEvent(Frame):
    socket: ClassVar[str] = "moderator"
    type: Literal["mod.event"] = "mod.event"
    modes: Modes


class ConflictError(Error):
    """An `error` of a console, which may carry the question's current state (a conflict)."""

    socket: ClassVar[str] = "moderator"
    question: ModeratorQuestion | None = None


class LawDocumentState(Part):
    """A legal document's title and status; `applies`: its articles are still the law."""

    title: str
    status: str
    status_label: str
    applies: bool


class CitationState(Part):
    """A citation under an answer: the words kept when cited, and where they are."""

    id: int
    label: str
    quote: str
    url: str
    document: LawDocumentState


class AnswerState(Part):
    kind: str
    body: str
    live_note: str
    published: bool
    citations: list[CitationState]


class LawClauseHint(Part):
    id: int
    label: str
    text: str
    url: str


class LawArticleHint(Part):
    id: int
    label: str
    heading: str
    url: str
    document: LawDocumentState
    clauses: list[LawClauseHint]


class OfficialQuestion(Part):
    """A question as the official it is routed to sees it: never an anonymous asker's name."""

    id: int
    version: int
    text: str
    author: str | None
    status: str
    stage: str | None
    queue_position: int | None
    topic: str | None
    votes: int
    asked_at: str
    due_at: str | None
    answer: AnswerState | None


class Refused(Part):
    question: int
    code: str
    message: str


class Done(Frame):
    """The reply to a moderator's or an official's command: the questions it changed."""

    socket: ClassVar[str] = "moderator"
    type: Literal["done"] = "done"
    reply_to: str
    questions: list[ModeratorQuestion] | list[OfficialQuestion]
    modes: Modes | None = None
    refused: list[Refused] | None = None
    # The poll a poll command changed.
    poll: PublicPoll | None = None


class OfficialEvent(Part):
    id: int
    slug: str
    title: str
    status: str


class OfficialSnapshot(Frame):
    socket: ClassVar[str] = "official"
    type: Literal["official.snapshot"] = "official.snapshot"
    reply_to: str | None = None
    event: OfficialEvent
    questions: list[OfficialQuestion]


class OfficialQuestionUpdated(Frame):
    socket: ClassVar[str] = "official"
    type: Literal["official.question"] = "official.question"
    question: OfficialQuestion


class OfficialLaw(Frame):
    """The reply to `law`: the articles most likely to answer the question, best first, each
    with the clauses that hold most of its words."""

    socket: ClassVar[str] = "official"
    type: Literal["official.law"] = "official.law"
    reply_to: str
    question: int
    articles: list[LawArticleHint]


class OfficialQuestionRemoved(Frame):
    socket: ClassVar[str] = "official"
    type: Literal["official.removed"] = "official.removed"
    question_id: int


class StageOfficial(Part):
    name: str
    title: str


class StageItem(Part):
    id: int
    text: str
    author: str | None
    votes: int
    topic: str | None
    official: StageOfficial | None
    note: str | None


class StageEvent(Part):
    title: str
    status: str


class StageState(Frame):
    socket: ClassVar[str] = "stage"
    type: Literal["stage.state"] = "stage.state"
    event: StageEvent
    now: StageItem | None
    next: list[StageItem]
    # The poll whose results the moderator shows on stage, if any.
    poll: PublicPoll | None = None


class StageRevoked(Frame):
    socket: ClassVar[str] = "stage"
    type: Literal["stage.revoked"] = "stage.revoked"
