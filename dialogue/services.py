"""Every write of the citizen side of a dialogue; broadcasts go out only after commit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import messages, permissions, ratelimit, receipts, signals, vote_store, zalo
from dialogue.models import (
    Answer,
    AnswerRating,
    Participant,
    Poll,
    PollAnswer,
    PollRank,
    PresenceSample,
    PublicDelta,
    PushSubscription,
    Question,
)
from dialogue.selectors import SESSION_KEY, legal_field_topic, public_answers
from events.models import Event, User
from events.text import clean_email, clean_text
from live.broadcast import (
    broadcast_on_commit,
    control_on_commit,
    poll_results_on_commit,
    sequenced_on_commit,
    tally_on_commit,
)
from live.errors import (
    Conflict,
    DomainError,
    InvalidMessage,
    NotAllowed,
    NotFound,
    QuestionsClosed,
    VotingClosed,
)
from live.groups import participant_group, public_group
from live.sockets import RECONNECT
from live.wire import dumps


def join_event(
    *,
    event: Event,
    user: User | AnonymousUser,
    session: SessionBase | None,
    nickname: str = "",
    email: str = "",
    phone: str = "",
    tell_on_zalo: bool = False,
    consented: bool = False,
    ip: str | None = None,
) -> Participant:
    """Make this account or browser a participant of the event once (anonymous: with a nickname).

    A browser without an account joins only with its consent to the personal data notice, which
    is recorded with its time and the notice's version; an account consented at sign-up. A
    phone number is kept only in a standing Q&A, to look a question up by its tracking code, and
    to tell the asker each step on Zalo when they ask for it and Zalo is switched on.
    """
    if not permissions.can_take_part(user, event):
        raise NotAllowed(
            _("Please sign in to take part in this dialogue."), code="sign_in_required"
        )
    # Whether this join makes them someone who was there (permissions.was_there).
    there = permissions.is_open(event)
    if user.is_authenticated:
        participant, created = Participant.objects.get_or_create(
            event=event, user=user, defaults={"joined_while_open": there}
        )
        if created:
            signals.participant_joined.send(sender=Participant, participant=participant)
        elif there and not participant.joined_while_open:
            participant.joined_while_open = True
            participant.save(update_fields=["joined_while_open"])
        return participant
    name = clean_text(
        nickname, max_length=settings.DIALOGUE["NICKNAME_MAX_LENGTH"], field=_("nickname")
    )
    if session is None:
        raise NotAllowed()
    if not consented:
        raise NotAllowed(
            _("Please accept the personal data notice to take part."), code="consent_required"
        )
    email = clean_email(email, required=False)
    phone = receipts.clean_phone(phone) if event.is_standing else ""
    on_zalo = tell_on_zalo and bool(phone) and zalo.enabled()
    consent = {
        "consented_at": timezone.now(),
        "consent_version": settings.PRIVACY["notice_version"],
    }
    existing_id = session.get(SESSION_KEY, {}).get(str(event.pk))
    found = (
        Participant.objects.present().filter(pk=existing_id, event=event, user__isnull=True).first()
    )
    if found is None:
        # Only a new participant counts: changing one's nickname is not another join.
        ratelimit.check_join(event=event, ip=ip)
        participant = Participant.objects.create(
            event=event,
            nickname=name,
            email=email,
            phone=phone,
            zalo_opt_in=on_zalo,
            joined_while_open=there,
            **consent,
        )
        signals.participant_joined.send(sender=Participant, participant=participant)
    else:
        participant = found
        participant.nickname, participant.email, participant.phone = name, email, phone
        participant.zalo_opt_in = on_zalo
        participant.joined_while_open = participant.joined_while_open or there
        for field, value in consent.items():
            setattr(participant, field, value)
        participant.save(
            update_fields=[
                "nickname",
                "email",
                "phone",
                "zalo_opt_in",
                "joined_while_open",
                *consent,
            ]
        )
    session[SESSION_KEY] = {**session.get(SESSION_KEY, {}), str(event.pk): participant.pk}
    return participant


def renew_follow_link(*, participant: Participant) -> Participant:
    """A new private link for the asker; every link made before stops working at once.

    The asker's sockets are closed, so a page still open on an old link stops following the
    questions (its next `follow` is refused); the asker's own pages reconnect at once. The
    browsers subscribed to Web Push from the old link are forgotten: whoever held the link may
    have subscribed one; the asker subscribes again from the new page.
    """
    Participant.objects.filter(pk=participant.pk).update(link_version=F("link_version") + 1)
    PushSubscription.objects.filter(participant=participant).delete()
    participant.refresh_from_db(fields=["link_version"])
    control_on_commit(participant_group(participant.pk), "close", code=RECONNECT)
    return participant


# Deltas kept in the log per event: far more than any hub's hold-back or clients' backlog needs.
DELTA_LOG_KEPT = 2048


def publish_delta(event_id: int, build: Callable[[int], dict[str, Any]]) -> None:
    """Number a public delta, log it and broadcast it after commit (live/ordering.py).

    The UPDATE locks the event row until commit, so the public deltas of one event commit in
    `seq` order; the log row commits with them, so a hub that misses one can read it back.
    """
    Event.objects.filter(pk=event_id).update(public_seq=F("public_seq") + 1)
    seq = Event.objects.values_list("public_seq", flat=True).get(pk=event_id)
    frame = build(seq)
    PublicDelta.objects.create(event_id=event_id, seq=seq, frame=dumps(frame))
    if seq % 256 == 0:
        PublicDelta.objects.filter(event_id=event_id, seq__lte=seq - DELTA_LOG_KEPT).delete()
    sequenced_on_commit(public_group(event_id), frame)


def record_presence(event_id: int, connected: int) -> None:
    """Keep how many followed a dialogue this minute, for the reports (live/presence.py)."""
    PresenceSample.objects.create(
        event_id=event_id, recorded_at=timezone.now(), connected=connected
    )


def ask_question(
    *,
    participant: Participant,
    text: str,
    client_id: UUID,
    anonymous: bool = False,
    legal_field: str = "",
    ip: str | None = None,
) -> Question:
    """Store a question once per client id; the public sees it at once only in post-moderation.

    Every question gets its tracking code as it is stored. In a standing Q&A the asker chooses
    the legal field, which becomes the question's topic, and their receipt is queued to their
    email (`receipts.email_receipt`) in the same transaction.
    """
    existing = Question.objects.filter(author=participant, client_id=client_id).first()
    if existing is not None:
        return existing
    event = Event.objects.get(pk=participant.event_id)
    ensure_not_banned(participant)
    if not permissions.can_ask(event):
        raise QuestionsClosed()
    text = clean_text(text, max_length=event.question_max_length, field=_("question"))
    topic = _legal_field_topic(event, legal_field)
    post_moderated = event.moderation_mode == Event.Moderation.POST
    for _attempt in range(TRACKING_CODE_ATTEMPTS):
        try:
            return _store_question(
                event=event,
                participant=participant,
                text=text,
                client_id=client_id,
                anonymous=anonymous,
                topic=topic,
                post_moderated=post_moderated,
                ip=ip,
            )
        except IntegrityError:
            # A retry raced the first attempt; the first one won and is the answer. Otherwise
            # the new tracking code was taken (one chance in billions): another one is drawn.
            first = Question.objects.filter(author=participant, client_id=client_id).first()
            if first is not None:
                return first
    raise Conflict(_("Your question could not be stored. Please send it again."))


# Tracking codes drawn for one question before giving up (a clash is one in 10⁹ or so).
TRACKING_CODE_ATTEMPTS = 3


def _store_question(
    *,
    event: Event,
    participant: Participant,
    text: str,
    client_id: UUID,
    anonymous: bool,
    topic: str,
    post_moderated: bool,
    ip: str | None,
) -> Question:
    """One attempt at storing a question, with its tracking code, receipt and frames."""
    with transaction.atomic():
        question = Question.objects.create(
            event=event,
            author=participant,
            text=text,
            client_id=client_id,
            is_anonymous=anonymous,
            topic=topic,
            status=Question.Status.APPROVED if post_moderated else Question.Status.PENDING,
            published_at=timezone.now() if post_moderated else None,
        )
        # Counted after the insert: a retry racing the first attempt fails on the unique
        # client id above and returns the first question without using up the limit.
        ratelimit.check("ask", participant_id=participant.pk, ip=ip)
        if post_moderated:
            publish_delta(event.pk, lambda seq: messages.question_published(question, seq))
        broadcast_on_commit(
            participant_group(participant.pk), messages.own_question_updated(question)
        )
        if event.is_standing:
            receipts.email_receipt(question)
        # Screening, after commit and outside the asker's transaction: moderation checks
        # the question for banned words and likely duplicates and shows it to the
        # moderators (`moderation.receivers.screen_new_question`). A failure there neither
        # undoes the question nor fails the ask.
        asked = question.pk
        transaction.on_commit(
            lambda: signals.question_asked.send(sender=Question, question_id=asked),
            robust=True,
        )
    return question


def _legal_field_topic(event: Event, legal_field: str) -> str:
    """The topic a chosen legal field gives a question, in the site's language; a standing Q&A
    needs one."""
    if not legal_field:
        if event.is_standing:
            raise InvalidMessage(_("Choose the legal field of your question."), code="legal_field")
        return ""
    if legal_field not in Event.LegalField.values:
        raise InvalidMessage(_("Choose a legal field from the list."), code="legal_field")
    return legal_field_topic(legal_field)


def ensure_not_banned(participant: Participant) -> None:
    """Refuse anything from a participant a moderator has banned (read fresh from the database)."""
    if Participant.objects.filter(pk=participant.pk, banned_at__isnull=False).exists():
        raise _banned()


def _banned() -> NotAllowed:
    return NotAllowed(_("You can no longer take part in this dialogue."), code="banned")


def joined_late() -> NotAllowed:
    """The refusal of a vote, a poll answer or a rating from someone who was not there."""
    return NotAllowed(
        _(
            "You joined after this dialogue ended: you can read it and follow its archive, "
            "but only the people who took part while it was open vote, answer its polls and "
            "rate its answers."
        ),
        code="joined_late",
    )


@dataclass(frozen=True)
class Ballot:
    """One participant's vote (`up`) or unvote of one question, as a socket or a page asked."""

    participant_id: int
    question_id: int
    up: bool
    ip: str | None = None


@dataclass(frozen=True)
class Cast:
    """What became of a ballot: whether the participant now votes for it, and its count."""

    question_id: int
    voted: bool
    votes: int


def vote(
    *, participant: Participant, question_id: int, ip: str | None = None
) -> tuple[Question, bool]:
    """Upvote a public question once; voting again changes nothing. Returns (question, voted)."""
    return _cast_one(Ballot(participant.pk, question_id, up=True, ip=ip))


def unvote(
    *, participant: Participant, question_id: int, ip: str | None = None
) -> tuple[Question, bool]:
    """Take back an upvote; taking back a vote that is not there changes nothing."""
    return _cast_one(Ballot(participant.pk, question_id, up=False, ip=ip))


def _cast_one(ballot: Ballot) -> tuple[Question, bool]:
    (outcome,) = cast_ballots(ballots=[ballot])
    if isinstance(outcome, DomainError):
        raise outcome
    question = Question.objects.get(pk=outcome.question_id)
    return question, outcome.voted


# Times a batch is tried again when PostgreSQL picks it as the victim of a deadlock (possible
# only when two workers store votes of the same participant on the same question at once).
DEADLOCK_RETRIES = 2


def cast_ballots(*, ballots: Sequence[Ballot]) -> list[Cast | DomainError]:
    """Store many votes and unvotes in one transaction; each gets its own result or refusal."""
    # Every socket of a process sends its votes through here together (dialogue/batching.py):
    # a handful of statements and one commit per batch instead of eight queries per vote.
    outcomes: list[Cast | DomainError | None] = [None] * len(ballots)
    # Ids beyond any key are refused before they reach SQL, where they fail the whole batch
    # (SQLite cannot bind them; PostgreSQL refuses them for a bigint).
    for index, ballot in enumerate(ballots):
        if not (0 < ballot.question_id <= messages.MAX_ID and ballot.participant_id > 0):
            outcomes[index] = InvalidMessage(_("There is no such question."))
    valid = [ballot for index, ballot in enumerate(ballots) if outcomes[index] is None]
    # Read fresh: a ban, a withdrawn question or closed voting count from the next ballot on.
    participants, questions = vote_store.facts(
        {ballot.participant_id for ballot in valid}, {ballot.question_id for ballot in valid}
    )
    admitted = _admit(ballots, participants, questions, outcomes)
    allowed = ratelimit.check_many(
        "vote", requests=[(ballots[i].participant_id, ballots[i].ip) for i in admitted]
    )
    refused = ratelimit.refusal()
    for index, ok in zip(admitted, allowed, strict=True):
        if not ok:
            outcomes[index] = refused
    stored = [ballots[i] for i, ok in zip(admitted, allowed, strict=True) if ok]
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            counts = _store_ballots(stored, questions)
            break
        except OperationalError as error:
            if attempt == DEADLOCK_RETRIES or "deadlock" not in str(error):
                raise
    for index, ballot in enumerate(ballots):
        if outcomes[index] is None:
            outcomes[index] = Cast(ballot.question_id, ballot.up, counts[ballot.question_id])
    return [outcome for outcome in outcomes if outcome is not None]


def _admit(
    ballots: Sequence[Ballot],
    participants: dict[int, tuple[Event, bool, bool]],
    questions: dict[int, int],
    outcomes: list[Cast | DomainError | None],
) -> list[int]:
    """Refuse, in `outcomes`, what may not be cast; return the indices of the rest."""
    admitted = []
    for index, ballot in enumerate(ballots):
        event, banned, was_there = participants.get(ballot.participant_id, (None, False, False))
        if outcomes[index] is not None:
            continue
        if event is None:
            outcomes[index] = NotAllowed()
        elif banned:
            outcomes[index] = _banned()
        elif not was_there:
            outcomes[index] = joined_late()
        elif not event.is_public:
            outcomes[index] = NotFound(_("This dialogue is not available."))
        elif questions.get(ballot.question_id) != event.pk:
            outcomes[index] = NotFound(_("There is no such question in this dialogue."))
        elif not permissions.can_vote(event):
            outcomes[index] = VotingClosed()
        else:
            admitted.append(index)
    return admitted


def _store_ballots(ballots: list[Ballot], questions: dict[int, int]) -> dict[int, int]:
    """Write the ballots, keep each question's count equal to its rows; return the counts."""
    rounds = [
        (
            sorted({(b.participant_id, b.question_id) for b in ballots_round if b.up}),
            sorted({(b.participant_id, b.question_id) for b in ballots_round if not b.up}),
        )
        for ballots_round in _rounds(ballots)
    ]
    if len(rounds) == 1 and vote_store.stores_in_one_statement():
        counts = vote_store.store_round(*rounds[0])  # the usual batch: atomic on its own
    else:
        with transaction.atomic():
            changes: Counter[int] = Counter()
            for ups, downs in rounds:
                changes.update(question_id for _, question_id in vote_store.insert_votes(ups))
                changes.subtract(question_id for _, question_id in vote_store.delete_votes(downs))
            counts = vote_store.add_to_counts({pk: n for pk, n in changes.items() if n})
    by_event: dict[int, list[int]] = {}
    for pk in counts:
        by_event.setdefault(questions[pk], []).append(pk)
    for event_id, question_ids in by_event.items():
        tally_on_commit(event_id, *question_ids)
    unchanged = {ballot.question_id for ballot in ballots} - counts.keys()
    return counts | vote_store.vote_counts(unchanged)


def _rounds(ballots: list[Ballot]) -> list[list[Ballot]]:
    """Split ballots so that each round holds at most one per participant and question, in order."""
    rounds: list[list[Ballot]] = []
    seen: Counter[tuple[int, int]] = Counter()
    for ballot in ballots:
        key = (ballot.participant_id, ballot.question_id)
        number = seen[key]
        seen[key] += 1
        if number == len(rounds):
            rounds.append([])
        rounds[number].append(ballot)
    return rounds


def announce_change(question: Question, *, was_public: bool) -> None:
    """After commit, tell the public (a numbered delta) and the author what became of a question."""
    if question.is_public or was_public:
        publish_delta(
            question.event_id,
            lambda seq: (
                messages.question_published(question, seq)
                if question.is_public
                else messages.question_withdrawn(question, seq)
            ),
        )
    broadcast_on_commit(
        participant_group(question.author_id), messages.own_question_updated(question)
    )


MAX_RATING_COMMENT = 500


def rate_answer(
    *,
    participant: Participant,
    question_id: int,
    score: object,
    comment: str = "",
    ip: str | None = None,
) -> AnswerRating:
    """Rate a published answer of the participant's dialogue, 1 to 5; a second rating replaces
    the first. Counted against the participant's vote limits."""
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidMessage(_("Choose a score from 1 to 5."), code="invalid_score")
    comment = comment.strip()
    if comment:
        comment = clean_text(comment, max_length=MAX_RATING_COMMENT, field=_("comment"))
    ensure_not_banned(participant)
    answer = (
        Answer.objects.filter(
            question__in=public_answers(), question__event_id=participant.event_id
        )
        .filter(question_id=question_id)
        .select_related("question__event")
        .first()
    )
    if answer is None:
        raise NotFound(_("There is no published answer to rate here."))
    if not permissions.was_there(participant):
        raise joined_late()
    if not permissions.may_rate(participant, answer.question):
        raise NotAllowed(
            _(
                "The answers of this legal Q&A are rated by the person who asked and by people "
                "signed in with an account."
            ),
            code="rating_not_allowed",
        )
    ratelimit.check("vote", participant_id=participant.pk, ip=ip)
    rating, _created = AnswerRating.objects.update_or_create(
        answer=answer, participant=participant, defaults={"score": score, "comment": comment}
    )
    return rating


@dataclass(frozen=True)
class PollBallot:
    """One participant's answer to one poll, as a socket or a form sent it."""

    participant: Participant
    poll_id: int
    option_ids: Sequence[int] = ()
    text: str = ""
    on_leaderboard: bool = False
    ip: str | None = None


def answer_poll(
    *,
    participant: Participant,
    poll_id: int,
    option_ids: Sequence[int] = (),
    text: str = "",
    on_leaderboard: bool = False,
    ip: str | None = None,
) -> PollAnswer:
    """Store a participant's one answer to the open poll; its results follow after commit.

    A quiz's answerer may agree to have their name on its leaderboard if they are right.
    """
    ballot = PollBallot(participant, poll_id, option_ids, text, on_leaderboard, ip)
    [outcome] = answer_polls(ballots=[ballot])
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def answer_polls(*, ballots: Sequence[PollBallot]) -> list[PollAnswer | DomainError]:
    """Store many answers together, each with its own result or refusal.

    Every socket of a process sends its poll answers through here together (dialogue/batching.py):
    the polls, the participants' bans and the answers already given are read once per batch, the
    rate limit is counted in one Redis round trip, and the answers, their options and their
    places are written in one statement each, as votes are.
    """
    outcomes: list[PollAnswer | DomainError | None] = [None] * len(ballots)
    polls = {
        poll.pk: poll
        for poll in Poll.objects.select_related("event")
        .prefetch_related("options")
        .filter(pk__in={b.poll_id for b in ballots if 0 < b.poll_id <= messages.MAX_ID})
    }
    banned = set(
        Participant.objects.filter(
            pk__in={b.participant.pk for b in ballots}, banned_at__isnull=False
        ).values_list("pk", flat=True)
    )
    choices: dict[int, tuple[list[int], str]] = {}
    for index, ballot in enumerate(ballots):
        try:
            choices[index] = _admit_answer(ballot, polls.get(ballot.poll_id), banned)
        except DomainError as error:
            outcomes[index] = error
    admitted = [i for i in range(len(ballots)) if outcomes[i] is None]
    allowed = ratelimit.check_many(
        "vote", requests=[(ballots[i].participant.pk, ballots[i].ip) for i in admitted]
    )
    for index, ok in zip(admitted, allowed, strict=True):
        if not ok:
            outcomes[index] = ratelimit.refusal()
    try:
        with transaction.atomic():
            _store_answers(ballots, polls, choices, outcomes)
    except IntegrityError:
        # Answered meanwhile by another way in (the answers already given are read under the
        # poll's lock, so only a lone answer meets this): that one is told; a batch is retried
        # answer by answer by its batcher.
        if len(ballots) != 1:
            raise
        return [Conflict(_("You have already answered this poll."), code="already_answered")]
    return [outcome for outcome in outcomes if outcome is not None]


def _admit_answer(ballot: PollBallot, poll: Poll | None, banned: set[int]) -> tuple[list[int], str]:
    """Refuse what may not be answered; return the options chosen, or the text."""
    if ballot.participant.pk in banned:
        raise _banned()
    if not permissions.was_there(ballot.participant):
        raise joined_late()
    if poll is None or poll.event_id != ballot.participant.event_id or not poll.event.is_public:
        raise NotFound(_("There is no such poll in this dialogue."))
    if not poll.is_open or not permissions.can_answer_polls(poll.event):
        raise NotAllowed(_("This poll is not open for answers."), code="poll_closed")
    return _poll_choice(poll, ballot.option_ids, ballot.text)


def _store_answers(
    ballots: Sequence[PollBallot],
    polls: dict[int, Poll],
    choices: dict[int, tuple[list[int], str]],
    outcomes: list[PollAnswer | DomainError | None],
) -> None:
    """Write the admitted answers (those with no outcome yet); refuse the rest in `outcomes`.

    Each poll is read again under a lock that `close_poll` waits for, and that another batch
    answering it waits for too: an answer in a batch that began before the poll closed is not
    stored after it closed, and the answers already given read under it stay true until commit.
    """
    pending = [i for i in range(len(ballots)) if outcomes[i] is None]
    wanted = sorted({ballots[i].poll_id for i in pending})
    still_open = set(
        Poll.objects.select_for_update(no_key=True)
        .filter(pk__in=wanted, status=Poll.Status.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    given = set(
        PollAnswer.objects.filter(
            poll_id__in=still_open, participant_id__in={ballots[i].participant.pk for i in pending}
        ).values_list("poll_id", "participant_id")
    )
    answers: list[tuple[int, PollAnswer]] = []
    for index in pending:
        ballot, poll = ballots[index], polls[ballots[index].poll_id]
        pair = (poll.pk, ballot.participant.pk)
        if poll.pk not in still_open:
            outcomes[index] = NotAllowed(
                _("This poll is not open for answers."), code="poll_closed"
            )
        elif pair in given:
            outcomes[index] = Conflict(
                _("You have already answered this poll."), code="already_answered"
            )
        else:
            given.add(pair)  # a second answer in the same batch is refused too
            text = choices[index][1]
            answers.append(
                (
                    index,
                    PollAnswer(
                        poll=poll,
                        participant=ballot.participant,
                        text=text,
                        phrase=poll_phrase(text),
                        on_leaderboard=ballot.on_leaderboard and poll.kind == Poll.Kind.QUIZ,
                    ),
                )
            )
    # The unique constraint still stands behind the read above: should it refuse, the batch
    # rolls back whole and every socket is told, as a vote batch is.
    PollAnswer.objects.bulk_create([answer for _index, answer in answers])
    chosen = PollAnswer.options.through
    chosen.objects.bulk_create(
        chosen(pollanswer_id=answer.pk, polloption_id=option)
        for index, answer in answers
        for option in choices[index][0]
    )
    PollRank.objects.bulk_create(
        PollRank(answer=answer, option_id=option, points=len(choices[index][0]) - 1 - place)
        for index, answer in answers
        if polls[answer.poll_id].kind == Poll.Kind.RANKING
        for place, option in enumerate(choices[index][0])
    )
    for index, answer in answers:
        outcomes[index] = answer
    for poll_id in {answer.poll_id for _index, answer in answers}:
        poll_results_on_commit(polls[poll_id].event_id, poll_id)


def _poll_choice(poll: Poll, option_ids: Sequence[int], text: str) -> tuple[list[int], str]:
    """Check an answer against its poll's kind; return the chosen option ids or the text."""
    if poll.kind == Poll.Kind.TEXT:
        if option_ids:
            raise InvalidMessage(_("This poll is answered in words."), code="invalid_answer")
        return [], clean_text(text, max_length=messages.POLL_TEXT_MAX_LENGTH, field=_("answer"))
    if text.strip():
        raise InvalidMessage(_("This poll is answered by choosing."), code="invalid_answer")
    chosen = list(dict.fromkeys(option_ids))
    if not chosen:
        raise InvalidMessage(_("Choose an answer."), code="no_option")
    offered = {option.pk for option in poll.options.all()}
    if poll.kind == Poll.Kind.RANKING:
        if len(chosen) != len(option_ids) or set(chosen) != offered:
            raise InvalidMessage(
                _("Put every answer in order, each in a place of its own."), code="rank_all"
            )
        return chosen, ""
    if len(chosen) > 1 and poll.kind != Poll.Kind.MULTIPLE:
        raise InvalidMessage(_("Choose only one answer."), code="too_many_options")
    if not set(chosen) <= offered:
        raise InvalidMessage(_("That is not one of this poll's answers."), code="unknown_option")
    return chosen, ""


_EDGE_PUNCTUATION = ".,;:!?\"'“”‘’()[]-–—…"


def poll_phrase(text: str) -> str:
    """The form a short answer is counted under: folded case, single spaces, no end punctuation.

    Whole answers are counted, not single words: a Vietnamese word is often two or three
    syllables written apart ("pháp luật"), and splitting on spaces would count syllables.
    """
    return " ".join(text.casefold().split()).strip(_EDGE_PUNCTUATION).strip()
