"""Reads of the events app: staff pages, invitations and a person's own data."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db.models import QuerySet
from django.utils import timezone

from events import permissions
from events.models import Agency, AgencyMembership, Event, EventRole, Invitation, User
from events.signals import personal_data_requested


def managed_agencies(*, user: User) -> QuerySet[Agency]:
    """The agencies whose staff page this person may open (all of them for site admins)."""
    if permissions.is_site_admin(user):
        return Agency.objects.all()
    return Agency.objects.filter(
        memberships__user_id=user.pk, memberships__role=AgencyMembership.Role.ORGANISER
    ).distinct()


def agency_events(*, agency: Agency) -> QuerySet[Event]:
    """The agency's dialogues, newest first, for the invitation form."""
    return Event.objects.filter(agency=agency).order_by("-starts_at")


def agency_organisers(*, agency: Agency) -> QuerySet[AgencyMembership]:
    """The organisers of the agency."""
    return (
        AgencyMembership.objects.filter(agency=agency)
        .select_related("user")
        .order_by("user__email")
    )


def agency_event_roles(*, agency: Agency) -> QuerySet[EventRole]:
    """The moderators and officials of every dialogue of the agency."""
    return (
        EventRole.objects.filter(event__agency=agency)
        .select_related("user", "event")
        .order_by("-event__starts_at", "role", "user__email")
    )


def pending_invitations(*, agency: Agency) -> QuerySet[Invitation]:
    """Invitations of the agency that can still be accepted."""
    return Invitation.objects.filter(
        agency=agency,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("event", "invited_by")


def invitation_for_token(*, token: str) -> Invitation | None:
    """The invitation a link's token names, whatever its state."""
    from events.services import invitation_token_hash

    return (
        Invitation.objects.select_related("agency", "event")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def personal_data(*, user: User) -> dict[str, Any]:
    """Everything stored about this person, JSON-ready: the account and what other apps add."""
    data: dict[str, Any] = {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("email")
            ],
            "two_factor_authentication": permissions.has_two_factor(user),
            "single_sign_on": list(
                SocialAccount.objects.filter(user=user).values_list("provider", flat=True)
            ),
        },
        "roles": {
            "organiser_of": list(
                AgencyMembership.objects.filter(user=user).values_list("agency__name", flat=True)
            ),
            "dialogue_roles": [
                {"dialogue": role.event.title, "role": role.role, "title": role.title}
                for role in EventRole.objects.filter(user=user).select_related("event")
            ],
        },
    }
    for _receiver, section in personal_data_requested.send(sender=User, user=user):
        if isinstance(section, dict):
            data.update(section)
    return data
