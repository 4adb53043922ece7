"""Reads of the events app: staff pages, invitations and a person's own data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from events import permissions
from events.models import (
    Agency,
    AgencyChange,
    AgencyMembership,
    AgencySlug,
    Event,
    EventRole,
    Invitation,
    User,
)
from events.signals import personal_data_requested


def managed_agencies(*, user: User) -> QuerySet[Agency]:
    """The agencies whose staff page this person may open (all of them for site admins)."""
    if permissions.is_site_admin(user):
        return current_agencies()
    direct = Agency.objects.filter(
        memberships__user_id=user.pk, memberships__role=AgencyMembership.Role.ORGANISER
    )
    # Organisers of an agency manage those below it too (events/permissions.py).
    family = {pk for agency in direct for pk in agency_family(agency=agency)}
    return current_agencies().filter(pk__in=family)


def agency_events(*, agency: Agency) -> QuerySet[Event]:
    """The agency's dialogues, newest first, for the invitation form."""
    return Event.objects.filter(agency=agency).order_by("-starts_at")


def agency_organisers(*, agency: Agency) -> QuerySet[AgencyMembership]:
    """The organisers of the agency."""
    return (
        AgencyMembership.objects.filter(agency=agency, role=AgencyMembership.Role.ORGANISER)
        .select_related("user")
        .order_by("user__email")
    )


@dataclass(frozen=True)
class Official:
    """Someone who answers a dialogue's questions, with the title shown beside their answers."""

    user: User
    title: str
    # An agency official's legal field: the standing Q&A's questions of that field go to them.
    legal_field: str = ""


def event_officials(*, event: Event) -> list[Official]:
    """Who answers the dialogue's questions: its officials and, in a standing legal Q&A, the
    agency's own (once each; a title given for the dialogue comes first), in the order named."""
    found: dict[int, Official] = {}
    roles = EventRole.objects.filter(event_id=event.pk, role=EventRole.Role.OFFICIAL)
    for role in roles.select_related("user").order_by("pk"):
        found[role.user_id] = Official(role.user, role.title)
    if event.is_standing:
        members = AgencyMembership.objects.filter(
            agency_id=event.agency_id, role=AgencyMembership.Role.OFFICIAL
        )
        for member in members.select_related("user").order_by("pk"):
            found.setdefault(
                member.user_id, Official(member.user, member.title, member.legal_field)
            )
    return list(found.values())


def official_titles(*, events: Iterable[Event]) -> dict[int, str]:
    """Each official's title by account, over these dialogues (the agency's for a standing Q&A)."""
    events = list(events)
    titles: dict[int, str] = dict(
        AgencyMembership.objects.filter(
            agency_id__in={e.agency_id for e in events if e.is_standing},
            role=AgencyMembership.Role.OFFICIAL,
        )
        .exclude(title="")
        .values_list("user_id", "title")
    )
    titles.update(
        EventRole.objects.filter(event_id__in={e.pk for e in events}, role=EventRole.Role.OFFICIAL)
        .exclude(title="")
        .values_list("user_id", "title")
    )
    return titles


def agency_staff(*, agency: Agency) -> QuerySet[AgencyMembership]:
    """The agency's own moderators and officials, who serve its standing legal Q&A."""
    return (
        AgencyMembership.objects.filter(agency=agency)
        .exclude(role=AgencyMembership.Role.ORGANISER)
        .select_related("user")
        .order_by("role", "user__email")
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
                AgencyMembership.objects.filter(
                    user=user, role=AgencyMembership.Role.ORGANISER
                ).values_list("agency__name", flat=True)
            ),
            "agency_roles": [
                {"agency": m.agency.name, "role": m.role, "title": m.title}
                for m in AgencyMembership.objects.filter(user=user)
                .exclude(role=AgencyMembership.Role.ORGANISER)
                .select_related("agency")
            ],
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


def agency_family(*, agency: Agency) -> list[int]:
    """The agency's id and those of every agency below it (its departments, districts...)."""
    ids = [agency.pk]
    level = [agency.pk]
    for _depth in range(permissions.MAX_AGENCY_DEPTH):
        level = list(
            Agency.objects.filter(parent_id__in=level)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if not level:
            break
        ids.extend(level)
    return ids


def published_events(*, agency: Agency | None = None) -> QuerySet[Event]:
    """Dialogues anyone may see (all but drafts), of the agency and those below it if given."""
    events = Event.objects.exclude(status=Event.Status.DRAFT).select_related("agency")
    if agency is not None:
        events = events.filter(agency_id__in=agency_family(agency=agency))
    return events


def by_moment(events: QuerySet[Event]) -> dict[str, list[Event]]:
    """Dialogues as the public lists show them: live now, upcoming, and the last 50 past.

    A standing Q&A is always open and never "live now": agency pages link to it on their own.
    """
    now = timezone.now()
    events = events.filter(kind=Event.Kind.DIALOGUE)
    return {
        "live": list(events.filter(status=Event.Status.LIVE).order_by("starts_at")),
        "upcoming": list(
            events.filter(status=Event.Status.SCHEDULED, ends_at__gte=now).order_by("starts_at")
        ),
        "past": list(
            events.filter(status__in=[Event.Status.ENDED, Event.Status.ARCHIVED]).order_by(
                "-starts_at"
            )[:50]
        ),
    }


def standing_qa(*, agency: Agency) -> Event | None:
    """The agency's standing legal Q&A ("Hỏi đáp pháp luật"), if it has opened one."""
    return (
        Event.objects.filter(agency=agency, kind=Event.Kind.STANDING)
        .exclude(status=Event.Status.ARCHIVED)
        .first()
    )


def agency_dialogues(*, agency: Agency) -> dict[str, list[Event]]:
    """An agency's public page: its dialogues (and its sub-agencies'), live, upcoming and past."""
    return by_moment(published_events(agency=agency))


# Not part of what the audit log keeps of a dialogue: bookkeeping, and the stage's secret link.
UNAUDITED_EVENT_FIELDS = {"id", "public_seq", "stage_token", "created_at"}


def event_public_state(*, event: Event) -> dict[str, Any]:
    """What citizens can see of a dialogue, as JSON, for the audit log's before and after."""
    state: dict[str, Any] = {
        field.name: field.value_to_string(event)
        for field in Event._meta.concrete_fields
        if field.name not in UNAUDITED_EVENT_FIELDS
    }
    state["documents"] = [
        [document.title, document.number, document.url]
        for document in event.legal_documents.order_by("pk")
    ]
    state["roles"] = [
        [role.user_id, role.role, role.title] for role in event.roles.order_by("user_id", "role")
    ]
    return state


def current_agency_slug(slug: str) -> str | None:
    """The short name the agency once called `slug` goes by now, following merges; None when
    no agency ever had it."""
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        former = AgencySlug.objects.select_related("agency").filter(slug=slug).first()
        if former is None:
            return None
        agency = former.agency
    for _step in range(permissions.MAX_AGENCY_DEPTH):
        if agency.merged_into_id is None:
            break
        agency = Agency.objects.get(pk=agency.merged_into_id)
    return agency.slug


def agency_changes(*, agency: Agency) -> QuerySet[AgencyChange]:
    """The changes of the agency and of those merged into it, newest first."""
    return (
        AgencyChange.objects.filter(
            models.Q(agency=agency) | models.Q(into=agency) | models.Q(agency__merged_into=agency)
        )
        .select_related("agency", "into", "actor")
        .distinct()
    )


def current_agencies() -> QuerySet[Agency]:
    """Agencies that exist now: those merged into another are left out."""
    return Agency.objects.filter(merged_into__isnull=True)


def predecessors(*, agency: Agency) -> list[int]:
    """The agency's id, then those of the agencies merged into it, however far back."""
    ids = [agency.pk]
    level = [agency.pk]
    for _depth in range(permissions.MAX_AGENCY_DEPTH):
        level = list(
            Agency.objects.filter(merged_into_id__in=level)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if not level:
            break
        ids.extend(level)
    return ids
