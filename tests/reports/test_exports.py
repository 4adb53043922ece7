"""The exports read back: text typed as text in the XLSX and guarded in the CSV, times in the
dialogue's time zone with the zone named, totals named as totals, the dialogue's PDF, and a
large export that streams its rows and is 100 % only when its file can be downloaded."""

from __future__ import annotations

import csv
import io
import tempfile
import tracemalloc
import zipfile
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dialogue.models import Question
from events.models import Event, User
from reports import exports, tasks
from reports.models import ExportJob
from reports.selectors import agency_report
from tests.factories import ParticipantFactory, QuestionFactory
from tests.reports.test_pdf_and_api import weasyprint_missing
from tests.reports.test_reports import staff_client

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-1", "@SUM(A1)", "=1+1"]


@pytest.fixture
def hostile(event: Event) -> Event:
    """A dialogue whose questions start like formulas."""
    for text in FORMULAS:
        QuestionFactory(event=event, text=text)
    return event


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        return "".join(archive.read(name).decode() for name in names)


def test_the_xlsx_shows_a_formula_as_text_with_no_apostrophe(hostile: Event) -> None:
    content = exports.questions_xlsx(hostile)
    sheet = load_workbook(io.BytesIO(content))["Câu hỏi"]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == FORMULAS  # as typed: no apostrophe to see
    assert {cell.data_type for cell in cells} == {"s"}
    xml = sheet_xml(content)
    # No formula anywhere for a spreadsheet to evaluate; the texts are inline strings.
    assert "<f>" not in xml
    assert "<f " not in xml
    assert "<is><t>=1+1</t></is>" in xml
    # Numbers stay numbers.
    assert all(isinstance(row[0], int) for row in sheet.iter_rows(min_row=2, values_only=True))


def test_the_csv_keeps_its_apostrophe_guard(hostile: Event) -> None:
    rows = list(csv.reader(io.StringIO(exports.questions_csv(hostile).decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["'" + text for text in FORMULAS]
    assert all(not cell.startswith(exports.FORMULA_PREFIXES) for row in rows for cell in row)


def test_every_cell_of_the_agency_xlsx_is_typed(hostile: Event) -> None:
    Event.objects.filter(pk=hostile.pk).update(status=Event.Status.ENDED)
    report = agency_report(
        hostile.agency,
        start=datetime(2000, 1, 1, tzinfo=UTC),
        end=datetime(2100, 1, 1, tzinfo=UTC),
    )
    content = exports.agency_report_xlsx(report)
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                elif cell.value is not None:
                    assert cell.data_type == "n", (sheet.title, cell.coordinate)
    assert "<f>" not in sheet_xml(content)
    # The total is named as the total, never as the agency, which heads its own row.
    for title in ("Theo đơn vị", "Theo lĩnh vực"):
        rows = list(book[title].iter_rows(values_only=True))
        assert rows[-1][0] == exports.TOTAL_LABEL
        assert all(row[0] != hostile.agency.name for row in rows)


def test_export_times_are_the_dialogues_and_the_header_names_the_zone(event: Event) -> None:
    question = QuestionFactory(event=event, answer_due_at=datetime(2026, 3, 20, 17, 0, tzinfo=UTC))
    Question.objects.filter(pk=question.pk).update(
        created_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    )
    header, row = csv.reader(io.StringIO(exports.questions_csv(event).decode("utf-8-sig")))
    asked = header.index("Thời điểm hỏi (giờ Việt Nam, Asia/Ho_Chi_Minh, UTC+7)")
    assert row[asked] == "2026-03-02 09:00:00"
    assert row[
        header.index("Hạn trả lời bằng văn bản (giờ Việt Nam, Asia/Ho_Chi_Minh, UTC+7)")
    ] == ("2026-03-21 00:00:00")


def test_the_dialogue_pdf_names_the_zone_and_holds_the_figures(
    event: Event, organiser: User
) -> None:
    missing = weasyprint_missing()
    if missing is not None:
        pytest.skip(f"WeasyPrint cannot load its system libraries: {missing}")
    from pypdf import PdfReader

    Event.objects.filter(pk=event.pk).update(
        starts_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        ends_at=datetime(2026, 3, 2, 3, 30, tzinfo=UTC),
    )
    for _ in range(3):
        QuestionFactory(event=event)
    client = staff_client(organiser)
    response = client.get(reverse("reports:dialogue_pdf", args=[event.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="bao-cao-{event.slug}.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert event.title in text
    assert "Asia/ Ho_Chi_Minh" in text or "Asia/Ho_Chi_Minh" in text
    assert "02/03/2026 08:30" in text  # 01:30 UTC, as the hall's clock read it
    page = client.get(reverse("reports:dialogue", args=[event.slug]))
    assert reverse("reports:dialogue_pdf", args=[event.slug]) in page.content.decode()


@pytest.fixture
def crowded(event: Event, settings) -> Event:  # type: ignore[no-untyped-def]
    settings.REPORTS_SYNC_EXPORT_ROWS = 3
    author = ParticipantFactory(event=event)
    Question.objects.bulk_create(
        Question(event=event, author=author, text=f"=Câu hỏi số {n}") for n in range(450)
    )
    return event


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_progress_reaches_100_only_when_the_file_can_be_downloaded(
    crowded: Event,
    organiser: User,
    run_tasks,  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    client = staff_client(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("reports:dialogue_export", args=[crowded.slug, fmt]))
    job = ExportJob.objects.get()
    seen: dict[str, object] = {}
    store = tasks.store_file

    def store_after_looking(found: ExportJob, content: bytes) -> None:
        # Every row is written, the file not yet stored: what does the person waiting see?
        now = ExportJob.objects.get(pk=found.pk)
        seen["rows"] = (now.rows_done, now.rows_total)
        seen["percent"] = now.percent
        seen["page"] = client.get(reverse("reports:export_job", args=[job.pk])).content.decode()
        seen["download"] = client.get(reverse("reports:export_download", args=[job.pk]))
        store(found, content)

    monkeypatch.setattr(tasks, "store_file", store_after_looking)
    assert run_tasks() == 1
    assert seen["rows"] == (450, 450)
    assert seen["percent"] == ExportJob.ROWS_SHARE < 100
    assert 'data-export-status="running"' in str(seen["page"])
    assert 'data-export-stage="finishing"' in str(seen["page"])
    assert 'value="100"' not in str(seen["page"])
    assert reverse("reports:export_download", args=[job.pk]) not in str(seen["page"])
    assert seen["download"].status_code == 302  # type: ignore[attr-defined]
    job.refresh_from_db()
    assert (job.status, job.percent) == ("done", 100)
    page = client.get(reverse("reports:export_job", args=[job.pk])).content.decode()
    assert 'value="100"' in page
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 200


def peak_while_writing(event: Event, write) -> int:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            write(event, out, None)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


@pytest.mark.parametrize("write", [exports.write_questions_csv, exports.write_questions_xlsx])
def test_a_long_export_holds_a_chunk_of_rows_not_the_dialogue(event: Event, write) -> None:  # type: ignore[no-untyped-def]
    author = ParticipantFactory(event=event)
    text = "Câu hỏi về thủ tục cấp giấy chứng nhận quyền sử dụng đất, " * 8

    def grow_to(count: int) -> None:
        Question.objects.bulk_create(
            Question(event=event, author=author, text=text)
            for _ in range(count - event.questions.count())
        )

    grow_to(exports.CHUNK * 2)
    small = peak_while_writing(event, write)
    grow_to(exports.CHUNK * 8)
    large = peak_while_writing(event, write)
    # Four times the rows, and the memory of one chunk still: the rows go to the file.
    assert large < small * 1.5, (small, large)
