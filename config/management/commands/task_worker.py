"""The task worker: django-tasks' `db_worker`, with the heartbeat `/readyz` checks.

Run by deploy/systemd/doithoai-tasks.service (and `make run`); options are db_worker's.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands import db_worker

from config.taskworker import Heartbeat


class Command(db_worker.Command):
    help = (
        "Run the task worker (django-tasks' db_worker) and write its heartbeat, which /readyz "
        "checks (config/taskworker.py)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat = Heartbeat()
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
