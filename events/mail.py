"""Every email leaves through the task queue: the project's email backend only queues it.

`EMAIL_BACKEND` is `QueuedEmailBackend` everywhere, so whatever sends mail (our services,
allauth's codes and links, Django's own) only writes a task; the worker hands the message to
`EMAIL_DELIVERY_BACKEND` (SMTP in production, with `EMAIL_TIMEOUT`). See events/tasks.py.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend


def message_to_json(message: EmailMessage) -> dict[str, Any]:
    """A message as the JSON a task argument must be; MIME parts built by hand are refused."""
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            raise ValueError("a queued message cannot carry a ready-made MIME part")
        filename, content, mimetype = attachment
        if isinstance(content, bytes):
            attachments.append([filename, base64.b64encode(content).decode(), mimetype, True])
        else:
            attachments.append([filename, str(content), mimetype, False])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": str(message.from_email or settings.DEFAULT_FROM_EMAIL),
        "to": [str(a) for a in message.to],
        "cc": [str(a) for a in message.cc],
        "bcc": [str(a) for a in message.bcc],
        "reply_to": [str(a) for a in message.reply_to],
        "headers": {str(k): str(v) for k, v in message.extra_headers.items()},
        "content_subtype": message.content_subtype,
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
    }


def message_from_json(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    message.content_subtype = data["content_subtype"]
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype, encoded in data["attachments"]:
        message.attach(filename, base64.b64decode(content) if encoded else content, mimetype)
    return message


def deliver(data: dict[str, Any]) -> None:
    """Send one message now, through the delivery backend (run by the worker, never a server)."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    message = message_from_json(data)
    message.connection = connection
    message.send(fail_silently=False)


class QueuedEmailBackend(BaseEmailBackend):
    """Queue each message as a task; nothing here talks to a mail server."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from events.tasks import deliver_email, enqueue_on_commit

        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            enqueue_on_commit(deliver_email, message_to_json(message))
            count += 1
        return count
