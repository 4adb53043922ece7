"""Reminders to officials of the written answers they owe, and the overdue ones reported to
their agency's organisers: each once per question."""

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
from events.models import AgencyMembership
from events.moments import format_day
from events.permissions import agency_lineage
from moderation.models import DueEscalation, DueReminder


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


def organisers_to_tell(question: Question) -> list[str]:
    """The addresses of the organisers of the question's agency; if it has none, of the nearest
    agency above it that has (a department's overdue answer goes to the province)."""
    for agency_id in agency_lineage(question.event.agency_id):
        found = sorted(
            {
                address
                for address in AgencyMembership.objects.filter(
                    agency_id=agency_id,
                    role=AgencyMembership.Role.ORGANISER,
                    user__is_active=True,
                ).values_list("user__email", flat=True)
                if address
            }
        )
        if found:
            return found
    return []


@transaction.atomic
def escalate_overdue(*, question_id: int) -> DueEscalation | None:
    """Tell the organisers of the agency that a written answer is overdue, once per question.

    The row and the queued emails are one transaction; a question answered, closed or given
    more time since it was queued is no longer overdue and is not reported.
    """
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("event__agency", "routed_to")
        .filter(pk=question_id)
        .first()
    )
    now = timezone.now()
    if question is None or DueEscalation.objects.filter(question_id=question_id).exists():
        return None
    due_at = question.answer_due_at
    if due_at is None or not facts.is_overdue(question, now) or question.closed_at is not None:
        return None
    recipients = organisers_to_tell(question)
    escalation = DueEscalation.objects.create(
        question=question, sent_at=now, recipients=len(recipients)
    )
    due_page = reverse("moderation:agency_due", args=[question.event.agency.slug])
    with translation.override(settings.LANGUAGE_CODE):
        due = format_day(due_at)
        subject = _("Overdue written answer (due %(date)s): %(title)s") % {
            "date": due,
            "title": question.event.title,
        }
        body = render_to_string(
            "moderation/email/answer_overdue.txt",
            {"question": question, "due": due, "url": f"{settings.SITE_URL}{due_page}"},
        )
    for address in recipients:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
    return escalation
