"""Send a test email through the task queue, as every message leaves: is mail working?

    manage.py send_test_email someone@example.gov.vn            # queue it; the worker sends it
    manage.py send_test_email someone@example.gov.vn --wait 60  # and wait for the outcome

It goes the way invitations and sign-in codes go: a task in the database, sent by the task
worker (doithoai-tasks) through EMAIL_BACKEND. With --wait, the command says whether the first
attempt was sent, or the mail server's error (a failed attempt is retried later, like any).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from config.version import version
from events.mail import message_to_json
from events.tasks import deliver_email


class Command(BaseCommand):
    help = "Queue a test email to ADDRESS; the task worker sends it (--wait: and say how it went)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="wait this long for the task worker's first attempt, and say how it went",
        )

    def handle(self, *args: Any, address: str, wait: float, **options: Any) -> None:
        try:
            validate_email(address)
        except ValidationError as error:
            raise CommandError(f"not an email address: {address}") from error
        site = Site.objects.get_current()
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Test email from %(site)s") % {"site": site.name}
            body = _(
                "This message was sent to check that %(site)s can send email: invitations, "
                "sign-in codes and notices leave the same way.\n\n"
                "Sent at %(time)s by version %(version)s, through the task queue."
            ) % {
                "site": site.name,
                "time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S %Z"),
                "version": version(),
            }
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        queued = deliver_email.enqueue(message_to_json(message))
        self.stdout.write(
            f"queued task {queued.id} for {address}; the task worker (doithoai-tasks) sends it "
            f"through {settings.EMAIL_DELIVERY_BACKEND}"
        )
        if wait <= 0:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            row = DBTaskResult.objects.get(pk=queued.id)
            if row.status == "SUCCESSFUL":
                self.stdout.write(f"sent to {address}")
                return
            if row.status == "FAILED":
                reason = row.traceback.strip().splitlines()[-1] if row.traceback else "?"
                raise CommandError(
                    f"the mail server refused it: {reason} (retried later; journalctl -u "
                    "doithoai-tasks)"
                )
            time.sleep(0.5)
        raise CommandError(
            f"not sent within {wait:g} s: is the task worker running? "
            "(systemctl status doithoai-tasks)"
        )
