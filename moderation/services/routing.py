"""A standing legal Q&A routes itself: a published question of a legal field goes to the
agency's official of that field (events.AgencyMembership.legal_field).

When several officials have the field, the one with the fewest questions waiting for them in
this Q&A gets it, the first named on a tie. A question with no field, or a field nobody has, is
left for a moderator to route by hand, as in a dialogue.
"""

from __future__ import annotations

from collections import Counter

from dialogue.models import Question
from dialogue.selectors import legal_field_of_topic
from events import selectors as event_selectors
from events.models import Event, User


def official_for(event: Event, question: Question) -> User | None:
    """The agency official a standing Q&A's question goes to by its legal field, if any."""
    if not event.is_standing or question.routed_to_id is not None:
        return None
    field = legal_field_of_topic(question.topic)
    if not field:
        return None
    candidates = [
        o.user for o in event_selectors.event_officials(event=event) if o.legal_field == field
    ]
    if not candidates:
        return None
    waiting = Counter(
        Question.objects.filter(
            event=event,
            status=Question.Status.APPROVED,
            routed_to__in=[user.pk for user in candidates],
        ).values_list("routed_to_id", flat=True)
    )
    return min(candidates, key=lambda user: waiting[user.pk])
