"""The task worker's heartbeat: `/readyz` fails when no task worker has been seen for minutes.

Mail (invitations, sign-in codes) leaves only through the task worker (events/tasks.py): with
no worker running, nobody can be invited or sign in with a code, while every page still works.
So `manage.py task_worker` (django-tasks' `db_worker`, plus this) writes the time into the
database from a thread of its own every HEARTBEAT_SECONDS, one row per machine, and `/readyz`
checks that the newest row is younger than TASK_WORKER_STALE_SECONDS (3 minutes).

A thread, not the worker's loop: a task that runs for minutes (a large export) keeps the
worker busy but alive. A worker whose loop dies exits (systemd starts it again), and with it the
thread. The database, not the cache: the web workers and the task worker share it whatever
the configuration (SQLite in development, where the cache is per process).
"""

from __future__ import annotations

import datetime
import logging
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Max
from django.utils import timezone

from config.models import TaskWorkerHeartbeat

log = logging.getLogger(__name__)


def heartbeat_seconds() -> float:
    """How often the worker writes its heartbeat: well inside the time it is missed after."""
    return float(min(30.0, settings.TASK_WORKER_STALE_SECONDS / 3))


def beat(worker: str | None = None) -> None:
    """Record that the task worker of this machine (or `worker`) is alive now."""
    TaskWorkerHeartbeat.objects.update_or_create(
        worker=worker or socket.gethostname(), defaults={"seen_at": timezone.now()}
    )


def last_seen() -> datetime.datetime | None:
    """When any task worker was last seen alive; None when none ever was."""
    seen: datetime.datetime | None = TaskWorkerHeartbeat.objects.aggregate(latest=Max("seen_at"))[
        "latest"
    ]
    return seen


class Heartbeat(threading.Thread):
    """Writes the heartbeat at once, then every `every` seconds, until `stop`."""

    def __init__(self, every: float | None = None) -> None:
        super().__init__(name="task-worker-heartbeat", daemon=True)
        self.every = heartbeat_seconds() if every is None else every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            close_old_connections()
            try:
                beat()
            except DatabaseError:
                # The database is away: the worker's own loop finds out too; /readyz says so.
                log.warning("task worker heartbeat not written", exc_info=True)
            finally:
                connection.close()  # this thread's connection only
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)
