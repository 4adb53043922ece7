"""The task queue: what runs beside the servers, never in a request, a socket or a callback.

Email (and any other call to another server) can take seconds, or hang until a timeout, when the
other side is slow. Run from a socket handler or an on-commit callback, it holds the database
thread that every socket of the worker shares: against a mail server that accepted and never
answered, another citizen's command waited 8 s. So such work is a task: a row written in the
caller's transaction, run by `manage.py db_worker` (django-tasks and its database backend, the
reference implementation of the task framework Django 6.0 ships), retried with backoff.

A failed attempt that is tried again logs at warning; only the last one, given up, at error, so an
alarm on error lines means mail that was not sent. A finished message task keeps no message: its
text (a sign-in code, an invitation link) is dropped from the row as soon as it has run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import TaskContext, TaskResult, task
from django_tasks.base import Task
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend

logger = logging.getLogger(__name__)

# The note an attempt's error carries once the next attempt is queued (see `retrying`).
RETRY_QUEUED = "queued again as attempt"


class RetriedAttemptFilter(logging.Filter):
    """django-tasks logs every failed task at error; one that is tried again is a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        notes = getattr(error, "__notes__", ())
        if record.levelno > logging.WARNING and any(
            str(note).startswith(RETRY_QUEUED) for note in notes
        ):
            record.levelno, record.levelname = (
                logging.WARNING,
                logging.getLevelName(logging.WARNING),
            )
        return True


# The worker's "Task id=… state=FAILED" line, written by django-tasks' own receiver.
logging.getLogger("django_tasks").addFilter(RetriedAttemptFilter())


def enqueue_on_commit(work: Task[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Queue `work` so that it exists once the caller's transaction commits, and never before."""
    if isinstance(work.get_backend(), DatabaseBackend):
        # The task's row is written in the caller's own transaction: it commits, or rolls back,
        # with the write that asked for it. Nothing is left to do after the commit, so a crash
        # between the commit and a callback cannot lose it.
        work.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(partial(work.enqueue, *args, **kwargs), robust=True)


def retry_delay(attempt: int) -> float | None:
    """Seconds to wait before the attempt after `attempt`, or None when it was the last."""
    delays: Sequence[float] = settings.TASK_RETRY_DELAYS
    return float(delays[attempt - 1]) if attempt <= len(delays) else None


@contextmanager
def retrying(
    context: TaskContext, *, attempt: int, errors: tuple[type[BaseException], ...]
) -> Iterator[None]:
    """On one of `errors`, queue the same task again after a growing delay, then fail this run.

    django-tasks runs a task once. The retry is a new task with the same arguments and
    `attempt` one higher, due after `TASK_RETRY_DELAYS[attempt - 1]` seconds; this run is still
    recorded as failed, with its error, so the queue shows every attempt.
    """
    try:
        yield
    except errors as error:
        result = context.task_result
        delay = retry_delay(attempt)
        if delay is None:
            logger.error("task %s gave up after %d attempts: %r", result.task.name, attempt, error)
            raise
        later = result.task.using(run_after=timezone.now() + timedelta(seconds=delay))
        later.enqueue(*result.args, **{**result.kwargs, "attempt": attempt + 1})
        error.add_note(f"{RETRY_QUEUED} {attempt + 1} in {delay:g} s")
        logger.warning(
            "task %s failed (attempt %d: %r); trying again in %g s",
            result.task.name,
            attempt,
            error,
            delay,
        )
        raise


@task(takes_context=True)
def deliver_email(context: TaskContext, message: dict[str, Any], attempt: int = 1) -> None:
    """Send one queued message through the delivery backend; retried while the server fails."""
    from events import mail

    # smtplib's errors and socket timeouts are all OSError; a malformed message is not retried.
    with retrying(context, attempt=attempt, errors=(OSError,)):
        mail.deliver(message)


def redacted_message(message: dict[str, Any]) -> dict[str, Any]:
    """What a finished message task keeps of its message: how many it was for, nothing said."""
    recipients = [*message.get("to", []), *message.get("cc", []), *message.get("bcc", [])]
    return {"redacted": True, "recipients": len(recipients)}


@receiver(task_finished)
def drop_message_bodies(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    """A message task that has run, sent or failed, keeps no subject, body or address.

    A failed attempt that is tried again has handed its message to the next attempt; the last
    one, given up, has its error and traceback, which is what an operator needs. Run after the
    worker recorded the outcome, so nothing can write the message back.
    """
    if task_result.task.module_path != deliver_email.module_path:
        return
    from django_tasks_db.models import DBTaskResult

    args = [redacted_message(arg) if isinstance(arg, dict) else arg for arg in task_result.args]
    try:
        DBTaskResult.objects.filter(pk=task_result.id).update(
            args_kwargs={"args": args, "kwargs": task_result.kwargs}
        )
    except DatabaseError:
        # The outcome is recorded; the text goes with the daily prune (doithoai-tasks-prune).
        logger.warning("the finished message task %s kept its text", task_result.id, exc_info=True)
