"""An agency changes: renamed, moved under another agency, or merged into another.

Since 1 July 2025 local government has two levels: provinces were merged and districts
abolished, so a department is merged into another, a commune moves under a new province, an
agency takes a new name. The history stays. A merge moves the merged agency's dialogues, its
standing Q&A, its roles, its invitations and its sub-agencies to the successor; the merged
agency's row stays (what it issued keeps its name) and its links lead to the successor. A
former short name is kept (`AgencySlug`), so old links keep working. Every change writes an
`AgencyChange`, in the same transaction, with who, when, and the agency before and after.

Who may do what is `events/permissions.py` (`can_rename_agency`, `can_move_agency`,
`can_merge_agencies`), stated in docs/security.md.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events import permissions, selectors
from events.models import (
    Agency,
    AgencyChange,
    AgencyMembership,
    AgencySlug,
    Event,
    Invitation,
    User,
)
from events.text import clean_text
from live.broadcast import control_on_commit
from live.errors import InvalidMessage, NotAllowed
from live.groups import user_group

AGENCY_NAME_MAX_LENGTH = 200
AGENCY_SLUG_MAX_LENGTH = 80
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _state(agency: Agency) -> dict[str, Any]:
    """What an agency change records of the agency, before and after."""
    parent = agency.parent
    return {
        "name": agency.name,
        "slug": agency.slug,
        "parent": {"id": parent.pk, "name": parent.name} if parent is not None else None,
    }


def _locked(*agencies: Agency) -> list[Agency]:
    """The agencies' rows, locked in id order (two merges crossing cannot deadlock), fresh."""
    ids = sorted({a.pk for a in agencies})
    found = {a.pk: a for a in Agency.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return [found[a.pk] for a in agencies]


def _check_current(agency: Agency) -> None:
    if agency.merged_into_id is not None:
        raise InvalidMessage(
            _("%(agency)s was merged into another agency; change that one instead.")
            % {"agency": agency.name},
            code="agency_merged",
        )


def clean_agency_slug(slug: str, *, agency: Agency) -> str:
    """A short name for the agency's links: lower-case letters, digits and hyphens, not used
    now or before by another agency."""
    slug = slug.strip().lower()
    if not slug or len(slug) > AGENCY_SLUG_MAX_LENGTH or not _SLUG.match(slug):
        raise InvalidMessage(
            _("A short name is lower-case letters, digits and hyphens, at most %(max)d.")
            % {"max": AGENCY_SLUG_MAX_LENGTH},
            code="invalid_slug",
        )
    taken = Agency.objects.filter(slug=slug).exclude(pk=agency.pk).exists()
    held = AgencySlug.objects.filter(slug=slug).exclude(agency=agency).exists()
    if taken or held:
        raise InvalidMessage(
            _("The short name “%(slug)s” is or was used by another agency.") % {"slug": slug},
            code="slug_taken",
        )
    return slug


def rename_agency(*, actor: User, agency: Agency, name: str, slug: str = "") -> Agency:
    """Give the agency a new name (and short name); its old links keep working."""
    if not permissions.can_rename_agency(actor, agency):
        raise NotAllowed(_("Only the agency's organisers can rename it."))
    name = clean_text(name, max_length=AGENCY_NAME_MAX_LENGTH, field=_("name"))
    slug = clean_agency_slug(slug or agency.slug, agency=agency)
    with transaction.atomic():
        (agency,) = _locked(agency)
        _check_current(agency)
        if name == agency.name and slug == agency.slug:
            raise InvalidMessage(
                _("The name and the short name are the ones it has."), code="unchanged"
            )
        before = _state(agency)
        if slug != agency.slug:
            # Renamed back to a short name it had: that one is no longer a former one.
            AgencySlug.objects.filter(slug=slug, agency=agency).delete()
            AgencySlug.objects.create(slug=agency.slug, agency=agency, retired_at=timezone.now())
        agency.name, agency.slug = name, slug
        agency.save(update_fields=["name", "slug"])
        AgencyChange.objects.create(
            agency=agency,
            kind=AgencyChange.Kind.RENAME,
            actor=actor,
            before=before,
            after=_state(agency),
        )
    return agency


def _check_not_below(agency: Agency, other: Agency, *, code: str) -> None:
    """Refuse `other` when it is the agency itself or sits below it (a cycle would follow)."""
    if agency.pk in permissions.agency_lineage(other):
        raise InvalidMessage(
            _("%(other)s is %(agency)s itself or one of its sub-agencies.")
            % {"other": other.name, "agency": agency.name},
            code=code,
        )


def move_agency(*, actor: User, agency: Agency, parent: Agency | None) -> Agency:
    """Put the agency under another parent (None: at the top), with its sub-agencies."""
    if not permissions.can_move_agency(actor, agency, parent):
        raise NotAllowed(
            _("Moving an agency takes an organiser of its present parent and of the new one.")
        )
    with transaction.atomic():
        agency, *rest = _locked(agency, *([parent] if parent is not None else []))
        parent = rest[0] if rest else None
        _check_current(agency)
        if parent is not None:
            _check_current(parent)
            _check_not_below(agency, parent, code="invalid_parent")
        if agency.parent_id == (parent.pk if parent is not None else None):
            raise InvalidMessage(_("The agency is already there."), code="unchanged")
        before = _state(agency)
        # Organisers of the old parent and above lose the agency: their open consoles of its
        # dialogues check their rights at once (design: a socket's rights are live).
        losing = set(
            AgencyMembership.objects.filter(
                agency_id__in=permissions.agency_lineage(agency)[1:]
            ).values_list("user_id", flat=True)
        )
        agency.parent = parent
        agency.save(update_fields=["parent"])
        for user_id in sorted(losing):
            control_on_commit(user_group(user_id), "recheck")
        AgencyChange.objects.create(
            agency=agency,
            kind=AgencyChange.Kind.MOVE,
            actor=actor,
            before=before,
            after=_state(agency),
        )
    return agency


def _move_standing_qa(agency: Agency, into: Agency) -> None:
    """The merged agency's standing Q&A goes with its dialogues; if the successor has its own,
    the merged one is archived: closed to new questions, its own still answered and counted."""
    if selectors.standing_qa(agency=into) is None:
        return
    Event.objects.filter(agency=agency, kind=Event.Kind.STANDING).exclude(
        status=Event.Status.ARCHIVED
    ).update(status=Event.Status.ARCHIVED, intake_closed=True)


def _move_roles(agency: Agency, into: Agency) -> list[int]:
    """The merged agency's organisers, moderators and officials become the successor's (once
    each in each role); the organisers' ids."""
    members = list(AgencyMembership.objects.filter(agency=agency))
    already = set(AgencyMembership.objects.filter(agency=into).values_list("user_id", "role"))
    for membership in members:
        if (membership.user_id, membership.role) in already:
            membership.delete()
        else:
            membership.agency = into
            membership.save(update_fields=["agency"])
    return sorted(m.user_id for m in members if m.role == AgencyMembership.Role.ORGANISER)


def merge_agencies(*, actor: User, agency: Agency, into: Agency) -> AgencyChange:
    """Merge `agency` into `into`: its dialogues, standing Q&A, roles, invitations and
    sub-agencies move there, its links lead there, and the merge is recorded."""
    if not permissions.can_merge_agencies(actor, agency, into):
        raise NotAllowed(_("Merging takes an organiser of both agencies."))
    with transaction.atomic():
        agency, into = _locked(agency, into)
        _check_current(agency)
        _check_current(into)
        _check_not_below(agency, into, code="invalid_merge")
        before = {"agency": _state(agency), "into": _state(into)}
        events = list(Event.objects.filter(agency=agency).order_by("pk"))
        _move_standing_qa(agency, into)
        Event.objects.filter(pk__in=[e.pk for e in events]).update(agency=into)
        organisers = _move_roles(agency, into)
        invitations = Invitation.objects.filter(agency=agency).update(agency=into)
        children = list(Agency.objects.filter(parent=agency).values_list("pk", "name"))
        Agency.objects.filter(parent=agency).update(parent=into)
        agency.merged_into = into
        agency.save(update_fields=["merged_into"])
        change = AgencyChange.objects.create(
            agency=agency,
            kind=AgencyChange.Kind.MERGE,
            into=into,
            actor=actor,
            before=before,
            after={
                "into": _state(into),
                "dialogues": len(events),
                "organisers": organisers,
                "invitations": invitations,
                "sub_agencies": [{"id": pk, "name": name} for pk, name in children],
            },
        )
        change.moved_events.set(events)
    return change
