"""Telling the asker: an email when their question is answered, live or in writing."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from dialogue.models import Question


def email_asker(question: Question) -> None:
    """Tell the asker by email that their question has been answered.

    Signed-in askers at their account's address; nickname askers at the address they left when
    joining, if any. Only queued, in the answering transaction (events/mail.py): the worker
    sends it, so a slow mail server never holds the database thread the sockets share.
    """
    author = question.author
    address = author.user.email if author.user is not None else author.email
    if not address:
        return
    url = f"{settings.SITE_URL}{question.event.get_absolute_url()}archive/#q{question.pk}"
    send_mail(
        subject=_("Your question has been answered: %(title)s") % {"title": question.event.title},
        message=render_to_string(
            "moderation/email/answered.txt", {"question": question, "url": url}
        ),
        from_email=None,
        recipient_list=[address],
    )
