"""Telling the asker: an email when their question is answered, live or in writing, and when
the written answer's date due is put later."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from dialogue.models import Question, grouped_tracking_code
from dialogue.selectors import archive_is_public


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
    # The archive, where the answer is kept; while the dialogue is live (answered there and
    # then) its archive is not open yet, so the dialogue's page, at the question.
    page = question.event.get_absolute_url()
    if archive_is_public(question.event):
        page = reverse("dialogue:archive", args=[question.event.slug])
    url = f"{settings.SITE_URL}{page}#q{question.pk}"
    send_mail(
        subject=_("Your question has been answered: %(title)s") % {"title": question.event.title},
        message=render_to_string(
            "moderation/email/answered.txt", {"question": question, "url": url}
        ),
        from_email=None,
        recipient_list=[address],
    )


def email_extension(question: Question) -> None:
    """Tell the asker by email that their written answer's date due was put later, and why.

    Queued in the extending transaction, as every mail is; an extension happens once, so the
    message is sent once.
    """
    author = question.author
    address = author.user.email if author.user is not None else author.email
    if not address:
        return
    context = {
        "question": question,
        "code": grouped_tracking_code(question.tracking_code),
        "url": f"{settings.SITE_URL}{reverse('dialogue:lookup')}",
    }
    send_mail(
        subject=_("More time to answer your question: %(title)s") % {"title": question.event.title},
        message=render_to_string("moderation/email/extended.txt", context),
        from_email=None,
        recipient_list=[address],
    )
