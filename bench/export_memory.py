"""The task worker's memory over five large exports of one dialogue's questions.

Run through pytest, which gives it a fresh test database (SQLite by default, or DATABASE_URL):

    .venv/bin/python -m pytest bench/export_memory.py -p no:cacheprovider -s

It stores `EXPORT_ROWS` questions (20,000 by default, half of them answered in writing), then
runs the export task five times in this one process, as `manage.py db_worker` would (XLSX, CSV,
XLSX, CSV, XLSX), and prints each export's time, file size, peak RSS (the kernel's high-water
mark, reset before each export through /proc/self/clear_refs) and RSS after it. Linux only.
Numbers are printed, never asserted; docs/performance.md keeps them.
"""

from __future__ import annotations

import gc
import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from dialogue.models import Answer, Participant, Question
from events.models import Agency, Event, User
from reports import tasks
from reports.models import ExportJob

ROWS = int(os.environ.get("EXPORT_ROWS", "20000"))
TEXT = (
    "Xin hỏi thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu cần những giấy tờ gì, "
    "nộp ở đâu và mất bao lâu? "
) * 3


def memory() -> tuple[float, float]:
    """This process's resident memory and its peak since the last reset, in MB."""
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return tuple(int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


@pytest.mark.django_db
def test_five_large_exports_in_one_worker(capsys: pytest.CaptureFixture[str]) -> None:
    now = timezone.now()
    agency = Agency.objects.create(name="Sở Tư pháp", slug="so-tu-phap")
    event = Event.objects.create(
        agency=agency,
        slug="doi-thoai",
        title="Đối thoại",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
        status=Event.Status.ENDED,
    )
    author = Participant.objects.create(event=event, nickname="Người hỏi")
    official = User.objects.create(email="canbo@example.vn", display_name="Cán bộ")
    Question.objects.bulk_create(
        Question(event=event, author=author, text=f"{n}. {TEXT}") for n in range(ROWS)
    )
    answered = list(event.questions.values_list("pk", flat=True)[: ROWS // 2])
    Question.objects.filter(pk__in=answered).update(
        status=Question.Status.ANSWERED, answered_at=now, answered_how="written"
    )
    Answer.objects.bulk_create(
        Answer(question_id=pk, official=official, kind="written", body=TEXT, published_at=now)
        for pk in answered
    )
    requester = User.objects.create(email="tochuc@example.vn")
    gc.collect()
    lines = [f"{ROWS} questions; RSS before the first export: {memory()[0]:.0f} MB"]
    for number, fmt in enumerate(["xlsx", "csv", "xlsx", "csv", "xlsx"], start=1):
        reset_peak()
        job = ExportJob.objects.create(requester=requester, event=event, format=fmt)
        started = time.monotonic()
        tasks.make_question_export.call(str(job.pk))
        took = time.monotonic() - started
        size = len(bytes(ExportJob.objects.values_list("content", flat=True).get(pk=job.pk)))
        ExportJob.objects.filter(pk=job.pk).delete()
        gc.collect()
        rss, peak = memory()
        lines.append(
            f"export {number} ({fmt}): {took:.1f} s, file {size / 1e6:.1f} MB, "
            f"peak RSS {peak:.0f} MB, RSS after {rss:.0f} MB"
        )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
