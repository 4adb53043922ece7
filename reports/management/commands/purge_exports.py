"""Delete the exports kept past `REPORTS_EXPORT_HOURS`, saying how many there were (daily)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from reports.models import ExportJob

log = structlog.get_logger("doithoai.retention")


class Command(BaseCommand):
    help = "Delete expired exports (their files with them) and log how many were deleted."

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(hours=settings.REPORTS_EXPORT_HOURS)
        purged, _ = ExportJob.objects.filter(created_at__lte=cutoff).delete()
        log.info("expired_exports_purged", purged=purged, remaining=ExportJob.objects.count())
