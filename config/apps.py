from __future__ import annotations

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Health, metrics, the access log and the process's own setup, once Django is set up."""

    name = "config"
    label = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Signal receivers, the collector, the check that every route is declared.
        from config import access, access_log, metrics  # noqa: F401
        from live.adapters import quick_pool_retries

        # psycopg_pool tries again every 0.25 s instead of backing off up to 8 s, so asks are
        # answered again soon after PostgreSQL restarts (live/adapters.py).
        quick_pool_retries()
