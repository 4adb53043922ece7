"""An agency's dialogues: their details checked, created, edited and copied as a new draft."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from events import permissions, selectors
from events.models import (
    MAX_PEOPLE_PER_ADDRESS,
    Agency,
    Event,
    LegalDocument,
    User,
)
from events.signals import event_details_changed
from live.errors import Conflict, InvalidMessage, NotAllowed


@dataclass(frozen=True, kw_only=True)
class LegalDocumentDetails:
    """A law, decree or circular as the organiser typed it."""

    title: str
    number: str = ""
    url: str = ""


@dataclass(frozen=True, kw_only=True)
class EventDetails:
    """What an organiser sets on a dialogue; the schedule, the settings, the documents."""

    title: str
    description: str = ""
    legal_field: str = Event.LegalField.OTHER
    topic: str = ""
    format: str = Event.Format.ONLINE
    starts_at: datetime
    ends_at: datetime
    questions_open_at: datetime | None = None
    intake_closed: bool = False
    moderation_mode: str = Event.Moderation.PRE
    allow_anonymous: bool = True
    question_max_length: int = 500
    written_answer_days: int = 15
    stream_url: str = ""
    recording_url: str = ""
    people_per_address: int | None = None
    documents: tuple[LegalDocumentDetails, ...] = field(default_factory=tuple)


EVENT_FIELDS = (
    "title",
    "description",
    "legal_field",
    "topic",
    "format",
    "starts_at",
    "ends_at",
    "questions_open_at",
    "intake_closed",
    "moderation_mode",
    "allow_anonymous",
    "question_max_length",
    "written_answer_days",
    "stream_url",
    "recording_url",
    "people_per_address",
)


MAX_LEGAL_DOCUMENTS = 20


_validate_url = URLValidator(schemes=["http", "https"])


def _check_url(url: str, *, code: str) -> str:
    url = url.strip()
    if not url:
        return ""
    try:
        _validate_url(url)
    except ValidationError:
        raise InvalidMessage(_("Enter a full web address (https://…)."), code=code) from None
    return url


def check_event_details(details: EventDetails) -> EventDetails:
    """Raise `InvalidMessage` (with a stable code) unless the details make a valid dialogue."""
    if not details.title.strip():
        raise InvalidMessage(_("Give the dialogue a title."), code="invalid_title")
    if len(details.title.strip()) > 200:
        raise InvalidMessage(_("The title is too long."), code="invalid_title")
    if details.legal_field not in Event.LegalField.values:
        raise InvalidMessage(_("Choose a legal field."), code="invalid_legal_field")
    if details.format not in Event.Format.values:
        raise InvalidMessage(_("Choose how the dialogue is held."), code="invalid_format")
    if details.moderation_mode not in Event.Moderation.values:
        raise InvalidMessage(_("Choose a moderation mode."), code="invalid_moderation_mode")
    if details.ends_at <= details.starts_at:
        raise InvalidMessage(_("The dialogue must end after it starts."), code="invalid_schedule")
    if details.questions_open_at is not None and details.questions_open_at >= details.ends_at:
        raise InvalidMessage(
            _("Questions must open before the dialogue ends."), code="invalid_intake"
        )
    if not 50 <= details.question_max_length <= 2000:
        raise InvalidMessage(
            _("A question may be between 50 and 2,000 characters long."),
            code="invalid_question_length",
        )
    if not 1 <= details.written_answer_days <= 90:
        raise InvalidMessage(
            _("Written answers are due between 1 and 90 days after the dialogue."),
            code="invalid_answer_days",
        )
    people = details.people_per_address
    if people is not None and not 1 <= people <= MAX_PEOPLE_PER_ADDRESS:
        raise InvalidMessage(
            _("Between 1 and %(max)d people may share one address.")
            % {"max": MAX_PEOPLE_PER_ADDRESS},
            code="invalid_people_per_address",
        )
    if len(details.documents) > MAX_LEGAL_DOCUMENTS:
        raise InvalidMessage(_("Too many legal documents."), code="invalid_documents")
    documents = []
    for document in details.documents:
        if not document.title.strip():
            raise InvalidMessage(_("Each legal document needs a title."), code="invalid_documents")
        documents.append(
            LegalDocumentDetails(
                title=document.title.strip()[:300],
                number=document.number.strip()[:60],
                url=_check_url(document.url, code="invalid_documents"),
            )
        )
    return replace(
        details,
        title=details.title.strip(),
        topic=details.topic.strip()[:120],
        stream_url=_check_url(details.stream_url, code="invalid_stream_url"),
        recording_url=_check_url(details.recording_url, code="invalid_recording_url"),
        documents=tuple(documents),
    )


# Words of the organiser pages' addresses that a dialogue's short link must not take.
RESERVED_SLUGS = frozenset({"new"})


def _slug(text: str) -> str:
    # slugify drops "đ" (it has no decomposition); Vietnamese writes it "d" without diacritics.
    return slugify(text.replace("đ", "d").replace("Đ", "D"))


def _unique_slug(base: str) -> str:
    base = (_slug(base) or "doi-thoai")[:90].strip("-") or "doi-thoai"
    slug, number = base, 2
    while slug in RESERVED_SLUGS or Event.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _store_documents(event: Event, documents: tuple[LegalDocumentDetails, ...]) -> None:
    # The list is small and edited as a whole, so it is replaced as a whole.
    event.legal_documents.all().delete()
    LegalDocument.objects.bulk_create(
        LegalDocument(event=event, title=d.title, number=d.number, url=d.url) for d in documents
    )


def create_event(*, actor: User, agency: Agency, details: EventDetails, slug: str = "") -> Event:
    """Create a dialogue of the agency as a draft; nobody else sees it until it is scheduled."""
    if not permissions.can_create_event(actor, agency):
        raise NotAllowed(_("Only the agency's organisers can create its dialogues."))
    details = check_event_details(details)
    if slug and (
        slugify(slug) in RESERVED_SLUGS or Event.objects.filter(slug=slugify(slug)).exists()
    ):
        raise Conflict(_("Another dialogue already has this short link."), code="slug_taken")
    with transaction.atomic():
        event = Event(
            agency=agency,
            slug=_unique_slug(slug or details.title),
            status=Event.Status.DRAFT,
            **{name: getattr(details, name) for name in EVENT_FIELDS},
        )
        event.save()
        _store_documents(event, details.documents)
    return event


def update_event(*, actor: User, event: Event, details: EventDetails) -> Event:
    """Change a dialogue's details; its short link and status stay as they are."""
    if not permissions.can_manage_event(actor, event):
        raise NotAllowed(_("Only the agency's organisers can change its dialogues."))
    details = check_event_details(details)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status == Event.Status.ARCHIVED:
            raise Conflict(
                _("The archive of this dialogue is published; it can no longer be changed."),
                code="archived",
            )
        before = selectors.event_public_state(event=event)
        for name in EVENT_FIELDS:
            setattr(event, name, getattr(details, name))
        event.save(update_fields=list(EVENT_FIELDS))
        _store_documents(event, details.documents)
        after = selectors.event_public_state(event=event)
        if after != before:
            event_details_changed.send(
                sender=Event, actor=actor, event=event, before=before, after=after
            )
    return event


def event_details(event: Event) -> EventDetails:
    """The details of an existing dialogue, as the form and `clone_event` start from."""
    return EventDetails(
        **{name: getattr(event, name) for name in EVENT_FIELDS},
        documents=tuple(
            LegalDocumentDetails(title=d.title, number=d.number, url=d.url)
            for d in event.legal_documents.all()
        ),
    )


def clone_event(*, actor: User, event: Event, now: datetime | None = None) -> Event:
    """Copy a dialogue's details into a new draft, a week later (or more, to be in the future)."""
    if not permissions.can_manage_event(actor, event):
        raise NotAllowed(_("Only the agency's organisers can copy its dialogues."))
    if event.is_standing:
        raise InvalidMessage(
            _("A standing legal Q&A is one per agency and is not copied."), code="standing"
        )
    now = now or timezone.now()
    shift = timedelta(days=7)
    while event.starts_at + shift <= now:
        shift += timedelta(days=7)
    details = event_details(event)
    details = replace(
        details,
        starts_at=details.starts_at + shift,
        ends_at=details.ends_at + shift,
        questions_open_at=(details.questions_open_at + shift)
        if details.questions_open_at
        else None,
        intake_closed=False,
        recording_url="",
    )
    return create_event(
        actor=actor, agency=event.agency, details=details, slug=_unique_slug(event.slug)
    )


# A standing Q&A has no schedule: it runs from its opening for as long as any agency will.
STANDING_YEARS = 100


def open_standing_qa(*, actor: User, agency: Agency, answer_days: int) -> Event:
    """Open the agency's standing legal Q&A ("Hỏi đáp pháp luật"), or change its time limit.

    It is a dialogue that is always live: citizens ask at any time, questions go through the
    same screening and moderation, and each is routed to an official and answered in writing
    within `answer_days` working days (events/workdays.py). One per agency.
    """
    if not permissions.can_create_event(actor, agency):
        raise NotAllowed(_("Only the agency's organisers can open its standing Q&A."))
    if not 1 <= answer_days <= 90:
        raise InvalidMessage(
            _("The time to answer is from 1 to 90 working days."), code="invalid_answer_days"
        )
    with transaction.atomic():
        existing = (
            Event.objects.select_for_update()
            .filter(agency=agency, kind=Event.Kind.STANDING)
            .exclude(status=Event.Status.ARCHIVED)
            .first()
        )
        if existing is not None:
            existing.written_answer_days = answer_days
            existing.save(update_fields=["written_answer_days"])
            return existing
        now = timezone.now()
        return Event.objects.create(
            agency=agency,
            kind=Event.Kind.STANDING,
            slug=_unique_slug(f"hoi-dap-phap-luat-{agency.slug}"),
            title=_("Legal Q&A: %(agency)s") % {"agency": agency.name},
            description=_(
                "Ask %(agency)s about the law at any time. Every question is answered in writing "
                "within %(days)d working days and published in the archive."
            )
            % {"agency": agency.name, "days": answer_days},
            starts_at=now,
            ends_at=now + timedelta(days=365 * STANDING_YEARS),
            status=Event.Status.LIVE,
            moderation_mode=Event.Moderation.PRE,
            written_answer_days=answer_days,
        )
