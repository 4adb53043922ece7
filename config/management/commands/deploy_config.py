"""Print nginx's site or Prometheus's configuration for this machine's workers.

    manage.py deploy_config nginx [--domain D] [--root DIR]   # the site, one upstream per worker
    manage.py deploy_config prometheus                        # one scrape target per worker

From WORKERS and WORKER_BASE_PORT (config/deployconf.py); deploy/install.sh writes both.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config import deployconf


class Command(BaseCommand):
    help = "Print nginx's site or Prometheus's configuration for WORKERS workers."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["nginx", "prometheus"])
        parser.add_argument("--domain", help="the site's host name (default: SITE_URL's)")
        parser.add_argument("--root", help="where the code is (default: this checkout)")

    def handle(self, *args: Any, what: str, **options: Any) -> None:
        try:
            if what == "nginx":
                text = deployconf.nginx_site(
                    workers=settings.WORKERS,
                    base_port=settings.WORKER_BASE_PORT,
                    domain=options["domain"] or urlsplit(settings.SITE_URL).hostname or "",
                    root=options["root"] or str(settings.BASE_DIR),
                )
            else:
                text = deployconf.prometheus_config(
                    workers=settings.WORKERS, base_port=settings.WORKER_BASE_PORT
                )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(text, ending="")
