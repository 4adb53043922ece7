"""Print the release of this code (the VERSION file); docs/operations.md, "Upgrade"."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from config.version import version


class Command(BaseCommand):
    help = "Print the release of this code (VERSION; its notes are in CHANGELOG.md)."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(version())
