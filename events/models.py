"""Agencies, their events (dialogues) and the accounts of the people who use them."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events import streams


class AccountManager(BaseUserManager["User"]):
    """Accounts are identified by their email address; there is no username."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra_fields: object) -> User:
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: object
    ) -> User:
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A signed-in person: citizen, moderator, official, organiser or site admin."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"), max_length=80, blank=True, help_text=_("Shown beside your questions.")
    )
    # When the person accepted the personal data notice at sign-up, and its version.
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    consent_version = models.CharField(_("notice version"), max_length=20, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects = AccountManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def public_name(self) -> str:
        """The name shown to others; never the email address."""
        return self.display_name or self.get_full_name() or str(_("Citizen"))


class Agency(models.Model):
    """A government body that holds dialogues: a ministry, a department, a district committee."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    # A province's departments and districts sit under it; its organisers run theirs too
    # (events/permissions.py: is_organiser).
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    # Set when the agency was merged into another (events/services/agencies.py): its dialogues,
    # standing Q&A, roles and sub-agencies went there, its links lead there, and it takes no
    # new work. The row stays, so that what it issued and what it held keep their name.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_agencies",
        verbose_name=_("merged into"),
        editable=False,
    )
    embed_origins = models.TextField(
        _("sites that may embed the widget"),
        blank=True,
        help_text=_(
            "One origin per line, e.g. https://sotuphap.example.gov.vn. Only these sites may "
            "show this agency's dialogues in a frame."
        ),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:agency", kwargs={"slug": self.slug})

    @property
    def frame_origins(self) -> list[str]:
        """The origins allowed to frame this agency's widget, as written by its organisers."""
        return [line.strip() for line in self.embed_origins.splitlines() if line.strip()]


class AgencySlug(models.Model):
    """A short name an agency had before: links that name it lead to the agency (or the one it
    was merged into), and no other agency may take it."""

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="former_slugs", verbose_name=_("agency")
    )
    retired_at = models.DateTimeField(_("used until"), default=timezone.now)

    class Meta:
        verbose_name = _("former short name")
        verbose_name_plural = _("former short names")
        ordering = ["-retired_at"]

    def __str__(self) -> str:
        return f"{self.slug} → {self.agency.slug}"


# The most people an organiser may declare behind one address (the limits grow with it).
MAX_PEOPLE_PER_ADDRESS = 20000


def new_stage_token() -> str:
    return secrets.token_urlsafe(24)


# Letters and digits nobody confuses when reading them off a projector or saying them aloud
# (no 0/O, 1/I/L); six of them give 31⁶ ≈ 887 million codes.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: str) -> str:
    """A code as typed ("abc 234", "ABC-234") in its stored form ("ABC234")."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())[:16]


class Event(models.Model):
    """A scheduled public dialogue on policy and law."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        ARCHIVED = "archived", _("Archived")

    class LegalField(models.TextChoices):
        LAND = "land", _("Land and housing")
        FAMILY = "family", _("Marriage and family")
        LABOUR = "labour", _("Labour and social insurance")
        TAX = "tax", _("Tax and fees")
        BUSINESS = "business", _("Business and investment")
        ADMINISTRATIVE = "administrative", _("Administrative procedures")
        CIVIL = "civil", _("Civil law")
        CRIMINAL = "criminal", _("Criminal law")
        ENVIRONMENT = "environment", _("Environment")
        HEALTH_EDUCATION = "health_education", _("Health and education")
        OTHER = "other", pgettext_lazy("legal field", "Other")

    class Kind(models.TextChoices):
        DIALOGUE = "dialogue", _("Live dialogue")
        # "Hỏi đáp pháp luật": an agency's Q&A, open all year, answered in writing.
        STANDING = "standing", _("Standing legal Q&A")

    class Format(models.TextChoices):
        # How the dialogue is held, as the justice sector's statistics count sessions (0302).
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid: in a hall and online")
        IN_PERSON = "in_person", _("In person")

    class Moderation(models.TextChoices):
        PRE = "pre", _("Pre-moderation: questions wait for approval")
        POST = "post", _("Post-moderation: questions appear at once")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="events", verbose_name=_("agency")
    )
    slug = models.SlugField(_("short link"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DIALOGUE)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    legal_field = models.CharField(
        _("legal field"), max_length=20, choices=LegalField.choices, default=LegalField.OTHER
    )
    topic = models.CharField(
        _("topic"), max_length=120, blank=True, help_text=_("e.g. the 2024 Land Law")
    )
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.ONLINE
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    questions_open_at = models.DateTimeField(
        _("questions open at"),
        null=True,
        blank=True,
        help_text=_(
            "Questions may be sent from this moment; empty means from the start of the event."
        ),
    )
    intake_closed = models.BooleanField(_("questions closed by the organiser"), default=False)
    voting_closed = models.BooleanField(_("voting closed"), default=False)
    reveal_anonymous_to_moderators = models.BooleanField(
        _("moderators see who asked anonymously"),
        default=False,
        help_text=_("Off: moderators see anonymous questions without a name, like everyone else."),
    )
    moderation_mode = models.CharField(
        _("moderation"), max_length=4, choices=Moderation.choices, default=Moderation.PRE
    )
    allow_anonymous = models.BooleanField(
        _("anonymous participation"),
        default=True,
        help_text=_("Citizens may take part with a nickname, without an account."),
    )
    question_max_length = models.PositiveSmallIntegerField(
        _("longest question (characters)"),
        default=500,
        validators=[MinValueValidator(50), MaxValueValidator(2000)],
    )
    stream_url = models.URLField(
        _("live stream"), blank=True, help_text=_("A link to the live stream, shown on the page.")
    )
    recording_url = models.URLField(
        _("recording"),
        blank=True,
        help_text=_("The recording after the event; the archive links each live answer into it."),
    )
    written_answer_days = models.PositiveSmallIntegerField(
        _("days to answer in writing"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Questions not answered live are due in writing this many days after the end."),
    )
    # Joins and sockets per internet address scale with it (dialogue/ratelimit.py,
    # docs/security.md "Limits"): a hall whose citizens share the agency's one address.
    people_per_address = models.PositiveIntegerField(
        _("people behind one internet address"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PEOPLE_PER_ADDRESS)],
        help_text=_(
            "For a hall whose citizens share one network (the agency's Wi-Fi): how many may join "
            "from it. Empty: the site's default, enough for 300."
        ),
    )
    # The secret of the stage screen's link; making a new one revokes the old link.
    stage_token = models.CharField(
        max_length=64, unique=True, default=new_stage_token, editable=False
    )
    # A short code to type or scan to reach the dialogue (/j/<code>/), shown on its pages.
    join_code = models.CharField(
        _("join code"), max_length=8, unique=True, default=new_join_code, editable=False
    )
    # Sequence number of the last delta sent to the public audience; see docs/protocol.md.
    public_seq = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dialogue")
        verbose_name_plural = _("dialogues")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(question_max_length__gte=50, question_max_length__lte=2000),
                name="event_question_length_bounded",
            ),
            # A merged agency's standing Q&A joins the successor's as archived (closed to new
            # questions, its own still answered): one open standing Q&A per agency.
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(kind="standing") & ~models.Q(status="archived"),
                name="one_open_standing_qa_per_agency",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("dialogue:event", kwargs={"slug": self.slug})

    @property
    def is_standing(self) -> bool:
        return self.kind == self.Kind.STANDING

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def stream_embed_url(self) -> str:
        """The stream as a player to show in the page (events/streams.py), or ""."""
        return streams.embed_url(self.stream_url)

    @property
    def intake_opens_at(self) -> datetime:
        return self.questions_open_at or self.starts_at

    def intake_is_open(self, now: datetime | None = None) -> bool:
        """Questions are accepted from the opening time until the event ends or is closed."""
        now = now or timezone.now()
        return (
            self.status in (self.Status.SCHEDULED, self.Status.LIVE)
            and not self.intake_closed
            and self.intake_opens_at <= now
        )

    def voting_is_open(self) -> bool:
        return self.status in (self.Status.SCHEDULED, self.Status.LIVE) and not self.voting_closed


class AgencyMembership(models.Model):
    """A person's standing in an agency.

    Organisers create and run the agency's dialogues. The agency's own moderators and officials
    serve its standing legal Q&A with no invitation to that Q&A (events/permissions.py); an
    official may be given one legal field, whose questions are routed to them
    (moderation/services/routing.py).
    """

    class Role(models.TextChoices):
        ORGANISER = "organiser", _("Organiser")
        MODERATOR = "moderator", _("Moderator")
        OFFICIAL = "official", _("Official")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agency_memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.ORGANISER)
    # Officials: the title shown beside their answers, and the legal field they answer (empty:
    # any field, routed by a moderator).
    title = models.CharField(_("title shown"), max_length=120, blank=True)
    legal_field = models.CharField(
        _("legal field"), max_length=20, choices=Event.LegalField.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency membership")
        verbose_name_plural = _("agency memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "user", "role"], name="one_membership_of_a_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency} · {self.get_role_display()}"


class EventRole(models.Model):
    """A person's role in one dialogue: a moderator screens questions, an official answers."""

    class Role(models.TextChoices):
        MODERATOR = "moderator", _("Moderator")
        OFFICIAL = "official", _("Official")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="event_roles")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    # For officials: the title shown on stage beside their answers, e.g. "Phó Giám đốc Sở Tư pháp".
    title = models.CharField(_("title shown"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dialogue role")
        verbose_name_plural = _("dialogue roles")
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "role"], name="one_role_of_a_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.event} · {self.get_role_display()}"


class Invitation(models.Model):
    """An emailed invitation to become organiser of an agency, or staff of one of its dialogues.

    The link carries a random token; only its SHA-256 is stored, so the table alone cannot be
    used to accept an invitation.
    """

    class Role(models.TextChoices):
        ORGANISER = "organiser", _("Organiser")
        MODERATOR = "moderator", _("Moderator")
        OFFICIAL = "official", _("Official")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("agency")
    )
    # Empty for organisers, and for the agency's own moderators and officials (who serve its
    # standing legal Q&A); otherwise the one dialogue a moderator or an official works on.
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("dialogue"),
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    title = models.CharField(_("title shown"), max_length=120, blank=True)
    legal_field = models.CharField(
        _("legal field"), max_length=20, choices=Event.LegalField.choices, blank=True
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role="organiser", event__isnull=True)
                    | models.Q(role__in=["moderator", "official"])
                ),
                name="invitation_event_matches_role",
            ),
            models.CheckConstraint(
                condition=~models.Q(accepted_at__isnull=False, revoked_at__isnull=False),
                name="invitation_not_accepted_and_revoked",
            ),
        ]
        indexes = [models.Index(fields=["agency", "email"])]

    def __str__(self) -> str:
        return f"{self.email} · {self.get_role_display()} · {self.event or self.agency}"

    def status_at(self, now: datetime | None = None) -> str:
        """Pending, accepted, revoked or expired, as of `now`."""
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)


class LegalDocument(models.Model):
    """A law, decree or circular that a dialogue concerns, linked from its page and archive."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="legal_documents")
    title = models.CharField(_("title"), max_length=300)
    number = models.CharField(
        _("number"), max_length=60, blank=True, help_text=_("e.g. 31/2024/QH15")
    )
    url = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.number})" if self.number else self.title


class AgencyChange(models.Model):
    """A change of an agency, as it was made: renamed, moved under another agency, or merged
    into another. Written by the service that makes the change (events/services/agencies.py),
    never changed afterwards, and shown on the agency's staff page."""

    class Kind(models.TextChoices):
        RENAME = "rename", _("Renamed")
        MOVE = "move", _("Moved under another agency")
        MERGE = "merge", _("Merged into another agency")

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="changes", verbose_name=_("agency")
    )
    kind = models.CharField(_("change"), max_length=8, choices=Kind.choices)
    # For a merge: the agency that took over.
    into = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes_received",
        verbose_name=_("merged into"),
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("made by")
    )
    at = models.DateTimeField(_("made at"), default=timezone.now)
    # The agency's name, short name and parent before and after, and, for a merge, what moved.
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))
    # The dialogues (and standing Q&A) a merge moved: reports tell them apart by who held them.
    moved_events = models.ManyToManyField(Event, blank=True, related_name="+")

    class Meta:
        verbose_name = _("agency change")
        verbose_name_plural = _("agency changes")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="merge", into__isnull=False)
                | (~models.Q(kind="merge") & models.Q(into__isnull=True)),
                name="agency_change_merge_names_its_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.get_kind_display()} · {self.at:%Y-%m-%d}"

    @property
    def summary(self) -> str:
        """What changed, in words, from the recorded before and after."""
        if self.kind == self.Kind.RENAME:
            return str(_("“%(old)s” (%(old_slug)s) became “%(new)s” (%(new_slug)s)")) % {
                "old": self.before["name"],
                "old_slug": self.before["slug"],
                "new": self.after["name"],
                "new_slug": self.after["slug"],
            }
        if self.kind == self.Kind.MOVE:
            top = str(_("the top level"))
            return str(_("%(agency)s moved from under %(old)s to under %(new)s")) % {
                "agency": self.after["name"],
                "old": (self.before["parent"] or {}).get("name", top),
                "new": (self.after["parent"] or {}).get("name", top),
            }
        return str(
            _(
                "%(agency)s merged into %(into)s: %(dialogues)d dialogues, %(organisers)d "
                "organisers and %(sub_agencies)d sub-agencies moved"
            )
        ) % {
            "agency": self.before["agency"]["name"],
            "into": self.before["into"]["name"],
            "dialogues": self.after["dialogues"],
            "organisers": len(self.after["organisers"]),
            "sub_agencies": len(self.after["sub_agencies"]),
        }
