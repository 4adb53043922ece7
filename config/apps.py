from __future__ import annotations

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Health, metrics and the access log: connected once Django is set up."""

    name = "config"
    label = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Signal receivers, the collector, the check that every route is declared.
        from config import access, access_log, metrics  # noqa: F401
