"""The public, read-only JSON API: dialogues, their published questions, published answers.

Served under /api/ by django-ninja, which also writes the OpenAPI document
(/api/openapi.json). Nothing here needs an account, and nothing writes. docs/integration.md
describes it for the agencies' developers.
"""

from __future__ import annotations

from datetime import datetime

from django.core.validators import slug_re
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError
from pydantic import Field

from dialogue import selectors
from dialogue.models import Question
from events import selectors as event_selectors
from events.models import Agency, Event

api = NinjaAPI(
    title="Đối thoại chính sách – pháp luật: public API",
    version="1",
    description="Read-only: public dialogues, their published questions and published answers.",
    urls_namespace="api",
    docs_url=None,
)


class AgencyOut(Schema):
    slug: str
    name: str
    parent: str | None = Field(description="The slug of the agency above this one, if any.")


class LegalDocumentOut(Schema):
    title: str
    number: str
    url: str


class EventOut(Schema):
    slug: str
    title: str
    description: str
    agency: AgencyOut
    status: str = Field(description="scheduled, live, ended or archived")
    legal_field: str
    topic: str
    starts_at: datetime
    ends_at: datetime
    url: str
    stream_url: str
    recording_url: str
    legal_documents: list[LegalDocumentOut]


class AnswerOut(Schema):
    kind: str = Field(description="live or written")
    body: str
    official_title: str
    published_at: datetime


class QuestionOut(Schema):
    id: int
    text: str
    author: str | None = Field(description="null when asked anonymously")
    status: str = Field(description="approved or answered")
    votes: int
    topic: str | None
    asked_at: datetime
    event: str = Field(description="The slug of the dialogue.")
    answer: AnswerOut | None


class Problem(Schema):
    detail: str


class EventFilters(Schema):
    agency: str | None = Field(None, description="An agency's slug; includes those below it.")
    status: str | None = Field(None, pattern="^(scheduled|live|ended|archived)$")
    legal_field: str | None = Field(None, max_length=20)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


class Page(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


class AnswerFilters(Page):
    agency: str | None = Field(None, description="An agency's slug; includes those below it.")
    event: str | None = Field(None, description="A dialogue's slug.")


def _agency(agency: Agency) -> AgencyOut:
    return AgencyOut(
        slug=agency.slug, name=agency.name, parent=agency.parent.slug if agency.parent else None
    )


def _event(request: HttpRequest, event: Event) -> EventOut:
    return EventOut(
        slug=event.slug,
        title=event.title,
        description=event.description,
        agency=_agency(event.agency),
        status=event.status,
        legal_field=event.legal_field,
        topic=event.topic,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        url=request.build_absolute_uri(event.get_absolute_url()),
        stream_url=event.stream_url,
        recording_url=event.recording_url,
        legal_documents=[
            LegalDocumentOut(title=d.title, number=d.number, url=d.url)
            for d in event.legal_documents.all()
        ],
    )


def _answer(question: Question, titles: dict[int, str]) -> AnswerOut | None:
    answer = getattr(question, "answer", None)
    if answer is None or answer.published_at is None:
        return None
    return AnswerOut(
        kind=answer.kind,
        body=answer.body,
        official_title=titles.get(answer.official_id or 0, ""),
        published_at=answer.published_at,
    )


def _question(question: Question, titles: dict[int, str]) -> QuestionOut:
    return QuestionOut(
        id=question.pk,
        text=question.text,
        author=question.public_author_name,
        status=question.status,
        votes=question.vote_count,
        topic=question.topic or None,
        asked_at=question.created_at,
        event=question.event.slug,
        # The same rule as every other surface (dialogue/selectors.py, PUBLIC_ANSWER).
        answer=_answer(question, titles) if selectors.answer_is_public(question) else None,
    )


def _agency_or_404(slug: str | None) -> Agency | None:
    if not slug:
        return None
    # Only what a slug may hold reaches a query: NUL fails on PostgreSQL.
    agency = Agency.objects.filter(slug=slug).first() if slug_re.fullmatch(slug) else None
    if agency is None:
        raise HttpError(404, _("There is no such agency."))
    return agency


def _public_event(slug: str) -> Event:
    if not slug_re.fullmatch(slug):
        raise Http404
    event = (
        selectors.public_events()
        .select_related("agency__parent")
        .prefetch_related("legal_documents")
        .filter(slug=slug)
        .first()
    )
    if event is None:
        raise Http404
    return event


@api.get(
    "/events",
    response={200: list[EventOut], 404: Problem},
    url_name="events",
    summary="Public dialogues",
)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> list[EventOut]:
    """Public dialogues, the latest first; filter by agency, status and legal field."""
    events = event_selectors.published_events(agency=_agency_or_404(filters.agency))
    if filters.status:
        events = events.filter(status=filters.status)
    if filters.legal_field:
        events = events.filter(legal_field=filters.legal_field)
    events = (
        events.select_related("agency__parent")
        .prefetch_related("legal_documents")
        .order_by("-starts_at", "pk")
    )
    return [_event(request, e) for e in events[filters.offset : filters.offset + filters.limit]]


@api.get(
    "/events/{slug}",
    response={200: EventOut, 404: Problem},
    url_name="event",
    summary="One public dialogue",
)
def get_event(request: HttpRequest, slug: str) -> EventOut:
    """One public dialogue by its short link."""
    return _event(request, _public_event(slug))


@api.get(
    "/events/{slug}/questions",
    response={200: list[QuestionOut], 404: Problem},
    url_name="event_questions",
    summary="Published questions of a dialogue",
)
def event_questions(request: HttpRequest, slug: str, page: Query[Page]) -> list[QuestionOut]:
    """The dialogue's published questions, most votes first, with their published answers."""
    event = _public_event(slug)
    questions = selectors.visible_questions(event=event, sort="popular").select_related(
        "answer", "event"
    )
    titles = event_selectors.official_titles(events=[event])
    return [_question(q, titles) for q in questions[page.offset : page.offset + page.limit]]


@api.get(
    "/answers",
    response={200: list[QuestionOut], 404: Problem},
    url_name="answers",
    summary="Published answers",
)
def answers(request: HttpRequest, filters: Query[AnswerFilters]) -> list[QuestionOut]:
    """Questions with a published answer, the newest answer first."""
    event = None
    if filters.event:
        # Only what a slug may hold reaches a query: NUL fails on PostgreSQL.
        found_slug = slug_re.fullmatch(filters.event) is not None
        event = selectors.public_events().filter(slug=filters.event).first() if found_slug else None
        if event is None:
            raise HttpError(404, _("There is no such dialogue."))
    found = selectors.published_answers(
        agency=_agency_or_404(filters.agency),
        event=event,
        limit=filters.limit,
        offset=filters.offset,
    )
    titles = event_selectors.official_titles(events={q.event for q in found})
    return [_question(q, titles) for q in found]


class Index(Schema):
    openapi: str
    events: str
    answers: str


@api.get("/", response=Index, url_name="index", summary="Where to start")
def index(request: HttpRequest) -> Index:
    """Links to the OpenAPI document and the collections."""
    absolute = request.build_absolute_uri
    return Index(
        openapi=absolute(reverse("api:openapi-json")),
        events=absolute(reverse("api:events")),
        answers=absolute(reverse("api:answers")),
    )
