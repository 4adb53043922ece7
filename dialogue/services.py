"""Every write of the citizen side of a dialogue; broadcasts go out only after commit."""

from __future__ import annotations

import re
import unicodedata
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import messages, permissions, ratelimit, signals
from dialogue.fanout import broadcast_on_commit, participant_group, public_group, tally_on_commit
from dialogue.models import Participant, Question, Vote
from dialogue.selectors import SESSION_KEY
from events.errors import InvalidMessage, NotAllowed, NotFound, QuestionsClosed, VotingClosed
from events.models import Event, User

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str, *, max_length: int, field: str) -> str:
    """Normalise to NFC, drop control characters and runs of blanks; enforce the length."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    text = _CONTROL.sub("", text)
    text = _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", text)).strip()
    if not text:
        raise InvalidMessage(_("The %(field)s is empty.") % {"field": field}, code="invalid_text")
    if len(text) > max_length:
        raise InvalidMessage(
            _("The %(field)s is longer than %(max)d characters.")
            % {"field": field, "max": max_length},
            code="too_long",
        )
    return text


def join_event(
    *, event: Event, user: User | AnonymousUser, session: SessionBase | None, nickname: str = ""
) -> Participant:
    """Make this account or browser a participant of the event once (anonymous: with a nickname)."""
    if not permissions.can_take_part(user, event):
        raise NotAllowed(
            _("Please sign in to take part in this dialogue."), code="sign_in_required"
        )
    if user.is_authenticated:
        participant, created = Participant.objects.get_or_create(event=event, user=user)
        if created:
            signals.participant_joined.send(sender=Participant, participant=participant)
        return participant
    name = clean_text(
        nickname, max_length=settings.DIALOGUE["NICKNAME_MAX_LENGTH"], field=_("nickname")
    )
    if session is None:
        raise NotAllowed()
    existing_id = session.get(SESSION_KEY, {}).get(str(event.pk))
    found = Participant.objects.filter(pk=existing_id, event=event, user__isnull=True).first()
    if found is None:
        participant = Participant.objects.create(event=event, nickname=name)
        signals.participant_joined.send(sender=Participant, participant=participant)
    else:
        participant = found
        if participant.nickname != name:
            participant.nickname = name
            participant.save(update_fields=["nickname"])
    session[SESSION_KEY] = {**session.get(SESSION_KEY, {}), str(event.pk): participant.pk}
    return participant


def _next_public_seq(event_id: int) -> int:
    # The UPDATE locks the event row until commit, so public deltas of one event are numbered
    # in the order their transactions commit.
    Event.objects.filter(pk=event_id).update(public_seq=F("public_seq") + 1)
    return Event.objects.values_list("public_seq", flat=True).get(pk=event_id)


def ask_question(
    *,
    participant: Participant,
    text: str,
    client_id: UUID,
    anonymous: bool = False,
    ip: str | None = None,
) -> Question:
    """Store a question once per client id; the public sees it at once only in post-moderation."""
    existing = Question.objects.filter(author=participant, client_id=client_id).first()
    if existing is not None:
        return existing
    event = Event.objects.get(pk=participant.event_id)
    ensure_not_banned(participant)
    if not permissions.can_ask(event):
        raise QuestionsClosed()
    text = clean_text(text, max_length=event.question_max_length, field=_("question"))
    post_moderated = event.moderation_mode == Event.Moderation.POST
    try:
        with transaction.atomic():
            question = Question.objects.create(
                event=event,
                author=participant,
                text=text,
                client_id=client_id,
                is_anonymous=anonymous,
                status=Question.Status.APPROVED if post_moderated else Question.Status.PENDING,
                published_at=timezone.now() if post_moderated else None,
            )
            # Counted after the insert: a retry racing the first attempt fails on the unique
            # client id above and returns the first question without using up the limit.
            ratelimit.check("ask", participant_id=participant.pk, ip=ip)
            if post_moderated:
                seq = _next_public_seq(event.pk)
                broadcast_on_commit(
                    public_group(event.pk), messages.question_published(question, seq)
                )
            broadcast_on_commit(
                participant_group(participant.pk), messages.own_question_updated(question)
            )
            signals.question_asked.send(sender=Question, question=question)
    except IntegrityError:
        # A retry raced the first attempt; the first one won and is the answer.
        return Question.objects.get(author=participant, client_id=client_id)
    return question


def ensure_not_banned(participant: Participant) -> None:
    """Refuse anything from a participant a moderator has banned (read fresh from the database)."""
    if Participant.objects.filter(pk=participant.pk, banned_at__isnull=False).exists():
        raise NotAllowed(_("You can no longer take part in this dialogue."), code="banned")


def _public_question(*, participant: Participant, question_id: int) -> Question:
    ensure_not_banned(participant)
    question = Question.objects.filter(
        pk=question_id, event_id=participant.event_id, status__in=Question.PUBLIC_STATUSES
    ).first()
    if question is None:
        raise NotFound(_("There is no such question in this dialogue."))
    if not permissions.can_vote(question.event):
        raise VotingClosed()
    return question


def vote(
    *, participant: Participant, question_id: int, ip: str | None = None
) -> tuple[Question, bool]:
    """Upvote a public question once; voting again changes nothing. Returns (question, voted)."""
    question = _public_question(participant=participant, question_id=question_id)
    ratelimit.check("vote", participant_id=participant.pk, ip=ip)
    try:
        with transaction.atomic():
            Vote.objects.create(participant=participant, question=question)
            Question.objects.filter(pk=question.pk).update(vote_count=F("vote_count") + 1)
            tally_on_commit(question.event_id, question.pk)
    except IntegrityError:
        pass  # Already voted: the unique constraint keeps one vote per participant.
    question.refresh_from_db(fields=["vote_count"])
    return question, True


def unvote(
    *, participant: Participant, question_id: int, ip: str | None = None
) -> tuple[Question, bool]:
    """Take back an upvote; taking back a vote that is not there changes nothing."""
    question = _public_question(participant=participant, question_id=question_id)
    ratelimit.check("vote", participant_id=participant.pk, ip=ip)
    with transaction.atomic():
        deleted, _rows = Vote.objects.filter(participant=participant, question=question).delete()
        if deleted:
            Question.objects.filter(pk=question.pk).update(vote_count=F("vote_count") - 1)
            tally_on_commit(question.event_id, question.pk)
    question.refresh_from_db(fields=["vote_count"])
    return question, False


def announce_change(question: Question, *, was_public: bool) -> None:
    """After commit, tell the public (a numbered delta) and the author what became of a question."""
    if question.is_public or was_public:
        seq = _next_public_seq(question.event_id)
        frame = (
            messages.question_published(question, seq)
            if question.is_public
            else messages.question_withdrawn(question, seq)
        )
        broadcast_on_commit(public_group(question.event_id), frame)
    broadcast_on_commit(
        participant_group(question.author_id), messages.own_question_updated(question)
    )


def publish_question(*, question: Question) -> Question:
    """Show a pending (or hidden) question to the public and tell its author."""
    with transaction.atomic():
        question = (
            Question.objects.select_for_update(of=("self",))
            .select_related("author__user")
            .get(pk=question.pk)
        )
        if question.is_public:
            return question
        question.status = Question.Status.APPROVED
        question.published_at = question.published_at or timezone.now()
        question.version += 1
        question.save(update_fields=["status", "published_at", "version"])
        announce_change(question, was_public=False)
    return question


def withdraw_question(*, question: Question, status: str = Question.Status.REJECTED) -> Question:
    """Take a question away from the public (rejected) and tell its author."""
    with transaction.atomic():
        question = (
            Question.objects.select_for_update(of=("self",))
            .select_related("author__user")
            .get(pk=question.pk)
        )
        was_public = question.is_public
        question.status = status
        question.stage = Question.Stage.NONE
        question.version += 1
        question.save(update_fields=["status", "stage", "version"])
        announce_change(question, was_public=was_public)
    return question
