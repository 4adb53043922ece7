"""Moderation's work for the task queue (`manage.py db_worker`, events/tasks.py)."""

from __future__ import annotations

from django_tasks import task

from moderation import themes
from moderation.services.reminders import escalate_overdue, remind_official


@task()
def send_due_reminder(question_id: int) -> None:
    """Remind the official of one question that its written answer falls due (once)."""
    remind_official(question_id=question_id)


@task()
def send_overdue_escalation(question_id: int) -> None:
    """Tell the agency's organisers that one written answer is overdue (once)."""
    escalate_overdue(question_id=question_id)


@task()
def refresh_themes(event_id: int) -> None:
    """Group a live dialogue's questions into themes again and show them to its moderators."""
    themes.refresh(event_id)
