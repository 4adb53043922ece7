"""Personal data of past dialogues, erased once the retention period is over (Decree 13/2023).

What a dialogue keeps about a person who took part without an account is their nickname, the
email they may have left to hear of the answer, the phone number a standing Q&A's asker may
have left to look their question up, and, in their browser's session, the link from
that browser to their participant. After PERSONAL_DATA_RETENTION_DAYS from the dialogue's end
all are erased through the path of an asker's own erasure (`services.forget_identity`): the
nickname and the email become empty everywhere (the archive then says "Citizen"), and
the link is taken out of every live session. Questions stay as published, under no name; votes
stay as counts. No IP address is stored in the database: addresses count only in the rate
limits, which forget them within minutes, and in the servers' logs, whose retention is set where
they are kept (docs/operations.md, "Retention"). Signed-in people's participations stay with
their account, which they can export or delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from dialogue.models import Participant
from dialogue.selectors import SESSION_KEY
from erasure.services import forget_identity
from events.models import Event


@dataclass(frozen=True)
class Erasure:
    """What one run erased."""

    ended_before: datetime
    participants: int
    sessions: int


def erase_expired_personal_data(*, retention_days: int, now: datetime | None = None) -> Erasure:
    """Erase nickname participants' identifiers of dialogues ended `retention_days` ago or more."""
    if retention_days < 0:
        raise ValueError("the retention period cannot be negative")
    ended_before = (now or timezone.now()) - timedelta(days=retention_days)
    expired_events = Event.objects.filter(ends_at__lt=ended_before)
    # The same path as an asker's own erasure of their name and address (services.py).
    expired = Participant.objects.filter(event__in=expired_events, user__isnull=True).exclude(
        nickname="", email="", phone=""
    )
    participants = 0
    for participant in expired.iterator(chunk_size=500):
        with transaction.atomic():
            forget_identity(participant=participant)
        participants += 1
    expired_ids = {str(pk) for pk in expired_events.values_list("pk", flat=True)}
    sessions = _unlink_sessions(expired_ids, now=now or timezone.now()) if expired_ids else 0
    return Erasure(ended_before=ended_before, participants=participants, sessions=sessions)


def _unlink_sessions(event_ids: set[str], *, now: datetime) -> int:
    """Take the participants of these events out of every unexpired session; how many changed."""
    changed = 0
    live = Session.objects.filter(expire_date__gt=now, session_data__isnull=False)
    for session in live.iterator(chunk_size=500):
        data = session.get_decoded()
        links = data.get(SESSION_KEY)
        if not links or not event_ids.intersection(links):
            continue
        data[SESSION_KEY] = {event: pk for event, pk in links.items() if event not in event_ids}
        # Only the data: a session that expires keeps its date, and a concurrent login that
        # rotated its key in the meantime is left alone (the filter on the key finds nothing).
        changed += Session.objects.filter(
            session_key=session.session_key, session_data=session.session_data
        ).update(session_data=Session.objects.encode(data))
    return changed
