"""manage.py rollup_key: a new signing key for the roll-up, or the public key of the one set."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from live.errors import DomainError
from reports.rollup.document import key_id, new_private_key, private_key, public_key_text


class Command(BaseCommand):
    help = (
        "Print a new Ed25519 key for ROLLUP_SIGNING_KEY and its public key; with --public, the "
        "public key of the ROLLUP_SIGNING_KEY set, to register at the importing installation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--public", action="store_true", help="the public key of ROLLUP_SIGNING_KEY"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["public"]:
            if not settings.ROLLUP_SIGNING_KEY:
                raise CommandError("ROLLUP_SIGNING_KEY is not set.")
            try:
                public = public_key_text(private_key(settings.ROLLUP_SIGNING_KEY))
            except DomainError as error:
                raise CommandError(error.message) from error
            self.stdout.write(f"public key: {public}\nkey id: {key_id(public)}")
            return
        secret = new_private_key()
        public = public_key_text(private_key(secret))
        self.stdout.write(
            f"ROLLUP_SIGNING_KEY={secret}\n"
            f"# public key (register it at the importing installation): {public}\n"
            f"# key id: {key_id(public)}"
        )
