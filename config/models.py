"""The operations app's one table: when a task worker was last seen (config/taskworker.py)."""

from __future__ import annotations

from django.db import models


class TaskWorkerHeartbeat(models.Model):
    """One row per machine running `manage.py task_worker`, rewritten every few seconds."""

    worker = models.CharField(max_length=255, primary_key=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = "task worker heartbeat"

    def __str__(self) -> str:
        return f"{self.worker} {self.seen_at.isoformat()}"
