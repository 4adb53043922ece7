"""Erase nickname participants' identifiers of dialogues past the retention period (daily)."""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from erasure.retention import erase_expired_personal_data

log = structlog.get_logger("doithoai.retention")


class Command(BaseCommand):
    help = (
        "Erase the nicknames and browser links of people who took part without an account in "
        "dialogues that ended more than PERSONAL_DATA_RETENTION_DAYS days ago."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="retention period in days (default: PERSONAL_DATA_RETENTION_DAYS)",
        )

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        retention_days = settings.PERSONAL_DATA_RETENTION_DAYS if days is None else days
        erased = erase_expired_personal_data(retention_days=retention_days)
        log.info(
            "personal_data_erased",
            retention_days=retention_days,
            ended_before=erased.ended_before.isoformat(),
            participants=erased.participants,
            sessions=erased.sessions,
        )
