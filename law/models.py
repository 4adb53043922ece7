"""The legal library: documents, their articles, clauses and points, and the search thesaurus.

A document is stored as the heading parser reads it (law/parser.py): each article ("Điều") has
its own page, its clauses ("khoản") and their points ("điểm") are rows of their own so that an
answer can cite one of them. The status of a document says whether its articles still apply.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models import Event

LegalField = Event.LegalField


class LegalDocument(models.Model):
    """A law, code, decree or circular, as issued."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        AMENDED = "amended", _("In force, amended")
        REPLACED = "replaced", _("Replaced")
        EXPIRED = "expired", _("No longer in force")

    slug = models.SlugField(_("short link"), max_length=120, unique=True)
    number = models.CharField(
        _("number"), max_length=60, blank=True, help_text=_("e.g. 52/2014/QH13")
    )
    title = models.CharField(_("title"), max_length=300)
    issuing_body = models.CharField(
        _("issuing body"), max_length=200, blank=True, help_text=_("e.g. Quốc hội")
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_on = models.DateField(_("in force from"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.IN_FORCE
    )
    legal_field = models.CharField(
        _("legal field"), max_length=20, choices=LegalField.choices, default=LegalField.OTHER
    )
    amends = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="amended_by",
        verbose_name=_("amends"),
    )
    replaces = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    preamble = models.TextField(_("preamble"), blank=True)
    source = models.CharField(
        _("source of the text"),
        max_length=500,
        blank=True,
        help_text=_("Where this text was taken from: a gazette, a portal, a public data set."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.number})" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("law:document", kwargs={"slug": self.slug})

    @property
    def applies(self) -> bool:
        """Whether its articles may still be cited as the law in force."""
        return self.status in (self.Status.IN_FORCE, self.Status.AMENDED)


class Article(models.Model):
    """An article ("Điều") of a legal document; `text` is all of it, clauses included."""

    document = models.ForeignKey(
        LegalDocument, on_delete=models.CASCADE, related_name="articles", verbose_name=_("document")
    )
    number = models.CharField(_("number"), max_length=10)
    heading = models.CharField(_("heading"), max_length=500, blank=True)
    chapter = models.CharField(_("chapter"), max_length=300, blank=True)
    # Its own words before its first clause ("Trong Luật này, ... như sau:"); all of it if none.
    lead = models.TextField(_("opening words"), blank=True)
    text = models.TextField(_("text"), blank=True)
    position = models.PositiveIntegerField(_("order"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="law_article_number"),
        ]

    def __str__(self) -> str:
        return f"{self.label}. {self.heading}" if self.heading else self.label

    def get_absolute_url(self) -> str:
        return reverse(
            "law:article", kwargs={"slug": self.document.slug, "number": self.number.lower()}
        )

    @property
    def label(self) -> str:
        return str(_("Article %(number)s") % {"number": self.number})


class Clause(models.Model):
    """A clause ("khoản") of an article: its own words, its points apart."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="clauses", verbose_name=_("article")
    )
    number = models.CharField(_("number"), max_length=10)
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("order"))

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["article", "position"]

    def __str__(self) -> str:
        return str(_("Clause %(number)s") % {"number": self.number})


class Point(models.Model):
    """A point ("điểm", "a)") of a clause."""

    clause = models.ForeignKey(
        Clause, on_delete=models.CASCADE, related_name="points", verbose_name=_("clause")
    )
    letter = models.CharField(_("letter"), max_length=4)
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("order"))

    class Meta:
        verbose_name = _("point")
        verbose_name_plural = _("points")
        ordering = ["clause", "position"]

    def __str__(self) -> str:
        return str(_("Point %(letter)s") % {"letter": self.letter})


class SynonymSet(models.Model):
    """Expressions that mean the same to a person asking: "ly hôn", "chấm dứt hôn nhân".

    A question holding one of them is searched with the others too. Staff extend the set in the
    admin; the first ones come from law/data/thesaurus.json.
    """

    terms = models.TextField(
        _("expressions"), help_text=_("One expression a line; each is searched as the others.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("synonym set")
        verbose_name_plural = _("legal thesaurus")
        ordering = ["pk"]

    def __str__(self) -> str:
        return " ↔ ".join(self.term_list)

    @property
    def term_list(self) -> list[str]:
        return [line.strip() for line in self.terms.splitlines() if line.strip()]
