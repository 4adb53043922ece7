"""Delete expired sessions (Django's clearsessions), saying how many there were (daily)."""

from __future__ import annotations

from typing import Any

import structlog
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

log = structlog.get_logger("doithoai.retention")


class Command(BaseCommand):
    help = "Delete expired sessions and log how many were deleted."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = Session.objects.filter(expire_date__lt=timezone.now()).count()
        call_command("clearsessions")
        remaining = Session.objects.count()
        log.info("expired_sessions_purged", purged=expired, remaining=remaining)
