"""Who may do what in a dialogue: pure predicates shared by the views and the socket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser

from events.models import Event

if TYPE_CHECKING:
    from events.models import User


def can_view_event(user: User | AnonymousUser, event: Event) -> bool:
    """Drafts are visible to staff only; every other dialogue is public."""
    return event.is_public or bool(user.is_staff)


def can_join_anonymously(event: Event) -> bool:
    return event.allow_anonymous and event.is_public


def can_take_part(user: User | AnonymousUser, event: Event) -> bool:
    """Signed-in users may always take part; others only where the event allows nicknames."""
    return can_view_event(user, event) and (user.is_authenticated or can_join_anonymously(event))


def can_ask(event: Event) -> bool:
    return event.intake_is_open()


def can_vote(event: Event) -> bool:
    return event.voting_is_open()


def can_answer_polls(event: Event) -> bool:
    """Polls are answered while the dialogue runs (or, before it, as a rehearsal)."""
    return event.status in (Event.Status.SCHEDULED, Event.Status.LIVE)
