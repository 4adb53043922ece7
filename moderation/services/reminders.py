"""Reminders to officials of the written answers they owe, one per question."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dialogue import facts
from dialogue.models import Question
from events.moments import format_day
from moderation.models import DueReminder


@transaction.atomic
def remind_official(*, question_id: int) -> DueReminder | None:
    """Email the official a question is routed to that its written answer falls due, once.

    The reminder row and the queued email are written in one transaction: a second run of the
    job, or a retried task, finds the row and sends nothing.
    """
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("event", "routed_to")
        .filter(pk=question_id)
        .first()
    )
    if question is None or DueReminder.objects.filter(question_id=question_id).exists():
        return None
    official = question.routed_to
    if (
        not facts.is_owed(question)
        or question.answer_due_at is None
        or official is None
        or not official.email
        or not official.is_active
    ):
        return None
    reminder = DueReminder.objects.create(
        question=question, official=official, sent_at=timezone.now()
    )
    console = reverse("moderation:official", args=[question.event.slug])
    url = f"{settings.SITE_URL}{console}#q{question.pk}"
    # The worker has no request to take a language from: the site's own, Vietnamese.
    with translation.override(settings.LANGUAGE_CODE):
        due = format_day(question.answer_due_at)
        subject = _("Written answer due on %(date)s: %(title)s") % {
            "date": due,
            "title": question.event.title,
        }
        body = render_to_string(
            "moderation/email/answer_due.txt",
            {"question": question, "official": official, "due": due, "url": url},
        )
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[official.email])
    return reminder
