"""Exports too large for a request, made by the task queue (`manage.py db_worker`).

The rows are written to a temporary file as they are read, a chunk of questions at a time, so
the worker holds one chunk and not the whole dialogue; the finished file is then read once to
be stored. The job counts the rows done as it goes, but is done (100 %) only once the file is
stored and can be downloaded: until then the page says the file is being finished.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable
from typing import IO

from django.utils import timezone
from django_tasks import task

from dialogue.models import Question
from events.models import Event
from reports import exports
from reports.models import ExportJob

logger = logging.getLogger(__name__)

Writer = Callable[[Event, IO[bytes], Callable[[int], None] | None], None]
WRITERS: dict[str, Writer] = {
    ExportJob.Format.CSV: exports.write_questions_csv,
    ExportJob.Format.XLSX: exports.write_questions_xlsx,
}


def store_file(job: ExportJob, content: bytes) -> None:
    """The file is kept and the job done, in one write: the link appears with the file."""
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, content=content, finished_at=timezone.now()
    )


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
        write = WRITERS.get(job.format)
        if write is None:
            raise ValueError(f"no export in the format {job.format!r}")
        with tempfile.TemporaryFile() as out:
            write(job.event, out, progress)
            out.seek(0)
            content = out.read()
    except Exception as error:
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:300],
            finished_at=timezone.now(),
        )
        raise
    store_file(job, content)
