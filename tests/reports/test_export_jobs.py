"""A large export of a dialogue's questions is made by the task queue, with its progress shown."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports import exports
from reports.models import ExportJob
from tests.factories import QuestionFactory
from tests.reports.test_reports import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(event, settings):  # type: ignore[no-untyped-def]
    """A dialogue with more questions than a request exports."""
    settings.REPORTS_SYNC_EXPORT_ROWS = 3
    for n in range(450):
        QuestionFactory(event=event, text=f"=Câu hỏi số {n}")
    return event


def test_a_small_export_is_still_made_in_the_request(event, organiser, settings):
    settings.REPORTS_SYNC_EXPORT_ROWS = 10
    QuestionFactory(event=event)
    response = staff_client(organiser).get(
        reverse("reports:dialogue_export", args=[event.slug, "csv"])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_export_is_queued_made_and_downloaded(
    crowded, organiser, run_tasks, django_capture_on_commit_callbacks, fmt
):
    client = staff_client(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("reports:dialogue_export", args=[crowded.slug, fmt]))
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-export-status="queued"' in page
    assert 'http-equiv="refresh"' in page

    assert run_tasks() == 1
    job.refresh_from_db()
    assert (job.status, job.rows_total, job.rows_done) == ("done", 450, 450)
    page = client.get(reverse("reports:export_job", args=[job.pk])).content.decode()
    assert 'data-export-status="done"' in page
    assert 'http-equiv="refresh"' not in page
    download = client.get(reverse("reports:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert f'filename="cau-hoi-{crowded.slug}.{fmt}"' in download["Content-Disposition"]
    # The same rows as the export made in a request, the formula kept as text in both: behind
    # an apostrophe in the CSV, typed as a string in the XLSX.
    expected = [[str(cell) for cell in row] for row in exports.question_rows(crowded)]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert rows[0] == exports.QUESTION_COLUMNS
        assert [row[1] for row in rows[1:]] == ["'" + row[1] for row in expected]
    else:
        sheet = load_workbook(io.BytesIO(download.content)).active
        assert sheet is not None
        cells = [row[1] for row in sheet.iter_rows(min_row=2)]
        assert [cell.value for cell in cells] == [row[1] for row in expected]
        assert {cell.data_type for cell in cells} == {"s"}


def test_the_progress_is_recorded_as_the_rows_are_made(crowded, organiser):
    job = ExportJob.objects.create(requester=organiser, event=crowded, format="csv")
    seen: list[int] = []
    exports.questions_csv(crowded, progress=seen.append)
    assert seen == [*range(exports.PROGRESS_EVERY, 450, exports.PROGRESS_EVERY), 450]
    assert job.percent == 0


def test_only_the_requester_follows_and_downloads_an_export(crowded, organiser, moderator):
    job = ExportJob.objects.create(
        requester=organiser, event=crowded, format="csv", status="done", content=b"x"
    )
    other = staff_client(moderator)  # may see the report, but the export is not theirs
    for name in ("reports:export_job", "reports:export_download"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    mine = staff_client(organiser).get(reverse("reports:export_download", args=[job.pk]))
    assert mine.content == b"x"


def test_an_expired_export_is_gone(crowded, organiser, settings):
    job = ExportJob.objects.create(
        requester=organiser, event=crowded, format="csv", status="done", content=b"x"
    )
    ExportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.REPORTS_EXPORT_HOURS, seconds=1)
    )
    client = staff_client(organiser)
    response = client.get(reverse("reports:export_download", args=[job.pk]))
    assert response.status_code == 410
    assert 'data-export-status="expired"' in response.content.decode()


def test_a_failed_export_is_recorded_and_said(crowded, organiser, run_tasks):
    from reports.tasks import make_question_export

    job = ExportJob.objects.create(requester=organiser, event=crowded, format="pdf")
    make_question_export.enqueue(str(job.pk))
    run_tasks()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error
    page = staff_client(organiser).get(reverse("reports:export_job", args=[job.pk]))
    assert 'data-export-status="failed"' in page.content.decode()


def test_expired_exports_are_purged_daily(crowded, organiser, settings):
    old, new = (
        ExportJob.objects.create(requester=organiser, event=crowded, format="csv") for _ in range(2)
    )
    ExportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.REPORTS_EXPORT_HOURS, seconds=1)
    )
    call_command("purge_exports")
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [new.pk]
