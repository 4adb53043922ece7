"""Who may do what with a draft: pure predicates shared by the views and the services."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from consultation.models import Draft
from events import permissions as staff
from events.models import Agency, Event
from events.permissions import Person


def can_create_draft(user: Person, agency: Agency) -> bool:
    """Organisers of an agency (or of one above it) put its drafts out for comment."""
    return staff.is_organiser(user, agency)


def can_manage_draft(user: Person, draft: Draft) -> bool:
    """Organisers open and close the consultation and publish its summary."""
    return staff.is_organiser(user, draft.agency_id)


def can_moderate_draft(user: Person, draft: Draft) -> bool:
    """The dialogue's moderators (and organisers) screen comments; a standing draft's organisers."""
    if draft.event is not None:
        return staff.can_moderate(user, draft.event)
    return can_manage_draft(user, draft)


def can_reply(user: Person, draft: Draft) -> bool:
    """The dialogue's officials, and the agency's organisers, respond to comments."""
    if draft.event is not None and staff.can_answer(user, draft.event):
        return True
    return can_manage_draft(user, draft)


def can_review(user: Person, draft: Draft) -> bool:
    """The staff page of a draft: whoever screens or answers its comments."""
    return can_moderate_draft(user, draft) or can_reply(user, draft)


def can_view_draft(user: Person, draft: Draft) -> bool:
    """Published once opened (and its dialogue is public); staff see it while it is prepared."""
    if draft.status != Draft.Status.PREPARING and (
        draft.event is None or draft.event.status != Event.Status.DRAFT
    ):
        return True
    return can_review(user, draft)


def accepts_comments(draft: Draft, now: datetime | None = None) -> bool:
    """Comments are taken while the consultation is open (until its closing date, if set),
    before and during its dialogue."""
    if draft.status != Draft.Status.OPEN:
        return False
    if draft.closes_at is not None and draft.closes_at <= (now or timezone.now()):
        return False
    return draft.event is None or draft.event.status in (
        Event.Status.SCHEDULED,
        Event.Status.LIVE,
    )


def can_see_summary(user: Person, draft: Draft) -> bool:
    """The summary is public once published; its drafters see it before."""
    return draft.summary_published_at is not None or can_review(user, draft)
