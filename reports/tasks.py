"""Exports too large for a request, made by the task queue (`manage.py db_worker`)."""

from __future__ import annotations

import logging
import uuid

from django.utils import timezone
from django_tasks import task

from dialogue.models import Question
from reports import exports
from reports.models import ExportJob

logger = logging.getLogger(__name__)


@task()
def make_question_export(job_id: str) -> None:
    """Make the file of one export job, recording how many rows are done as it goes."""
    job = ExportJob.objects.select_related("event").filter(pk=uuid.UUID(job_id)).first()
    if job is None or job.status != ExportJob.Status.QUEUED:
        return  # deleted, or already made by an earlier run of this task
    total = Question.objects.filter(event=job.event).count()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, rows_total=total)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

    try:
        if job.format == ExportJob.Format.CSV:
            content = exports.questions_csv(job.event, progress)
        elif job.format == ExportJob.Format.XLSX:
            content = exports.questions_xlsx(job.event, progress)
        else:
            raise ValueError(f"no export in the format {job.format!r}")
    except Exception as error:
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:300],
            finished_at=timezone.now(),
        )
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        rows_done=total,
        content=content,
        finished_at=timezone.now(),
    )
