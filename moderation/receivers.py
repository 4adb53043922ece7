"""What moderation does when the dialogue app announces something (see dialogue/signals.py)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dialogue.models import Participant, Question
from dialogue.signals import participant_joined, question_asked
from events.models import AgencyMembership, Event, EventRole, User
from events.signals import event_details_changed
from events.tasks import enqueue_on_commit
from live.broadcast import broadcast_on_commit, control_on_commit
from live.groups import moderators_group, user_group
from moderation import selectors, services
from moderation.models import ModerationLog
from moderation.tasks import refresh_themes


@receiver(question_asked)
def screen_new_question(sender: Any, question_id: int, **kwargs: Any) -> None:
    """Screen a question just asked (committed) and show it to the moderators."""
    question = (
        Question.objects.select_related("event", "author__user", "routed_to")
        .filter(pk=question_id)
        .first()
    )
    if question is None:  # deleted in the meantime
        return
    event = question.event
    broadcast_on_commit(moderators_group(event.pk), selectors.moderator_view(question, event))
    if event.status == Event.Status.LIVE:
        # Themes of the room are made by the task worker, off the asker's path.
        enqueue_on_commit(refresh_themes, event.pk)


@receiver(post_save, sender=EventRole)
@receiver(post_save, sender=AgencyMembership)
@receiver(post_delete, sender=EventRole)
@receiver(post_delete, sender=AgencyMembership)
def recheck_consoles_of_changed_role(
    sender: Any, instance: EventRole | AgencyMembership, **kwargs: Any
) -> None:
    # The next command is refused anyway (roles are read on every command); this makes each
    # open socket of the account check its rights at once and close if they are gone.
    control_on_commit(user_group(instance.user_id), "recheck")


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
