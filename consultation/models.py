"""Draft documents put out for comment, their articles and clauses, comments, supports, replies."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dialogue.models import Participant, Question
from events.models import Agency, Event, User


@dataclass(frozen=True)
class Commenter:
    """Who comments or supports: a dialogue's participant, or on a standing draft an account."""

    participant: Participant | None
    user: User | None


class Draft(models.Model):
    """A draft legal document an agency puts out for comment, for a dialogue or on its own."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Being prepared")
        OPEN = "open", _("Open for comments")
        CLOSED = "closed", _("Comments closed")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="drafts", verbose_name=_("agency")
    )
    # Empty: a standing consultation of the agency, not tied to one dialogue.
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drafts",
        verbose_name=_("dialogue"),
    )
    title = models.CharField(_("title"), max_length=300)
    preamble = models.TextField(_("preamble"), blank=True)
    source_text = models.TextField(_("full text"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREPARING
    )
    closes_at = models.DateTimeField(_("comments close on"), null=True, blank=True)
    summary_note = models.TextField(_("introduction to the summary"), blank=True)
    summary_published_at = models.DateTimeField(_("summary published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("draft document")
        verbose_name_plural = _("draft documents")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultation:draft", kwargs={"pk": self.pk})

    @property
    def moderation_mode(self) -> str:
        """A dialogue's draft follows the dialogue's setting; a standing one is pre-moderated."""
        return self.event.moderation_mode if self.event else Event.Moderation.PRE

    @property
    def allows_nicknames(self) -> bool:
        """Nicknames only inside a dialogue that allows them; a standing draft needs an account."""
        return bool(self.event and self.event.allow_anonymous)


class Chapter(models.Model):
    """A chapter ("Chương") of a draft."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="chapters")
    number = models.CharField(_("number"), max_length=10)
    title = models.CharField(_("title"), max_length=300, blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        ordering = ["position"]

    def __str__(self) -> str:
        return str(_("Chapter %(number)s") % {"number": self.number})


class Article(models.Model):
    """An article ("Điều") of a draft; citizens comment on it or on one of its clauses."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="articles")
    chapter = models.ForeignKey(
        Chapter, null=True, blank=True, on_delete=models.CASCADE, related_name="articles"
    )
    section = models.CharField(_("section"), max_length=300, blank=True)
    number = models.CharField(_("number"), max_length=10)
    title = models.CharField(_("title"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    position = models.PositiveIntegerField()
    # Not in the current version: a later version left it out (its comments stay, answered).
    removed = models.BooleanField(_("left out of the current version"), default=False)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["position"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return str(_("Article %(number)s") % {"number": self.number})

    def full_text(self) -> str:
        """Its own text, then each current clause as the draft writes it ("1. ...")."""
        lines = [self.body] if self.body else []
        lines += [f"{c.number}. {c.text}" for c in self.clauses.all() if not c.removed]
        return "\n".join(lines)


class Clause(models.Model):
    """A clause ("khoản") of an article, with its points ("điểm") in its text."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="clauses")
    number = models.CharField(_("number"), max_length=10)
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField()
    removed = models.BooleanField(_("left out of the current version"), default=False)

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["position"]

    def __str__(self) -> str:
        return str(_("Clause %(number)s") % {"number": self.number})


class DraftVersion(models.Model):
    """A published version of a draft: the first when it is put out, then each revision."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    note = models.TextField(_("what changed"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "number"], name="one_version_number"),
        ]

    def __str__(self) -> str:
        return str(_("Version %(number)d") % {"number": self.number})

    def get_absolute_url(self) -> str:
        return reverse("consultation:version", kwargs={"pk": self.draft_id, "number": self.number})


class ArticleText(models.Model):
    """An article's heading and text as one version published it, for the word diff."""

    version = models.ForeignKey(DraftVersion, on_delete=models.CASCADE, related_name="texts")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="texts")
    title = models.CharField(_("title"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "article"], name="one_text_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.article}"


class Comment(models.Model):
    """A citizen's comment on an article or one of its clauses, screened like a question.

    Inside a dialogue the commenter is its `participant` (signed in or with a nickname); on a
    standing draft, with no dialogue to join, it is the signed-in `user`. A comment with a
    `quote` proposes wording: these words of the article or clause, replaced by `wording`
    (empty: struck out), with `text` as its reason. A comment with a `parent` answers another
    in its thread. Each is screened, supported and answered as a comment.
    """

    Status = Question.Status
    RejectionReason = Question.RejectionReason
    STATUSES = (Status.PENDING, Status.APPROVED, Status.REJECTED)
    PUBLIC_STATUSES = (Status.APPROVED,)

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="comments")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="draft_comments",
    )
    text = models.TextField(_("comment"), blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="thread"
    )
    quote = models.CharField(_("words to change"), max_length=1000, blank=True)
    wording = models.TextField(_("proposed wording"), blank=True)
    # The version an accepted proposal went into.
    version = models.ForeignKey(
        DraftVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=[(s.value, s.label) for s in STATUSES],
        default=Status.PENDING,
    )
    rejection_reason = models.CharField(
        _("reason"), max_length=16, choices=RejectionReason.choices, blank=True
    )
    rejection_note = models.CharField(_("note to the commenter"), max_length=300, blank=True)
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Set when the commenter erased their data: a tombstone without words, kept for the counts.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["draft", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(participant__isnull=False) | models.Q(user__isnull=False),
                name="comment_has_an_author",
            ),
        ]

    def __str__(self) -> str:
        return (self.text or self.wording)[:80]

    @property
    def is_proposal(self) -> bool:
        return bool(self.quote)

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES and self.erased_at is None

    @property
    def author_name(self) -> str:
        if self.participant_id and self.participant:
            return self.participant.display_name
        return str(self.user.public_name) if self.user else str(_("Citizen"))

    @property
    def target_label(self) -> str:
        """ "Điều 3" or "Khoản 2 Điều 3", as Vietnamese legal citations read."""
        if self.clause_id and self.clause:
            return f"{self.clause} {self.article.label}"
        return self.article.label


class Support(models.Model):
    """One participant's support of another's comment; the database keeps it unique."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="supports")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "participant"],
                condition=models.Q(participant__isnull=False),
                name="one_support_per_participant",
            ),
            models.UniqueConstraint(
                fields=["comment", "user"],
                condition=models.Q(participant__isnull=True),
                name="one_support_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(participant__isnull=False) | models.Q(user__isnull=False),
                name="support_has_a_supporter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant or self.user} → {self.comment_id}"


class Reply(models.Model):
    """The agency's response to a comment: accepted into the draft, or explained."""

    class Disposition(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted into the draft")
        PARTLY = "partly", _("Partly accepted")
        EXPLAINED = "explained", _("Explained")
        DECLINED = "declined", _("Declined")

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="reply")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("response"))
    disposition = models.CharField(_("decision"), max_length=10, choices=Disposition.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.get_disposition_display()} · {self.comment_id}"
