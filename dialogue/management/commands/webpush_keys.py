"""manage.py webpush_keys: a new VAPID key for Web Push, or the public key of the one set."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dialogue import push


class Command(BaseCommand):
    help = (
        "Print a new VAPID private key for WEBPUSH_VAPID_PRIVATE_KEY, with its public key; with "
        "--public, the public key of the one set (browsers subscribe with it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--public", action="store_true", help="the public key of WEBPUSH_VAPID_PRIVATE_KEY"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["public"]:
            if not push.enabled():
                raise CommandError("WEBPUSH_VAPID_PRIVATE_KEY is not set.")
            try:
                self.stdout.write(push.public_key(settings.WEBPUSH_VAPID_PRIVATE_KEY))
            except ValueError as error:
                raise CommandError(f"WEBPUSH_VAPID_PRIVATE_KEY is not a key: {error}") from error
            return
        secret = push.new_private_key()
        self.stdout.write(
            f"WEBPUSH_VAPID_PRIVATE_KEY={secret}\n"
            f"# public key (browsers subscribe with it): {push.public_key(secret)}"
        )
