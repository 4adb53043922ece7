"""Every write of the events app: dialogues and their settings, staff invitations, privacy."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from events import permissions, selectors
from events.errors import Conflict, InvalidMessage, InvitationRefused, NotAllowed
from events.models import (
    Agency,
    AgencyMembership,
    Event,
    EventRole,
    Invitation,
    LegalDocument,
    User,
)
from events.signals import account_deleting, event_details_changed

INVITATION_LIFETIME = timedelta(days=7)


def invitation_token_hash(token: str) -> str:
    """The stored form of an invitation token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_email(email: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidMessage(_("Enter a valid email address."), code="invalid_email") from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _holds_role(*, email: str, agency: Agency, event: Event | None, role: str) -> bool:
    if role == Invitation.Role.ORGANISER:
        return AgencyMembership.objects.filter(
            agency=agency, user__email__iexact=email, role=AgencyMembership.Role.ORGANISER
        ).exists()
    return EventRole.objects.filter(event=event, user__email__iexact=email, role=role).exists()


def invite_staff(
    *,
    inviter: User,
    agency: Agency,
    email: str,
    role: str,
    event: Event | None = None,
    title: str = "",
    site_url: str | None = None,
) -> Invitation:
    """Invite a person by email to organise the agency, or to moderate or answer a dialogue."""
    if not permissions.can_invite(inviter, agency):
        raise NotAllowed(_("Only the agency's organisers can invite staff."))
    if role not in Invitation.Role.values:
        raise InvalidMessage(_("Choose a role."), code="invalid_role")
    if role == Invitation.Role.ORGANISER:
        event = None
    elif event is None or event.agency_id != agency.pk:
        raise InvalidMessage(
            _("Choose one of this agency's dialogues for a moderator or an official."),
            code="invalid_event",
        )
    email = _clean_email(email)
    title = title.strip()[:120] if role == Invitation.Role.OFFICIAL else ""
    if _holds_role(email=email, agency=agency, event=event, role=role):
        raise Conflict(_("This person already has that role."), code="already_member")
    now = timezone.now()
    pending = Invitation.objects.filter(
        agency=agency,
        event=event,
        role=role,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if pending.exists():
        raise Conflict(
            _("An invitation for this role is already waiting. Revoke it to send a new one."),
            code="already_invited",
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            agency=agency,
            event=event,
            email=email,
            role=role,
            title=title,
            token_hash=invitation_token_hash(token),
            invited_by=inviter,
            expires_at=now + INVITATION_LIFETIME,
        )
        link = (site_url or settings.SITE_URL).rstrip("/") + reverse(
            "events:invitation", kwargs={"token": token}
        )
        # Queued in this transaction (events/mail.py): a rolled-back invite mails nobody, and
        # the worker, not this request, talks to the mail server.
        _send_invitation(invitation, link)
    return invitation


def _send_invitation(invitation: Invitation, link: str) -> None:
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": link, "site_name": _site_name()}
        subject = render_to_string("events/email/invitation_subject.txt", context).strip()
        body = render_to_string("events/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])


def _site_name() -> str:
    from django.contrib.sites.models import Site

    return Site.objects.get_current().name


def revoke_invitation(*, user: User, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation; its link stops working at once."""
    if not permissions.can_invite(user, invitation.agency):
        raise NotAllowed(_("Only the agency's organisers can revoke its invitations."))
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        status = invitation.status
        if status == Invitation.Status.ACCEPTED:
            raise Conflict(
                _("This invitation was already accepted; it cannot be revoked."),
                code="invitation_used",
            )
        if status == Invitation.Status.REVOKED:
            return invitation
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = user
        invitation.save(update_fields=["revoked_at", "revoked_by"])
    return invitation


def check_invitation_open(*, invitation: Invitation) -> None:
    """Raise unless the invitation is still pending: not used, revoked or expired."""
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        raise InvitationRefused(_("This invitation has already been used."), code="invitation_used")
    if status == Invitation.Status.REVOKED:
        raise InvitationRefused(
            _("This invitation was withdrawn by the organiser."), code="invitation_revoked"
        )
    if status == Invitation.Status.EXPIRED:
        raise InvitationRefused(
            _("This invitation has expired. Ask the organiser to send a new one."),
            code="invitation_expired",
        )


def check_invitation(*, user: User, invitation: Invitation) -> None:
    """Raise unless this signed-in person may accept this invitation now."""
    check_invitation_open(invitation=invitation)
    owns_email = EmailAddress.objects.filter(
        user_id=user.pk, email__iexact=invitation.email, verified=True
    ).exists()
    if not owns_email:
        raise InvitationRefused(
            _(
                "This invitation was sent to %(email)s. Sign in with that email address to "
                "accept it."
            )
            % {"email": invitation.email},
            code="wrong_email",
        )


def accept_invitation(*, user: User, token: str) -> Invitation:
    """Give the invited person the role, once; the invitation is used up."""
    with transaction.atomic():
        invitation = (
            # Lock the invitation row only: PostgreSQL cannot lock the nullable side of the
            # outer join to the dialogue.
            Invitation.objects.select_for_update(of=("self",))
            .select_related("agency", "event")
            .filter(token_hash=invitation_token_hash(token))
            .first()
        )
        if invitation is None:
            raise InvitationRefused(
                _("This invitation link is not valid. Check that you copied all of it."),
                code="invitation_unknown",
            )
        check_invitation(user=user, invitation=invitation)
        if invitation.role == Invitation.Role.ORGANISER:
            AgencyMembership.objects.get_or_create(
                agency=invitation.agency,
                user=user,
                defaults={"role": AgencyMembership.Role.ORGANISER},
            )
        else:
            role, created = EventRole.objects.get_or_create(
                event=invitation.event,
                user=user,
                role=invitation.role,
                defaults={"title": invitation.title},
            )
            if not created and invitation.title and role.title != invitation.title:
                role.title = invitation.title
                role.save(update_fields=["title"])
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation


def delete_account(*, user: User, confirmation: str) -> None:
    """Delete the account; its questions and votes stay, anonymised, under no name."""
    if confirmation.strip().casefold() != user.email.casefold():
        raise InvalidMessage(
            _("Type your email address exactly as shown to confirm."), code="confirmation"
        )
    if user.is_superuser:
        raise NotAllowed(
            _("A site administrator's account is deleted by another administrator."),
            code="site_admin",
        )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        emails = list(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
        account_deleting.send(sender=User, user=user)
        # Invitations name the person by address; they go with the account.
        for email in {user.email, *emails}:
            Invitation.objects.filter(email__iexact=email).delete()
        user.delete()


# --- Organisers: the dialogues of an agency -----------------------------------------------------


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
    documents: tuple[LegalDocumentDetails, ...] = field(default_factory=tuple)


EVENT_FIELDS = (
    "title",
    "description",
    "legal_field",
    "topic",
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


_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def clean_origins(text: str) -> list[str]:
    """Origins one per line, checked strictly: each goes into a Content-Security-Policy header."""
    origins: list[str] = []
    for line in text.splitlines():
        origin = line.strip().rstrip("/").lower()
        if not origin:
            continue
        if not _ORIGIN.match(origin):
            raise InvalidMessage(
                _("“%(origin)s” is not an origin like https://portal.example.gov.vn.")
                % {"origin": line.strip()[:100]},
                code="invalid_origin",
            )
        if origin not in origins:
            origins.append(origin)
    if len(origins) > 20:
        raise InvalidMessage(_("List at most 20 sites."), code="invalid_origin")
    return origins


def set_embed_origins(*, actor: User, agency: Agency, origins: str) -> Agency:
    """Set the sites allowed to frame the agency's widget."""
    if not permissions.can_manage_agency(actor, agency):
        raise NotAllowed(_("Only the agency's organisers can change where it is embedded."))
    cleaned = clean_origins(origins)
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        agency.embed_origins = "\n".join(cleaned)
        agency.save(update_fields=["embed_origins"])
    return agency
