"""Exports too large for a request, kept for a day; and issued reports, kept as issued."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Agency, Event


class ExportJob(models.Model):
    """One export of a dialogue's questions, with how far it got and, when done, the file."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    # A random id: the download link names it, and it must not be guessed from a neighbour's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    event = models.ForeignKey(Event, on_delete=models.CASCADE)
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Kept in the database: a day's worth of spreadsheets, backed up and removed with the rest.
    content = models.BinaryField(blank=True, default=b"")
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.event.slug}.{self.format} ({self.status})"

    @property
    def expires_at(self) -> datetime:
        return self.created_at + timedelta(hours=settings.REPORTS_EXPORT_HOURS)

    @property
    def expired(self) -> bool:
        return bool(timezone.now() >= self.expires_at)

    # The rows are most of the work; the rest is finishing and storing the file.
    ROWS_SHARE = 95

    @property
    def percent(self) -> int:
        """How far the export got: 100 only once the file is stored and can be downloaded."""
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(self.ROWS_SHARE, self.ROWS_SHARE * self.rows_done // self.rows_total)

    @property
    def finishing(self) -> bool:
        """Every row is written, and the file is being finished and stored."""
        return self.status == self.Status.RUNNING and self.rows_done >= self.rows_total

    @property
    def filename(self) -> str:
        return f"cau-hoi-{self.event.slug}.{self.format}"


class IssuedReportQuerySet(models.QuerySet["IssuedReport"]):
    """Issued reports are never updated, in bulk either."""

    def update(self, **kwargs: Any) -> int:
        raise IssuedReportIsFinal


class IssuedReportIsFinal(TypeError):
    """An issued report was about to be changed: it never is; a correction is a new issue."""

    def __init__(self) -> None:
        super().__init__("An issued report is never changed; issue a correction instead.")


class IssuedReport(models.Model):
    """An agency report as issued: its number, signer, figures and files, stored once.

    The figures are the whole `AgencyReport` as data (reports/issued.py), so the issued report
    renders the same whatever is erased or changed later; the PDF and XLSX are the files made
    at issue time. A row is written once and never changed: a correction is a new issue that
    names the one it replaces (`corrects`).
    """

    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="issued_reports",
        verbose_name=_("agency"),
    )
    # The number is "<sequence>/BC-<AGENCY>", counted from 1 each year for each agency.
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=120)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))  # inclusive
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issued by"),
    )
    signer_name = models.CharField(_("signer's name"), max_length=120)
    signer_title = models.CharField(_("signer's title"), max_length=160)
    # The place name before the date (Decree 30/2020/NĐ-CP: "Bắc Ninh, ngày … tháng … năm …").
    place = models.CharField(_("place of issue"), max_length=100, blank=True)
    figures = models.JSONField(_("figures"))
    pdf = models.BinaryField(_("PDF"))
    xlsx = models.BinaryField(_("XLSX"))
    corrects = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )

    objects = IssuedReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("issued report")
        verbose_name_plural = _("issued reports")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "sequence"], name="one_issued_sequence_per_agency_year"
            ),
            models.UniqueConstraint(
                fields=["agency", "year", "number"], name="one_issued_number_per_agency_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.issued_at:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise IssuedReportIsFinal
        super().save(*args, **kwargs)

    @property
    def pdf_filename(self) -> str:
        return f"{self.file_stem}.pdf"

    @property
    def xlsx_filename(self) -> str:
        return f"{self.file_stem}.xlsx"

    @property
    def file_stem(self) -> str:
        return f"bao-cao-{self.sequence}-{self.year}-{self.agency.slug}"


class RollupSource(models.Model):
    """An installation whose issued reports this one sums: its public key, registered by the
    site's administrators, and where its signed document is pulled from (docs/reports.md)."""

    name = models.CharField(_("name"), max_length=200)
    # The Ed25519 public key (32 bytes, base64) every document of this publisher is checked with.
    public_key = models.CharField(_("public key"), max_length=64, unique=True)
    feed_url = models.URLField(_("address of its document"), blank=True)
    # The token the publisher asks for (its ROLLUP_FEED_TOKEN); shown to nobody once saved.
    feed_token = models.CharField(_("token"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        verbose_name = _("roll-up publisher")
        verbose_name_plural = _("roll-up publishers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RollupImport(models.Model):
    """One document imported from a publisher: when, how, by whom, and what it held."""

    class Via(models.TextChoices):
        PULL = "pull", _("Pulled from its address")
        UPLOAD = "upload", _("Uploaded file")

    source = models.ForeignKey(RollupSource, on_delete=models.CASCADE, related_name="imports")
    via = models.CharField(_("how"), max_length=8, choices=Via.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    reports = models.PositiveIntegerField(_("reports in it"), default=0)
    added = models.PositiveIntegerField(_("new reports"), default=0)
    # Empty when it was imported; else why it was refused (nothing of it was kept).
    error = models.CharField(_("refused because"), max_length=300, blank=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source} · {self.imported_at:%Y-%m-%d %H:%M}"


class RollupReport(models.Model):
    """An issued report of another installation, as its signed document gave it; never changed
    (the publisher's issued report never changes; a correction is another report)."""

    source = models.ForeignKey(RollupSource, on_delete=models.PROTECT, related_name="reports")
    # The report's and its agency's ids at the publisher.
    remote_id = models.PositiveIntegerField()
    corrects_remote_id = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(_("number"), max_length=120)
    agency_remote_id = models.PositiveIntegerField()
    agency_name = models.CharField(_("agency"), max_length=200)
    # The agency's line up to the top, top first: [{"id": …, "name": …}, …]; the first is the
    # province (or ministry) it is counted under.
    lineage = models.JSONField()
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    issued_at = models.DateTimeField(_("issued at"))
    signer_name = models.CharField(_("signer's name"), max_length=120)
    signer_title = models.CharField(_("signer's title"), max_length=160)
    figures = models.JSONField(_("figures"))
    first_import = models.ForeignKey(RollupImport, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["source", "remote_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "remote_id"], name="one_rollup_report_per_source_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} · {self.number}"
