from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from reports.models import IssuedReport


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
