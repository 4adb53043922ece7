"""Who takes part in a dialogue, what they ask and what they vote for."""

from __future__ import annotations

import re
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.models import JOIN_CODE_ALPHABET, Event
from law.models import Article as LegalArticle
from law.models import Clause as LegalClause

# A question's tracking code ("mã tra cứu"): letters and digits nobody confuses when reading them
# aloud or typing them (no 0/O, 1/I/L, as the join code), eight of them: 31⁸ ≈ 852 billion codes,
# so a guess that also needs the asker's email or phone number is hopeless.
TRACKING_CODE_LENGTH = 8


def new_tracking_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))


def normalise_tracking_code(text: str) -> str:
    """A code as typed ("k7qm 4xpa", "K7QM-4XPA") in its stored form ("K7QM4XPA")."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())[:TRACKING_CODE_LENGTH]


def grouped_tracking_code(code: str) -> str:
    """A code as shown and read aloud: two groups of four ("K7QM-4XPA")."""
    return f"{code[:4]}-{code[4:]}" if len(code) == TRACKING_CODE_LENGTH else code


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def present(self) -> ParticipantQuerySet:
        """Those still someone: not erased by their own request (`erase_participant`)."""
        return self.filter(erased_at__isnull=True)


class Participant(models.Model):
    """One person in one event: a signed-in account, or an anonymous browser with a nickname."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participations",
    )
    nickname = models.CharField(_("nickname"), max_length=40, blank=True)
    # Left by a nickname participant to be told when their question is answered; optional.
    email = models.EmailField(_("email for the answer"), blank=True)
    # Left by a standing Q&A's asker, optionally, to look their question up with its tracking
    # code (`dialogue/lookup.py`); digits only, a Vietnamese number from 0 ("0912345678").
    phone = models.CharField(_("phone number"), max_length=15, blank=True)
    # Asked, with that number, to be told each step on Zalo (dialogue/zalo.py); only where the
    # installation has its Zalo Official Account switched on.
    zalo_opt_in = models.BooleanField(_("told on Zalo"), default=False)
    # When this browser accepted the personal data notice, and which version of it (Decree
    # 13/2023: consent is shown, given by an act, and recorded). Signed-in people's is on the
    # account, given at sign-up.
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    consent_version = models.CharField(_("notice version"), max_length=20, blank=True)
    # Set when the person erased their data: the row stays only as the anonymous author of
    # answered questions and the voter of counted votes.
    erased_at = models.DateTimeField(_("data erased at"), null=True, blank=True)
    # Set by a moderator's ban (for this event, or for the whole agency); refused from then on.
    banned_at = models.DateTimeField(_("banned at"), null=True, blank=True)
    # Set when they joined while the dialogue was open (scheduled or live), or joined again
    # while it was. Only they vote, answer polls and rate answers: someone who joins an ended
    # dialogue reads it and follows its archive (docs/security.md, "People who were there").
    joined_while_open = models.BooleanField(_("joined while the dialogue was open"), default=False)
    # Part of the signed private link (`selectors.follow_token`): renewing the link from its
    # page counts it up, and every link made before stops working.
    link_version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=models.Q(user__isnull=False),
                name="one_participant_per_user",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id and self.user:
            return str(self.user.public_name)
        return self.nickname or str(_("Citizen"))


class QuestionQuerySet(models.QuerySet["Question"]):
    """The facts of a question's record, read one way by every surface (`dialogue/facts.py`)."""

    def present(self) -> QuestionQuerySet:
        """Questions not erased by their asker (an erased one is a tombstone kept for counts)."""
        return self.filter(erased_at__isnull=True)


class Question(models.Model):
    """A question asked in an event; what the public sees depends on its status.

    Its life is written by one module, `moderation/record.py` (the states and transitions are
    a table in docs/architecture.md); the facts it stores at each transition (when and how the
    question was answered, its due date, when it was closed, when it was erased) are read by
    every surface through `dialogue/facts.py`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Published")
        REJECTED = "rejected", _("Not selected")
        ANSWERED = "answered", _("Answered")
        MERGED = "merged", _("Merged into another question")

    class Stage(models.TextChoices):
        NONE = "", _("In the list")
        NEXT = "next", _("Up next")
        NOW = "now", _("Being answered now")

    class RejectionReason(models.TextChoices):
        OFF_TOPIC = "off_topic", _("Off topic for this dialogue")
        DUPLICATE = "duplicate", _("Already asked")
        ABUSIVE = "abusive", _("Abusive or offensive")
        PERSONAL_CASE = (
            "personal_case",
            _("A personal case, to be handled through the proper channel"),
        )
        UNCLEAR = "unclear", _("Unclear or incomplete")
        ADVERTISING = "advertising", _("Advertising or spam")
        OTHER = "other", _("Other")

    class AnsweredHow(models.TextChoices):
        LIVE = "live", _("Answered live")
        WRITTEN = "written", _("Answered in writing")

    # Statuses the public audience may see.
    PUBLIC_STATUSES = (Status.APPROVED, Status.ANSWERED)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"))
    # The asker's own words, kept when a moderator edits the text.
    original_text = models.TextField(_("original text"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    is_anonymous = models.BooleanField(
        _("asked anonymously"),
        default=False,
        help_text=_("The asker's name is never shown to the public."),
    )
    # Made by the asking client; a retry with the same id returns the first question.
    client_id = models.UUIDField(default=uuid.uuid4, editable=False)
    # The receipt's tracking code, given when the question is received and never changed; with
    # the asker's email or phone number anyone looks the question up (`dialogue/lookup.py`). It
    # names no one, so an erased question keeps it, to say that it is gone.
    tracking_code = models.CharField(
        _("tracking code"),
        max_length=TRACKING_CODE_LENGTH,
        unique=True,
        default=new_tracking_code,
        editable=False,
    )
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    # Bumped by every moderation change; a moderator's action names the version it saw, and a
    # stale one is refused with a conflict instead of overwriting someone else's change.
    version = models.PositiveIntegerField(default=1)
    stage = models.CharField(
        _("stage"), max_length=4, choices=Stage.choices, default=Stage.NONE, blank=True
    )
    queue_position = models.PositiveIntegerField(default=0)
    starred = models.BooleanField(_("starred"), default=False)
    topic = models.CharField(_("topic or legal field"), max_length=80, blank=True)
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routed_questions",
        verbose_name=_("routed to"),
    )
    rejection_reason = models.CharField(
        _("reason"), max_length=16, choices=RejectionReason.choices, blank=True
    )
    rejection_note = models.CharField(_("note to the asker"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_questions"
    )
    # When its answer was published, and how: set together with the status "answered", by the
    # transition that publishes the answer, and never otherwise (a constraint keeps them so).
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_how = models.CharField(
        _("answered how"), max_length=8, choices=AnsweredHow.choices, blank=True
    )
    # Set when the event ends for questions left to answer in writing, or when a standing Q&A's
    # question is routed; cleared when it is not selected or merged (nothing is owed then).
    answer_due_at = models.DateTimeField(_("written answer due"), null=True, blank=True)
    # The date due put later once, by the official who has it, with a reason the asker is shown
    # (moderation/record.py: `extend_due`).
    due_extended_at = models.DateTimeField(_("date due extended at"), null=True, blank=True)
    due_extension_reason = models.CharField(_("reason for more time"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # When its life ended: answered, not selected, merged or erased (cleared if reopened).
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set when the asker erased their data: the row stays as a tombstone for the counts, with
    # neither the words nor anything that names the asker.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["event", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], name="one_question_per_client_id"
            ),
            # One question at a time is being answered on stage.
            models.UniqueConstraint(
                fields=["event"], condition=models.Q(stage="now"), name="one_question_answered_now"
            ),
            # "Answered" is one fact, not three that can disagree: the status, when and how.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status="answered",
                        answered_at__isnull=False,
                        answered_how__in=["live", "written"],
                    )
                    | (
                        ~models.Q(status="answered")
                        & models.Q(answered_at__isnull=True, answered_how="")
                    )
                ),
                name="answered_is_one_fact",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES and self.erased_at is None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def grouped_tracking_code(self) -> str:
        """The tracking code as shown and read aloud ("K7QM-4XPA")."""
        return grouped_tracking_code(self.tracking_code)

    @property
    def public_author_name(self) -> str | None:
        """The asker's name as the public may see it: None when asked anonymously."""
        return None if self.is_anonymous else self.author.display_name


class Vote(models.Model):
    """One participant's upvote of one question; the database keeps it unique."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "question"], name="one_vote_per_participant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} → {self.question_id}"


class Answer(models.Model):
    """An official's answer to a question: given live on stage, or written after the event."""

    class Kind(models.TextChoices):
        LIVE = "live", _("Answered live")
        WRITTEN = "written", _("Answered in writing")

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="answer")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="answers"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    body = models.TextField(_("answer"), blank=True)
    live_note = models.CharField(
        _("live note"),
        max_length=300,
        blank=True,
        help_text=_("A line shown while answering live, e.g. the article of the law concerned."),
    )
    # Seconds into the event's recording where the live answer starts.
    recording_offset = models.PositiveIntegerField(
        _("position in the recording (s)"), null=True, blank=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.question_id}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Citation(models.Model):
    """An article of the law, or one of its clauses, that an answer cites.

    The words cited are kept as they read when cited: a later correction of the library does
    not change what an answer in the record said. The article's page lists the published
    answers that cite it (dialogue/templatetags/citations.py).
    """

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="citations")
    # Protected: a law cited in the record is never deleted from under its answers.
    article = models.ForeignKey(
        LegalArticle, on_delete=models.PROTECT, related_name="citations", verbose_name=_("article")
    )
    clause = models.ForeignKey(
        LegalClause,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="citations",
        verbose_name=_("clause"),
    )
    quote = models.TextField(_("words cited"))
    position = models.PositiveIntegerField(default=0)
    cited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["answer", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "clause"],
                condition=models.Q(clause__isnull=False),
                name="one_citation_per_clause",
            ),
            models.UniqueConstraint(
                fields=["answer", "article"],
                condition=models.Q(clause__isnull=True),
                name="one_citation_per_whole_article",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.article_id}/{self.clause_id or '-'}"


class Notice(models.Model):
    """One step of a question's life told to its asker on one channel, once (dialogue/notices.py).

    Written in the transaction of the step, with the queued message: a step told again, a
    transition retried or a task run twice finds the row and sends nothing.
    """

    class Step(models.TextChoices):
        RECEIVED = "received", _("Received")
        PUBLISHED = "published", _("Published")
        NOT_SELECTED = "not_selected", _("Not selected")
        ROUTED = "routed", _("Sent to an official, with its date due")
        EXTENDED = "extended", _("Given more time")
        ANSWERED = "answered", _("Answered")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="notices")
    step = models.CharField(_("step"), max_length=16, choices=Step.choices)
    channel = models.CharField(_("channel"), max_length=16)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice to an asker")
        verbose_name_plural = _("notices to askers")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "step", "channel"], name="one_notice_per_step_and_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id} · {self.step} · {self.channel}"


class PublicDelta(models.Model):
    """A public delta as it was broadcast, numbered: the log that repairs what was not delivered.

    Written in the same transaction as the change it announces, so a delta is in the log exactly
    when its change is in the database. Hubs read it (one query per hub and gap) to restore a
    delta that was lost or is late on its way between workers; only the recent ones are kept.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    seq = models.BigIntegerField()
    frame = models.TextField()  # the frame's JSON text, without its `sent_at`

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "seq"], name="one_delta_per_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}#{self.seq}"


class PresenceSample(models.Model):
    """How many people were connected to a dialogue at one moment, recorded once a minute."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="presence_samples")
    recorded_at = models.DateTimeField(_("recorded at"))
    connected = models.PositiveIntegerField(_("connected"))

    class Meta:
        verbose_name = _("presence sample")
        verbose_name_plural = _("presence samples")
        indexes = [models.Index(fields=["event", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.event_id} @ {self.recorded_at:%H:%M}: {self.connected}"


class AnswerRating(models.Model):
    """How one participant rated an answer, 1 to 5, once; an official never learns who rated."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="ratings")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="answer_ratings"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer rating")
        verbose_name_plural = _("answer ratings")
        constraints = [
            models.UniqueConstraint(fields=["answer", "participant"], name="one_rating_each"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_from_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.score}"


class Poll(models.Model):
    """A question put to the audience during a dialogue: prepared, opened once, then closed."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        RATING = "rating", _("Rating from 1 to 5")
        TEXT = "text", _("Short text (word cloud)")
        RANKING = "ranking", _("Ranking (put the options in order)")
        QUIZ = "quiz", _("Quiz (one right answer, revealed by the moderator)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Prepared")
        OPEN = "open", _("Open for answers")
        CLOSED = "closed", _("Closed")

    # Kinds answered by choosing options; a rating's options are its five scores.
    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE, Kind.RATING, Kind.RANKING, Kind.QUIZ)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=6, choices=Status.choices, default=Status.DRAFT
    )
    show_on_stage = models.BooleanField(_("results shown on stage"), default=False)
    # A quiz's right answer is told to no one until the moderator reveals it, after closing.
    revealed_at = models.DateTimeField(_("answer revealed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["created_at", "pk"]
        constraints = [
            # The audience answers one poll at a time.
            models.UniqueConstraint(
                fields=["event"], condition=models.Q(status="open"), name="one_open_poll_per_event"
            ),
        ]

    def __str__(self) -> str:
        return self.question[:80]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class PollOption(models.Model):
    """One answer a poll offers; a rating poll has five, "1" to "5"."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=120)
    position = models.PositiveSmallIntegerField()
    # A quiz's right answer (one per quiz); kept from the public until the poll is revealed.
    correct = models.BooleanField(_("right answer"), default=False)

    class Meta:
        verbose_name = _("poll option")
        verbose_name_plural = _("poll options")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="one_option_per_position"),
        ]

    def __str__(self) -> str:
        return self.label


class PollAnswer(models.Model):
    """One participant's answer to one poll; the database keeps it to one."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="answers")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="poll_answers"
    )
    options = models.ManyToManyField(PollOption, blank=True, related_name="answers")
    # A short-text answer as written, and the form it is counted under for the word cloud.
    text = models.CharField(_("answer"), max_length=80, blank=True)
    phrase = models.CharField(max_length=80, blank=True)
    # A quiz answerer who agreed to have their name on the leaderboard if they are right.
    on_leaderboard = models.BooleanField(_("on the leaderboard"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("poll answer")
        verbose_name_plural = _("poll answers")
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "participant"], name="one_poll_answer_per_participant"
            ),
        ]
        indexes = [models.Index(fields=["poll", "phrase"])]

    def __str__(self) -> str:
        return f"{self.poll_id}: {self.participant_id}"


class PollRank(models.Model):
    """Where one answer to a ranking poll put one option, as Borda points: with n options, the
    first place is worth n − 1 points and the last 0. An option's score is the sum of its points.
    """

    answer = models.ForeignKey(PollAnswer, on_delete=models.CASCADE, related_name="ranks")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="ranks")
    points = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("place in a ranking")
        verbose_name_plural = _("places in rankings")
        constraints = [
            models.UniqueConstraint(fields=["answer", "option"], name="one_place_per_option")
        ]

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.option_id} · {self.points}"


class PushSubscription(models.Model):
    """A browser the asker asked, from their private page, to be told each step by Web Push.

    The push service's address and the browser's keys (RFC 8291); a renewed private link or
    erased data deletes them. The address is a push service's, checked when subscribing
    (dialogue/push.py), so the task worker never posts where a visitor chose.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("push address"), max_length=1000)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Web Push subscription")
        verbose_name_plural = _("Web Push subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "endpoint"], name="one_subscription_per_endpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} · {self.endpoint[:40]}"


class ZaloToken(models.Model):
    """The Zalo Official Account's tokens: one row, the access token and its refresh token.

    Zalo hands out a new refresh token with every access token and the old one stops working,
    so the pair is kept here, not in the settings (`ZALO_REFRESH_TOKEN` seeds the first).
    """

    access_token = models.TextField(blank=True)
    refresh_token = models.TextField()
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zalo token")
        verbose_name_plural = _("Zalo tokens")

    def __str__(self) -> str:
        return f"Zalo · {self.updated_at:%Y-%m-%d %H:%M}"
