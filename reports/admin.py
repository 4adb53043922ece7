from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from events.text import CleanInputMixin
from live.errors import DomainError
from reports.models import IssuedReport, RollupSource
from reports.rollup.document import public_key


@admin.register(IssuedReport)
class IssuedReportAdmin(admin.ModelAdmin[IssuedReport]):
    """Issued reports are issued from the agency report page and never changed: read only here."""

    list_display = ["number", "agency", "period_start", "period_end", "issued_at", "signer_name"]
    list_filter = ["year", "agency"]
    search_fields = ["number", "signer_name"]
    readonly_fields = [
        "agency",
        "number",
        "year",
        "sequence",
        "period_start",
        "period_end",
        "issued_at",
        "issued_by",
        "signer_name",
        "signer_title",
        "corrects",
        "figures",
    ]
    fields = tuple(readonly_fields)

    def get_queryset(self, request: HttpRequest) -> QuerySet[IssuedReport]:
        return super().get_queryset(request).defer("pdf", "xlsx")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Issued by the reports service alone.

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RollupSourceForm(CleanInputMixin, forms.ModelForm[RollupSource]):
    feed_url = forms.URLField(
        label=_("address of its document"), required=False, assume_scheme="https"
    )

    class Meta:
        model = RollupSource
        fields = ["name", "public_key", "feed_url", "feed_token"]
        widgets = {"feed_token": forms.PasswordInput(render_value=True)}

    def clean_public_key(self) -> str:
        """An Ed25519 public key, or a clear message: every document is checked against it."""
        text = str(self.cleaned_data["public_key"]).strip()
        try:
            public_key(text)
        except DomainError as error:
            raise ValidationError(error.message) from error
        return text


@admin.register(RollupSource)
class RollupSourceAdmin(admin.ModelAdmin[RollupSource]):
    """Publishers of the national roll-up, registered with their public key (docs/reports.md)."""

    form = RollupSourceForm
    list_display = ["name", "feed_url", "created_at"]
