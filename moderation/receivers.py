"""What moderation does when the dialogue app announces something (see dialogue/signals.py)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from dialogue.audiences import moderators_group
from dialogue.fanout import broadcast_on_commit
from dialogue.models import Participant, Question
from dialogue.sessions import user_group
from dialogue.signals import participant_joined, question_asked
from events.models import AgencyMembership, Event, EventRole, User
from events.signals import event_details_changed
from moderation import selectors, services
from moderation.models import ModerationLog


@receiver(question_asked)
def show_new_question_to_moderators(sender: Any, question: Question, **kwargs: Any) -> None:
    event = question.event
    broadcast_on_commit(moderators_group(event.pk), selectors.moderator_view(question, event))


@receiver(post_delete, sender=EventRole)
@receiver(post_delete, sender=AgencyMembership)
def tell_consoles_of_lost_access(
    sender: Any, instance: EventRole | AgencyMembership, **kwargs: Any
) -> None:
    # The next command is refused anyway (roles are read on every command); this tells the
    # open consoles at once.
    broadcast_on_commit(user_group(instance.user_id), {"type": "access.revoked"})


@receiver(participant_joined)
def apply_agency_bans(sender: Any, participant: Participant, **kwargs: Any) -> None:
    services.apply_agency_bans(participant)


@receiver(event_details_changed)
def audit_event_details(
    sender: Any,
    actor: User,
    event: Event,
    before: dict[str, Any],
    after: dict[str, Any],
    **kwargs: Any,
) -> None:
    services.record_change(
        actor=actor, event=event, before=before, after=after, action=ModerationLog.Action.DETAILS
    )
