"""Exports of a dialogue's questions (CSV, XLSX) and of an agency report's tables (XLSX).

Each export is a plain function from the report's inputs to bytes. A dialogue's questions are
exported in the request when they are few; above `REPORTS_SYNC_EXPORT_ROWS` the same functions
run in a task that records its progress and keeps the file (`reports/tasks.py`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from openpyxl import Workbook

from dialogue.models import Question
from events.models import Event
from reports.selectors import AgencyReport, AgencyRow

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "reports.css"

# How often a long export reports how far it got.
PROGRESS_EVERY = 200

# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

QUESTION_COLUMNS = [
    "STT",
    "Câu hỏi",
    "Trạng thái",
    "Lý do không chọn",
    "Lĩnh vực",
    "Số lượt bình chọn",
    "Người hỏi",
    "Thời điểm hỏi",
    "Hình thức trả lời",
    "Cán bộ trả lời",
    "Nội dung trả lời",
    "Hạn trả lời bằng văn bản",
]


def escape_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def author_label(question: Question, event: Event) -> str:
    """The asker as the privacy policy lets organisers and moderators see them."""
    if question.is_anonymous and not event.reveal_anonymous_to_moderators:
        return "Ẩn danh"
    return question.author.display_name


def question_rows(
    event: Event, progress: Callable[[int], None] | None = None
) -> list[list[object]]:
    """One row per question of the dialogue, in the order they were asked.

    `progress`, if given, is told the number of rows done every `PROGRESS_EVERY` rows.
    """
    questions = (
        Question.objects.filter(event=event)
        .select_related("author__user", "answer__official")
        .order_by("created_at", "pk")
    )
    rows: list[list[object]] = []
    for number, question in enumerate(questions.iterator(chunk_size=500), start=1):
        # Only the answer that counts: a published one (an official's draft is not an answer).
        answer = getattr(question, "answer", None) if question.answered_how else None
        rows.append(
            [
                number,
                question.text,
                str(question.get_status_display()),
                str(question.get_rejection_reason_display()) if question.rejection_reason else "",
                question.topic,
                question.vote_count,
                author_label(question, event),
                question.created_at.isoformat(timespec="seconds"),
                str(question.get_answered_how_display()),
                (answer.official.display_name if answer and answer.official else ""),
                answer.body if answer else "",
                question.answer_due_at.isoformat(timespec="seconds")
                if question.answer_due_at
                else "",
            ]
        )
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number)
    return rows


def questions_csv(event: Event, progress: Callable[[int], None] | None = None) -> bytes:
    """The dialogue's questions as UTF-8 CSV with a byte-order mark, so spreadsheets read it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(QUESTION_COLUMNS)
    for row in question_rows(event, progress):
        writer.writerow([escape_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet(
    workbook: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([escape_cell(cell) for cell in row])


def _save(workbook: Workbook) -> bytes:
    del workbook["Sheet"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def questions_xlsx(event: Event, progress: Callable[[int], None] | None = None) -> bytes:
    """The dialogue's questions as one XLSX sheet."""
    workbook = Workbook()
    _sheet(workbook, "Câu hỏi", QUESTION_COLUMNS, question_rows(event, progress))
    return _save(workbook)


AGENCY_COLUMNS = [
    "Đơn vị / lĩnh vực",
    "Số cuộc đối thoại",
    "Số người tham gia",
    "Số người theo dõi cao nhất",
    "Số câu hỏi nhận được",
    "Số câu hỏi được công bố",
    "Trả lời trực tiếp",
    "Trả lời bằng văn bản",
    "Phải trả lời bằng văn bản",
    "Trả lời đúng hạn",
    "Không chọn",
]


def agency_rows(report: AgencyReport, rows: list[AgencyRow]) -> list[list[object]]:
    return [
        [
            r.label,
            r.dialogues,
            r.participants,
            r.peak_concurrent,
            r.received,
            r.published,
            r.answered_live,
            r.answered_written,
            r.due_in_writing,
            r.answered_on_time,
            r.rejected,
        ]
        for r in rows
    ]


def agency_report_xlsx(report: AgencyReport) -> bytes:
    """The agency report's tables, one sheet each, so the figures can be added up upward."""
    workbook = Workbook()
    _sheet(
        workbook,
        "Theo đơn vị",
        AGENCY_COLUMNS,
        agency_rows(report, [*report.by_agency, report.total]),
    )
    _sheet(workbook, "Theo lĩnh vực", AGENCY_COLUMNS, agency_rows(report, report.by_field))
    _sheet(workbook, "Không chọn theo lý do", ["Lý do", "Số câu hỏi"], report.rejected_by_reason)
    return _save(workbook)


def agency_report_page(context: Mapping[str, object]) -> str:
    """The agency report's page for the PDF: a page of its own, the stylesheet inline.

    The PDF is then made without fetching anything.
    """
    # The project's own stylesheet file, inlined for WeasyPrint.
    stylesheet = mark_safe(STYLESHEET.read_text(encoding="utf-8"))  # noqa: S308
    return render_to_string("reports/agency_pdf.html", {**context, "stylesheet": stylesheet})


def agency_report_pdf(html: str, *, base_url: str) -> bytes:
    """The agency report's printed page as an A4 PDF, fonts embedded, text extractable.

    WeasyPrint loads Pango when imported; the import stays here so the rest of the app runs
    where the system libraries are missing.
    """
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf
