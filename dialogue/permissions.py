"""Who may do what in a dialogue: pure predicates shared by the views and the socket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser

from events.models import Event

if TYPE_CHECKING:
    from dialogue.models import Participant, Question
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


def is_open(event: Event) -> bool:
    """The dialogue is open to take part in: announced or running, not yet ended."""
    return event.status in (Event.Status.SCHEDULED, Event.Status.LIVE)


def was_there(participant: Participant) -> bool:
    """Votes, poll answers and ratings come only from those who joined while it was open."""
    return participant.joined_while_open


def may_rate(participant: Participant, question: Question) -> bool:
    """Who may rate the answer to `question` (docs/security.md, "People who were there").

    Those who took part while the dialogue was open; in a standing Q&A, where anyone joins at
    any time, only the asker of the question and people with an account.
    """
    if not was_there(participant) or participant.event_id != question.event_id:
        return False
    if participant.event.is_standing:
        return participant.user_id is not None or question.author_id == participant.pk
    return True
