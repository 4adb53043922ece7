"""Queue a reminder for each written answer due within `WRITTEN_ANSWER_REMINDER_DAYS`, and a
report to the agency's organisers of each one overdue (daily)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from moderation.selectors import answers_to_escalate, answers_to_remind
from moderation.tasks import send_due_reminder, send_overdue_escalation

log = structlog.get_logger("doithoai.reminders")


class Command(BaseCommand):
    help = (
        "Queue an email to each official whose written answer falls due soon, and to the "
        "organisers of each agency with an overdue one (once per question)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        within = timedelta(days=settings.WRITTEN_ANSWER_REMINDER_DAYS)
        pending = answers_to_remind(now=timezone.now(), within=within)
        due = list(pending.values_list("pk", flat=True))
        # Only queued here; the task writes the reminder and the email together, so a question
        # queued twice (two runs before the worker got to it) is still reminded once.
        for question_id in due:
            send_due_reminder.enqueue(question_id)
        overdue = list(answers_to_escalate(now=timezone.now()).values_list("pk", flat=True))
        for question_id in overdue:
            send_overdue_escalation.enqueue(question_id)
        log.info("due_reminders_queued", queued=len(due), escalations=len(overdue))
