"""Bans: a participant from one dialogue, and an account from every dialogue of an agency."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue.models import Participant
from events.models import Event, User
from live.broadcast import broadcast_on_commit
from live.errors import InvalidMessage, NotFound
from live.groups import (
    participant_group,
)
from moderation import messages
from moderation.models import AgencyBan, ModerationLog
from moderation.services.audit import _log
from moderation.services.questions import ensure_can_moderate

Action = ModerationLog.Action


@transaction.atomic
def ban_participant(
    *,
    actor: User,
    event: Event,
    participant_id: int | None = None,
    question_id: int | None = None,
    scope: str = "event",
    reason: str = "",
) -> list[Participant]:
    """Bar a participant (or the asker of a question) from this dialogue, or from the agency's."""
    ensure_can_moderate(actor, event)
    # By question: moderators of a dialogue that hides anonymous askers never learn the
    # participant's id, yet may still ban the author of an abusive question.
    found = Participant.objects.filter(event=event)
    if question_id is not None:
        found = found.filter(questions__pk=question_id)
    else:
        found = found.filter(pk=participant_id or 0)
    participant = found.first()
    if participant is None:
        raise NotFound(_("There is no such participant in this dialogue."))
    if scope not in ("event", "agency"):
        raise InvalidMessage(_("Unknown ban scope."), code="invalid_scope")
    banned = [participant]
    if scope == "agency":
        if participant.user_id is None:
            raise InvalidMessage(
                _("Only signed-in people can be banned across the agency."), code="invalid_scope"
            )
        AgencyBan.objects.get_or_create(
            agency_id=event.agency_id,
            user_id=participant.user_id,
            defaults={"reason": reason[:300], "banned_by": actor},
        )
        banned = list(
            Participant.objects.filter(
                user_id=participant.user_id, event__agency_id=event.agency_id
            )
        )
    now = timezone.now()
    for each in banned:
        if each.banned_at is None:
            each.banned_at = now
            each.save(update_fields=["banned_at"])
        broadcast_on_commit(participant_group(each.pk), messages.banned_notice())
    _log(
        event,
        actor,
        Action.BAN,
        None,
        {},
        {
            **({"question": question_id} if question_id else {"participant": participant.pk}),
            "scope": scope,
            "reason": reason[:300],
        },
    )
    return banned


def apply_agency_bans(participant: Participant) -> None:
    """A person banned across an agency is banned in each new dialogue of it as they join."""
    if (
        participant.user_id
        and AgencyBan.objects.filter(
            agency_id=participant.event.agency_id, user_id=participant.user_id
        ).exists()
    ):
        Participant.objects.filter(pk=participant.pk).update(banned_at=timezone.now())
