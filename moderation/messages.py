"""The wire schema of the moderator socket: inbound commands and outbound frames.

Path: /ws/events/<slug>/moderate/. docs/protocol.md ("The moderator socket") is the contract.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from dialogue.frames import Banned, EventUpdated
from dialogue.messages import MAX_VERSION, Id, parse_frame
from dialogue.models import Citation, Question
from events.models import Event
from law.matching import suggest_field
from law.models import Article as LegalArticle
from law.models import Clause, LegalDocument
from law.selectors import quoted
from live.wire import build
from moderation import frames

QuestionId = Id
Version = Annotated[int, Field(ge=1, le=MAX_VERSION)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    id: Annotated[str, Field(min_length=1, max_length=64)]


class OnQuestion(Command):
    question: QuestionId
    version: Version


class Approve(OnQuestion):
    type: Literal["approve"]


class Reject(OnQuestion):
    type: Literal["reject"]
    reason: Annotated[str, Field(max_length=20)]
    note: Annotated[str, Field(max_length=300)] = ""


class Edit(OnQuestion):
    type: Literal["edit"]
    text: Annotated[str, Field(min_length=1, max_length=2000)]


class Tag(OnQuestion):
    type: Literal["tag"]
    topic: Annotated[str, Field(max_length=80)]


class Star(OnQuestion):
    type: Literal["star"]
    starred: bool


class Route(OnQuestion):
    type: Literal["route"]
    official: QuestionId | None


class Stage(OnQuestion):
    type: Literal["stage"]
    stage: Literal["next", "now", "answered", "none"]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    question: QuestionId
    version: Version


class Merge(OnQuestion):
    type: Literal["merge"]
    sources: Annotated[list[Item], Field(min_length=1, max_length=50)]


class Bulk(Command):
    type: Literal["bulk"]
    action: Literal["approve", "reject"]
    items: Annotated[list[Item], Field(min_length=1, max_length=200)]
    reason: Annotated[str, Field(max_length=20)] = ""


class Modes(Command):
    type: Literal["modes"]
    moderation: Literal["pre", "post"] | None = None
    intake_open: bool | None = None
    voting_open: bool | None = None


class Ban(Command):
    """Ban a participant, named by id or, as for an anonymous asker, by one of their questions."""

    type: Literal["ban"]
    participant: QuestionId | None = None
    question: QuestionId | None = None
    scope: Literal["event", "agency"] = "event"
    reason: Annotated[str, Field(max_length=300)] = ""

    @model_validator(mode="after")
    def _one_target(self) -> Ban:
        if (self.participant is None) == (self.question is None):
            raise ValueError("give either 'participant' or 'question'")
        return self


class OpenPoll(Command):
    """Open a prepared poll; the open one, if any, closes."""

    type: Literal["open_poll"]
    poll: Id


class ClosePoll(Command):
    type: Literal["close_poll"]
    poll: Id


class ShowPoll(Command):
    """Show a poll's results on the stage screen, or take them off."""

    type: Literal["show_poll"]
    poll: Id
    shown: bool


class Resync(Command):
    type: Literal["resync"]


class Ping(Command):
    type: Literal["ping"]


ModeratorCommand = Annotated[
    Approve
    | Reject
    | Edit
    | Tag
    | Star
    | Route
    | Stage
    | Merge
    | Bulk
    | Modes
    | Ban
    | OpenPoll
    | ClosePoll
    | ShowPoll
    | Resync
    | Ping,
    Field(discriminator="type"),
]
_moderator_command = TypeAdapter(ModeratorCommand)
COMMAND_TYPES = (
    "approve",
    "reject",
    "edit",
    "tag",
    "star",
    "route",
    "stage",
    "merge",
    "bulk",
    "modes",
    "ban",
    "open_poll",
    "close_poll",
    "show_poll",
    "resync",
    "ping",
)


def parse_command(text: str | None) -> ModeratorCommand:
    """Parse and validate one inbound frame of the moderator socket."""
    return parse_frame(text, _moderator_command, limit=settings.DIALOGUE["MAX_FRAME_BYTES"] * 4)


class Answering(Command):
    type: Literal["answering"]
    question: QuestionId


class Note(Command):
    type: Literal["note"]
    question: QuestionId
    note: Annotated[str, Field(max_length=300)]


class AnswerCommand(Command):
    type: Literal["answer"]
    question: QuestionId
    body: Annotated[str, Field(min_length=1, max_length=20000)]
    publish: bool = False


class LawLookup(Command):
    """The articles and clauses most likely to answer a question."""

    type: Literal["law"]
    question: QuestionId


class Cite(Command):
    """Cite an article, or one of its clauses, in the question's answer; `outdated_ok` cites a
    document no longer in force on purpose."""

    type: Literal["cite"]
    question: QuestionId
    article: Id
    clause: Id | None = None
    outdated_ok: bool = False


class Uncite(Command):
    type: Literal["uncite"]
    question: QuestionId
    citation: Id


OfficialCommand = Annotated[
    Answering | Note | AnswerCommand | LawLookup | Cite | Uncite | Resync | Ping,
    Field(discriminator="type"),
]
_official_command = TypeAdapter(OfficialCommand)
OFFICIAL_COMMAND_TYPES = (
    "answering",
    "note",
    "answer",
    "law",
    "cite",
    "uncite",
    "resync",
    "ping",
)


def parse_official_command(text: str | None) -> OfficialCommand:
    """Parse and validate one inbound frame of the official's socket."""
    return parse_frame(text, _official_command, limit=settings.DIALOGUE["MAX_FRAME_BYTES"] * 16)


# --- Outbound ------------------------------------------------------------------------------------


def moderator_question(
    question: Question, event: Event, screening: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A question as moderators see it; an anonymous asker's name only if the event allows."""
    hide = question.is_anonymous and not event.reveal_anonymous_to_moderators
    routed = question.routed_to
    return {
        "id": question.pk,
        "version": question.version,
        "text": question.text,
        "original_text": question.original_text or None,
        "author": None if hide else question.author.display_name,
        # The participant id links an asker's questions together: hidden with the name.
        "participant": None if hide else question.author_id,
        "anonymous": question.is_anonymous,
        "status": question.status,
        "stage": question.stage or None,
        "queue_position": question.queue_position,
        "starred": question.starred,
        "topic": question.topic or None,
        "routed_to": {"id": routed.pk, "name": routed.public_name} if routed else None,
        "votes": question.vote_count,
        "reason": question.rejection_reason or None,
        "note": question.rejection_note or None,
        "merged_into": question.merged_into_id,
        "asked_at": question.created_at.isoformat(),
        "flags": (screening or {}).get("flags", []),
        "duplicates": (screening or {}).get("duplicates", []),
        "legal_field": suggested_field(question),
    }


def suggested_field(question: Question) -> dict[str, str] | None:
    """The legal field the articles that answer a question belong to, if they agree."""
    if question.erased_at is not None:
        return None
    code = suggest_field(question.text)
    if code is None or code not in Event.LegalField.values or code == Event.LegalField.OTHER:
        return None
    return {"code": code, "label": str(Event.LegalField(code).label)}


def question_updated(
    question: Question, event: Event, screening: dict[str, Any] | None = None
) -> dict[str, Any]:
    return build(frames.ModQuestion, question=moderator_question(question, event, screening))


def modes(event: Event) -> dict[str, Any]:
    return {
        "moderation": event.moderation_mode,
        "intake_open": not event.intake_closed,
        "voting_open": not event.voting_closed,
        "status": event.status,
    }


def event_updated(event: Event) -> dict[str, Any]:
    return build(frames.ModEvent, modes=modes(event))


def public_event_updated(event: Event) -> dict[str, Any]:
    from dialogue.messages import event_state

    return build(EventUpdated, event=event_state(event))


def banned_notice() -> dict[str, Any]:
    return build(Banned)


def official_question(question: Question) -> dict[str, Any]:
    """A question as the official it is routed to sees it: never an anonymous asker's name."""
    answer = getattr(question, "answer", None)
    return {
        "id": question.pk,
        "version": question.version,
        "text": question.text,
        "author": question.public_author_name,
        "status": question.status,
        "stage": question.stage or None,
        "queue_position": question.queue_position,
        "topic": question.topic or None,
        "votes": question.vote_count,
        "asked_at": question.created_at.isoformat(),
        "due_at": question.answer_due_at.isoformat() if question.answer_due_at else None,
        "answer": {
            "kind": answer.kind,
            "body": answer.body,
            "live_note": answer.live_note,
            "published": answer.is_published,
            "citations": [cited(c) for c in answer.citations.all()],
        }
        if answer
        else None,
    }


def _document(document: LegalDocument) -> dict[str, Any]:
    return {
        "title": document.title,
        "status": document.status,
        "status_label": str(document.get_status_display()),
        "applies": document.applies,
    }


def cited(citation: Citation) -> dict[str, Any]:
    """A citation as the official sees it under their answer: the words kept, where they are,
    and whether the document still applies."""
    article, clause = citation.article, citation.clause
    label = (
        _("Clause %(clause)s, Article %(article)s")
        % {"clause": clause.number, "article": article.number}
        if clause
        else article.label
    )
    anchor = f"#khoan-{clause.number}" if clause else ""
    return {
        "id": citation.pk,
        "label": label,
        "quote": citation.quote,
        "url": article.get_absolute_url() + anchor,
        "document": _document(article.document),
    }


def official_law(
    question_id: int, suggested: list[tuple[LegalArticle, list[Clause]]], reply_to: str
) -> dict[str, Any]:
    """The articles and clauses suggested for a question, best first."""
    return build(
        frames.OfficialLaw,
        reply_to=reply_to,
        question=question_id,
        articles=[
            {
                "id": article.pk,
                "label": article.label,
                "heading": article.heading,
                "url": article.get_absolute_url(),
                "document": _document(article.document),
                "clauses": [
                    {
                        "id": clause.pk,
                        "label": _("Clause %(clause)s") % {"clause": clause.number},
                        "text": quoted(article, clause),
                        "url": f"{article.get_absolute_url()}#khoan-{clause.number}",
                    }
                    for clause in clauses
                ],
            }
            for article, clauses in suggested
        ],
    )


def official_question_updated(question: Question) -> dict[str, Any]:
    return build(frames.OfficialQuestionUpdated, question=official_question(question))


def question_removed(*, question_id: int) -> dict[str, Any]:
    """The consoles drop a question: its asker erased it."""
    return build(frames.ModRemoved, question_id=question_id)


def official_question_removed(question: Question) -> dict[str, Any]:
    return build(frames.OfficialQuestionRemoved, question_id=question.pk)
