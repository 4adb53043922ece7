"""What each citizen socket command does: find the participant, call one service, build the reply.

Runs in a worker thread (the consumer calls it through `database_sync_to_async`); every command
is authorised here again, against the database, so a change since connecting takes effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from dialogue import frames, messages, services
from dialogue.models import Participant
from dialogue.selectors import poll_results, snapshot_parts
from dialogue.sessions import ensure_signed_in
from events.models import Event, User
from live.errors import DomainError, NotAllowed, NotFound
from live.wire import build, error_frame


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
        participant = (
            Participant.objects.present().filter(pk=connection.participant_id, event=event).first()
        )
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
        return build(frames.Pong, reply_to=command.id)
    if isinstance(command, messages.Resync):
        event = _event(connection)
        participant = (
            Participant.objects.present().filter(pk=connection.participant_id).first()
            if connection.participant_id
            else None
        )
        return build(
            frames.Snapshot,
            reply_to=command.id,
            **snapshot_parts(event=event, participant=participant),
        )
    if isinstance(command, messages.VoteCommand | messages.Unvote):
        (reply,) = handle_votes([(connection, command)])
        return reply
    if connection.user.is_authenticated:
        # Acting as an account: the session it came with must still be signed in.
        ensure_signed_in(connection.user, connection.session_key)
    if isinstance(command, messages.PollAnswerCommand):
        return answer_poll(connection, command)
    if isinstance(command, messages.Follow):
        # Joining the asker's audience is the socket's own (dialogue/consumers.py).
        raise TypeError("`follow` is handled by the socket, not by a command")
    question = services.ask_question(
        participant=_participant(connection),
        text=command.text,
        client_id=command.client_id,
        anonymous=command.anonymous,
        legal_field=command.legal_field,
        ip=connection.ip,
    )
    return build(frames.Asked, reply_to=command.id, question=messages.own_question(question))


def answer_poll(connection: Connection, command: messages.PollAnswerCommand) -> dict[str, Any]:
    """Answer the open poll; the reply carries its results, so the answer shows them at once."""
    (reply,) = handle_poll_answers([(connection, command)])
    if reply["type"] == "error":
        raise DomainError(reply["message"], code=reply["code"])
    return reply


PollRequest = tuple[Connection, messages.PollAnswerCommand]


def handle_poll_answers(requests: list[PollRequest]) -> list[dict[str, Any]]:
    """Store the poll answers of many sockets together; one reply frame for each.

    Stored one by one, each answer paid for its own commit and about eight queries: 1,000
    answers in 10 s were acknowledged after up to 28 s (docs/performance.md, "Polls"). A batch
    reads what it needs once and writes with a statement per table (`services.answer_polls`);
    each answer still gets its own result or refusal.
    """
    replies: list[dict[str, Any] | None] = [None] * len(requests)
    ballots: list[services.PollBallot] = []
    places: list[int] = []
    signed_in: dict[tuple[int, str | None], DomainError | None] = {}
    participants = _present_participants(requests)
    for index, (connection, command) in enumerate(requests):
        try:
            _ensure_still_signed_in(connection, signed_in)
            participant = participants.get(connection.participant_id or 0)
            if participant is None:
                participant = _participant(connection)
        except DomainError as error:
            replies[index] = error_frame(error, reply_to=command.id)
            continue
        ballots.append(
            services.PollBallot(
                participant,
                command.poll,
                command.options,
                command.text,
                command.leaderboard,
                connection.ip,
            )
        )
        places.append(index)
    outcomes = services.answer_polls(ballots=ballots)
    # The results once per poll for the whole batch, as they stand with its answers.
    results = poll_results(poll_ids={o.poll_id for o in outcomes if not isinstance(o, DomainError)})
    for index, outcome in zip(places, outcomes, strict=True):
        command = requests[index][1]
        if isinstance(outcome, DomainError):
            replies[index] = error_frame(outcome, reply_to=command.id)
        else:
            replies[index] = build(
                frames.PollAnswered,
                reply_to=command.id,
                poll_id=outcome.poll_id,
                results=results[outcome.poll_id],
            )
    return [reply for reply in replies if reply is not None]


def _present_participants(requests: list[PollRequest]) -> dict[int, Participant]:
    """The sockets' participants, of their own public dialogue, read in one query."""
    wanted = {
        connection.participant_id: connection.event_id
        for connection, _command in requests
        if connection.participant_id is not None
    }
    found = Participant.objects.present().select_related("event").filter(pk__in=wanted)
    return {p.pk: p for p in found if wanted[p.pk] == p.event_id and p.event.is_public}


VoteRequest = tuple[Connection, messages.VoteCommand | messages.Unvote]


def handle_votes(requests: list[VoteRequest]) -> list[dict[str, Any]]:
    """Run the vote commands of many sockets in one batch; return one reply frame for each."""
    replies: list[dict[str, Any] | None] = [None] * len(requests)
    ballots: list[services.Ballot] = []
    places: list[int] = []
    signed_in: dict[tuple[int, str | None], DomainError | None] = {}
    for index, (connection, command) in enumerate(requests):
        try:
            _ensure_still_signed_in(connection, signed_in)
            participant_id = connection.participant_id
            if participant_id is None:
                participant_id = _participant(connection).pk
        except DomainError as error:
            replies[index] = error_frame(error, reply_to=command.id)
            continue
        up = isinstance(command, messages.VoteCommand)
        ballots.append(services.Ballot(participant_id, command.question, up, connection.ip))
        places.append(index)
    outcomes = services.cast_ballots(ballots=ballots)
    for index, outcome in zip(places, outcomes, strict=True):
        command = requests[index][1]
        if isinstance(outcome, DomainError):
            replies[index] = error_frame(outcome, reply_to=command.id)
        else:
            replies[index] = build(
                frames.Voted,
                reply_to=command.id,
                question_id=outcome.question_id,
                voted=outcome.voted,
                votes=outcome.votes,
            )
    return [reply for reply in replies if reply is not None]


def _ensure_still_signed_in(
    connection: Connection, checked: dict[tuple[int, str | None], DomainError | None]
) -> None:
    """Refuse a signed-in socket whose session ended; checked once per account and session in
    a batch (`checked` keeps the answers)."""
    if not connection.user.is_authenticated:
        return
    key = (connection.user.pk, connection.session_key)
    if key not in checked:
        checked[key] = _signed_in_error(connection)
    if (refusal := checked[key]) is not None:
        raise refusal


def _signed_in_error(connection: Connection) -> DomainError | None:
    try:
        ensure_signed_in(cast(User, connection.user), connection.session_key)
    except DomainError as error:
        return error
    return None
