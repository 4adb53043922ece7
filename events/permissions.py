"""Who holds which role: pure predicates shared by every view and socket of every app."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser

from events.models import Agency, AgencyMembership, Event, EventRole, User

Person = User | AnonymousUser

# How far up the agency tree an organiser's standing reaches (ministry → province → department
# → district is four levels); it also bounds the walk if a cycle were ever stored.
MAX_AGENCY_DEPTH = 6


def agency_lineage(agency: Agency | int) -> list[int]:
    """The agency's id, then its parent's, up to the top of the hierarchy.

    A merged agency's next is the agency it was merged into: the successor's organisers (and
    those above them) look after what the merged agency left, such as its drafts.
    """
    agency_id = agency if isinstance(agency, int) else agency.pk
    lineage = [agency_id]
    above = (
        agency.merged_into_id or agency.parent_id
        if isinstance(agency, Agency)
        else _above(agency_id)
    )
    while above is not None and above not in lineage and len(lineage) < MAX_AGENCY_DEPTH:
        lineage.append(above)
        above = _above(above)
    return lineage


def _above(agency_id: int) -> int | None:
    """The agency that stands above: the one it was merged into, or else its parent."""
    row = Agency.objects.filter(pk=agency_id).values_list("merged_into_id", "parent_id").first()
    if row is None:
        return None
    return row[0] or row[1]


def is_site_admin(user: Person) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_organiser(user: Person, agency: Agency | int) -> bool:
    """Organisers of an agency, or of any agency above it, run all of its dialogues.

    A province's organisers may step in for its departments and districts; a department's
    organisers never reach up to the province or across to a sibling.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if is_site_admin(user):
        return True
    return AgencyMembership.objects.filter(
        agency_id__in=agency_lineage(agency), user_id=user.pk, role=AgencyMembership.Role.ORGANISER
    ).exists()


def has_event_role(user: Person, event: Event, role: str) -> bool:
    """The dialogue's moderators or officials; in a standing legal Q&A also the agency's own,
    who serve it with no invitation to it."""
    if not user.is_authenticated or not user.is_active:
        return False
    if EventRole.objects.filter(event_id=event.pk, user_id=user.pk, role=role).exists():
        return True
    return event.is_standing and is_agency_staff(user, event.agency_id, role)


def is_agency_staff(user: Person, agency: Agency | int, role: str) -> bool:
    """A moderator or an official of the agency itself (not of those above or below it)."""
    if not user.is_authenticated or not user.is_active:
        return False
    agency_id = agency if isinstance(agency, int) else agency.pk
    return AgencyMembership.objects.filter(agency_id=agency_id, user_id=user.pk, role=role).exists()


def can_moderate(user: Person, event: Event) -> bool:
    """Moderators of the dialogue (in a standing Q&A, the agency's too), and the organisers of
    its agency."""
    return has_event_role(user, event, EventRole.Role.MODERATOR) or is_organiser(
        user, event.agency_id
    )


def can_answer(user: Person, event: Event) -> bool:
    """Officials of the dialogue (in a standing Q&A, the agency's too) answer the questions
    routed to them."""
    return has_event_role(user, event, EventRole.Role.OFFICIAL)


def can_run(user: Person, event: Event) -> bool:
    """The people who run a dialogue: its officials, its moderators and its agency's organisers."""
    return can_answer(user, event) or can_moderate(user, event)


def can_manage_event(user: Person, event: Event) -> bool:
    """Organisers edit, schedule, start and end the dialogues of their agency."""
    return is_organiser(user, event.agency_id)


def is_staff_member(user: Person) -> bool:
    """Anyone with a staff role anywhere: site staff, an organiser, a moderator or an official."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return (
        AgencyMembership.objects.filter(user_id=user.pk).exists()
        or EventRole.objects.filter(user_id=user.pk).exists()
    )


def has_two_factor(user: Person) -> bool:
    """Two-factor authentication is on: an authenticator app is set up for the account."""
    if not user.is_authenticated:
        return False
    return bool(
        Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
    )


def needs_two_factor_setup(user: Person) -> bool:
    """Staff must turn on two-factor authentication before any staff page; citizens never."""
    return is_staff_member(user) and not has_two_factor(user)


def can_invite(user: Person, agency: Agency) -> bool:
    """Organisers of an agency (and site admins) invite its organisers, moderators, officials."""
    return is_organiser(user, agency)


def can_manage_agency(user: Person, agency: Agency) -> bool:
    """Organisers of an agency see its staff page: members, roles and invitations."""
    return is_organiser(user, agency)


def can_create_event(user: Person, agency: Agency) -> bool:
    """Organisers of an agency (or of one above it) create its dialogues."""
    return is_organiser(user, agency)


def can_rename_agency(user: Person, agency: Agency) -> bool:
    """The agency's organisers (or those above it) rename it; a merged agency is not renamed."""
    return agency.merged_into_id is None and is_organiser(user, agency)


def can_move_agency(user: Person, agency: Agency, parent: Agency | None) -> bool:
    """Moving an agency takes organisers of both places: of its present parent (or above), and
    of the new parent. A top-level agency, or a move to the top, is the site admin's."""
    if agency.merged_into_id is not None:
        return False
    if agency.parent_id is None or parent is None:
        return is_site_admin(user)
    return is_organiser(user, agency.parent_id) and is_organiser(user, parent)


def can_merge_agencies(user: Person, agency: Agency, into: Agency) -> bool:
    """Merging takes an organiser of both agencies (directly or from above): the merged one's
    roles, dialogues and history go to the other."""
    return is_organiser(user, agency) and is_organiser(user, into)
