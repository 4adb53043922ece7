"""The task queue: what runs beside the servers, never in a request, a socket or a callback.

Email (and any other call to another server) can take seconds, or hang until a timeout, when the
other side is slow. Run from a socket handler or an on-commit callback, it holds the database
thread that every socket of the worker shares: against a mail server that accepted and never
answered, another citizen's command waited 8 s. So such work is a task: a row written in the
caller's transaction, run by `manage.py db_worker` (django-tasks and its database backend, the
reference implementation of the task framework Django 6.0 ships), retried with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend

logger = logging.getLogger(__name__)


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
