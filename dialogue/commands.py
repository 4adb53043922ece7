"""What each citizen socket command does: find the participant, call one service, build the reply.

Runs in a worker thread (the consumer calls it through `database_sync_to_async`); every command
is authorised here again, against the database, so a change since connecting takes effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from dialogue import messages, services
from dialogue.models import Participant
from dialogue.selectors import event_snapshot
from dialogue.sessions import ensure_signed_in
from events.errors import NotAllowed, NotFound
from events.models import Event, User


@dataclass
class Connection:
    """Who is on the other end of one citizen socket."""

    event_id: int
    user: User | AnonymousUser
    participant_id: int | None
    ip: str | None = None
    session_key: str | None = None


def _event(connection: Connection) -> Event:
    event = Event.objects.filter(pk=connection.event_id).first()
    if event is None or not event.is_public:
        raise NotFound(_("This dialogue is not available."))
    return event


def _participant(connection: Connection) -> Participant:
    event = _event(connection)
    if connection.participant_id is not None:
        participant = Participant.objects.filter(pk=connection.participant_id, event=event).first()
        if participant is not None:
            return participant
    if connection.user.is_authenticated:
        participant = services.join_event(event=event, user=connection.user, session=None)
        connection.participant_id = participant.pk
        return participant
    raise NotAllowed(_("Choose a nickname to take part."), code="join_required")


def handle(connection: Connection, command: messages.CitizenCommand) -> dict[str, Any]:
    """Run one validated command and return its reply frame."""
    if isinstance(command, messages.Ping):
        return {"type": "pong", "reply_to": command.id}
    if isinstance(command, messages.Resync):
        event = _event(connection)
        participant = (
            Participant.objects.filter(pk=connection.participant_id).first()
            if connection.participant_id
            else None
        )
        return {**event_snapshot(event=event, participant=participant), "reply_to": command.id}
    if connection.user.is_authenticated:
        # Acting as an account: the session it came with must still be signed in.
        ensure_signed_in(connection.user, connection.session_key)
    participant = _participant(connection)
    if isinstance(command, messages.Ask):
        question = services.ask_question(
            participant=participant,
            text=command.text,
            client_id=command.client_id,
            anonymous=command.anonymous,
            ip=connection.ip,
        )
        return {
            "type": "asked",
            "reply_to": command.id,
            "question": messages.own_question(question),
        }
    if isinstance(command, messages.VoteCommand):
        question, voted = services.vote(
            participant=participant, question_id=command.question, ip=connection.ip
        )
    else:
        question, voted = services.unvote(
            participant=participant, question_id=command.question, ip=connection.ip
        )
    return {
        "type": "voted",
        "reply_to": command.id,
        "question_id": question.pk,
        "voted": voted,
        "votes": question.vote_count,
    }
