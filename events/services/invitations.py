"""Staff invitations: an organiser invites an address to a role; the link works once, a week."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events import permissions
from events.models import (
    Agency,
    AgencyMembership,
    Event,
    EventRole,
    Invitation,
    User,
)
from events.text import clean_email
from live.errors import Conflict, InvalidMessage, InvitationRefused, NotAllowed

INVITATION_LIFETIME = timedelta(days=7)


def invitation_token_hash(token: str) -> str:
    """The stored form of an invitation token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _holds_role(*, email: str, agency: Agency, event: Event | None, role: str) -> bool:
    if event is None:
        return AgencyMembership.objects.filter(
            agency=agency, user__email__iexact=email, role=role
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
    legal_field: str = "",
    site_url: str | None = None,
) -> Invitation:
    """Invite a person by email to organise the agency, to moderate or answer one of its
    dialogues, or (with no dialogue) to be the agency's own moderator or official, who serves
    its standing legal Q&A; an agency official may be given one legal field."""
    if not permissions.can_invite(inviter, agency):
        raise NotAllowed(_("Only the agency's organisers can invite staff."))
    if role not in Invitation.Role.values:
        raise InvalidMessage(_("Choose a role."), code="invalid_role")
    if role == Invitation.Role.ORGANISER:
        event = None
    elif event is not None and event.agency_id != agency.pk:
        raise InvalidMessage(
            _("Choose one of this agency's dialogues for a moderator or an official."),
            code="invalid_event",
        )
    if legal_field and legal_field not in Event.LegalField.values:
        raise InvalidMessage(_("Choose a legal field from the list."), code="invalid_field")
    if legal_field and (role != Invitation.Role.OFFICIAL or event is not None):
        raise InvalidMessage(
            _("Only the agency's own officials have a legal field; leave the dialogue empty."),
            code="invalid_field",
        )
    email = clean_email(email)
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
            legal_field=legal_field,
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
        if invitation.event is None:
            membership, created = AgencyMembership.objects.get_or_create(
                agency=invitation.agency,
                user=user,
                role=invitation.role,
                defaults={"title": invitation.title, "legal_field": invitation.legal_field},
            )
            if not created and invitation.role == Invitation.Role.OFFICIAL:
                membership.title = invitation.title or membership.title
                membership.legal_field = invitation.legal_field
                membership.save(update_fields=["title", "legal_field"])
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
