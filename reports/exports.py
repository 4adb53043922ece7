"""Exports of a dialogue's questions (CSV, XLSX), of a dialogue's report (PDF), and of an agency
report's tables (CSV, XLSX, PDF).

Each export is a plain function from the report's inputs to bytes. A dialogue's questions are
written row by row to a file as they are read, so a long export holds one chunk of questions in
memory, not the whole dialogue: in the request when they are few, and above
`REPORTS_SYNC_EXPORT_ROWS` in a task that records its progress and keeps the file
(`reports/tasks.py`).

Times are written in the dialogue's time zone, Vietnam's, and the column says so. Column names
are Vietnamese: the files are merged upward into the agencies' own reports.

Text that a spreadsheet would run as a formula is kept as text two ways: in the XLSX each text
cell is typed as a string (no apostrophe to see, nothing to evaluate); the CSV has no types, so
such text gets a leading apostrophe there.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Protocol
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from dialogue.models import Question
from dialogue.selectors import PollSummary
from events.models import Event
from reports.selectors import AgencyReport, AgencyRow, ConsultationRow, StandingRow, dialogue_polls

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "reports.css"

# The dialogues' time zone: the pages, the exports and the PDFs all show Vietnam's time.
TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ZONE_NOTE = "giờ Việt Nam, Asia/Ho_Chi_Minh, UTC+7"

# How often a long export reports how far it got.
PROGRESS_EVERY = 200
# How many questions are read from the database at a time.
CHUNK = 500

# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

QUESTION_COLUMNS = [
    "STT",
    "Câu hỏi",
    "Trạng thái",
    "Lý do không chọn",
    "Lĩnh vực",
    "Số lượt bình chọn",
    "Người hỏi",
    f"Thời điểm hỏi ({ZONE_NOTE})",
    "Hình thức trả lời",
    "Cán bộ trả lời",
    "Nội dung trả lời",
    f"Hạn trả lời bằng văn bản ({ZONE_NOTE})",
]


def escape_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def local_time(value: datetime | None) -> str:
    """A moment as the dialogue's clock read it, "2026-03-02 09:00:00"; empty for none."""
    if value is None:
        return ""
    return timezone.localtime(value, TIME_ZONE).strftime("%Y-%m-%d %H:%M:%S")


def author_label(question: Question, event: Event) -> str:
    """The asker as the privacy policy lets organisers and moderators see them."""
    if question.is_anonymous and not event.reveal_anonymous_to_moderators:
        return "Ẩn danh"
    return question.author.display_name


def question_rows(
    event: Event, progress: Callable[[int], None] | None = None
) -> Iterator[list[object]]:
    """One row per question of the dialogue, in the order they were asked, read in chunks.

    `progress`, if given, is told the number of rows done every `PROGRESS_EVERY` rows, and once
    more when the last row is done.
    """
    questions = (
        Question.objects.filter(event=event)
        .select_related("author__user", "answer__official")
        .order_by("created_at", "pk")
    )
    number = 0
    for number, question in enumerate(questions.iterator(chunk_size=CHUNK), start=1):
        # Only the answer that counts: a published one (an official's draft is not an answer).
        answer = getattr(question, "answer", None) if question.answered_how else None
        yield [
            number,
            question.text,
            str(question.get_status_display()),
            str(question.get_rejection_reason_display()) if question.rejection_reason else "",
            question.topic,
            question.vote_count,
            author_label(question, event),
            local_time(question.created_at),
            str(question.get_answered_how_display()),
            (answer.official.display_name if answer and answer.official else ""),
            answer.body if answer else "",
            local_time(question.answer_due_at),
        ]
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number)
    if progress is not None and number % PROGRESS_EVERY:
        progress(number)


# One row per answer of each poll: a choice with its count, or a word of a word cloud.
POLL_COLUMNS = [
    "Câu hỏi thăm dò",
    "Loại",
    "Trạng thái",
    f"Mở lúc ({ZONE_NOTE})",
    f"Đóng lúc ({ZONE_NOTE})",
    "Số người trả lời",
    "Phương án / từ",
    "Số lượt chọn",
    "Tỉ lệ (% số người trả lời)",
]


# --- Writing ------------------------------------------------------------------------------------


def write_csv(out: IO[bytes], tables: Iterable[Iterable[Sequence[object]]]) -> None:
    """Rows as UTF-8 CSV with a byte-order mark (so spreadsheets read it), formulas escaped.

    Each of `tables` is written after the one before, an empty line between them.
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    text.write("\ufeff")
    writer = csv.writer(text)
    for number, rows in enumerate(tables):
        if number:
            writer.writerow([])
        for row in rows:
            writer.writerow([escape_cell(cell) for cell in row])
    text.detach()  # the caller's file stays open


def typed_cells(sheet: WriteOnlyWorksheet, row: Sequence[object]) -> list[object]:
    """A row's cells, each text typed as a string: shown as written, never run as a formula."""
    cells: list[object] = []
    for value in row:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl would make "=…" a formula
            cells.append(cell)
        else:
            cells.append(value)
    return cells


@dataclass
class Table:
    """One table of an export: a sheet of the XLSX, a block of the CSV."""

    title: str  # the sheet's name, at most 31 characters
    header: list[str]
    rows: Sequence[Sequence[object]]


def write_xlsx(out: IO[bytes], sheets: Iterable[tuple[str, Iterable[Sequence[object]]]]) -> None:
    """Sheets of rows, streamed: openpyxl's write-only mode keeps no row once written."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append(typed_cells(sheet, row))
    workbook.save(out)


# --- A dialogue's questions ----------------------------------------------------------------------


def write_questions_csv(
    event: Event, out: IO[bytes], progress: Callable[[int], None] | None = None
) -> None:
    write_csv(out, [_with_header(QUESTION_COLUMNS, question_rows(event, progress))])


def write_questions_xlsx(
    event: Event, out: IO[bytes], progress: Callable[[int], None] | None = None
) -> None:
    write_xlsx(out, [("Câu hỏi", _with_header(QUESTION_COLUMNS, question_rows(event, progress)))])


# --- A dialogue's polls -------------------------------------------------------------------------


def poll_rows(summaries: Iterable[PollSummary]) -> Iterator[list[object]]:
    """Each poll's answers: its options in order with their counts, or its word cloud's words,
    most given first; a poll nobody answered has one row with no answer."""
    for summary in summaries:
        poll, total = summary.poll, summary.total
        head: list[object] = [
            poll.question,
            poll.get_kind_display(),
            poll.get_status_display(),
            local_time(poll.opened_at),
            local_time(poll.closed_at),
            total,
        ]
        answers = summary.options or [
            (word["text"], word["count"], round(100 * word["count"] / total) if total else 0)
            for word in summary.words
        ]
        if not answers:
            yield [*head, "", 0, 0]
        for label, count, percent in answers:
            yield [*head, label, count, percent]


def polls_export(event: Event, fmt: str) -> bytes:
    """The polls put to a dialogue's audience (prepared ones never opened left out), with their
    results, as CSV or XLSX."""
    rows = _with_header(POLL_COLUMNS, poll_rows(dialogue_polls(event)))
    buffer = io.BytesIO()
    if fmt == "csv":
        write_csv(buffer, [rows])
    else:
        write_xlsx(buffer, [("Thăm dò ý kiến", rows)])
    return buffer.getvalue()


def _with_header(header: list[str], rows: Iterable[list[object]]) -> Iterator[Sequence[object]]:
    yield header
    yield from rows


def questions_csv(event: Event, progress: Callable[[int], None] | None = None) -> bytes:
    """The dialogue's questions as UTF-8 CSV with a byte-order mark, so spreadsheets read it."""
    buffer = io.BytesIO()
    write_questions_csv(event, buffer, progress)
    return buffer.getvalue()


def questions_xlsx(event: Event, progress: Callable[[int], None] | None = None) -> bytes:
    """The dialogue's questions as one XLSX sheet."""
    buffer = io.BytesIO()
    write_questions_xlsx(event, buffer, progress)
    return buffer.getvalue()


# --- The agency report's tables -----------------------------------------------------------------

TOTAL_LABEL = "Tổng cộng"
SUMMED = "cộng các cuộc"

DIALOGUE_COLUMNS = [
    "Số cuộc đối thoại",
    "Trực tuyến",
    "Kết hợp trực tuyến và trực tiếp",
    "Trực tiếp",
    "Số người tham gia (không trùng lặp)",
    f"Số lượt người tham gia ({SUMMED})",
    "Số người theo dõi cùng lúc cao nhất (cuộc đông nhất)",
    f"Số người theo dõi cùng lúc cao nhất ({SUMMED})",
    "Số câu hỏi nhận được",
    "Số câu hỏi được công bố",
    "Trả lời trực tiếp",
    "Trả lời bằng văn bản",
    "Phải trả lời bằng văn bản",
    "Trả lời đúng hạn",
    "Quá hạn chưa trả lời",
    "Không chọn",
    "Số lượt đánh giá",
    "Điểm hài lòng trung bình (1–5)",
]

STANDING_COLUMNS = [
    "Số câu hỏi nhận được",
    "Số câu hỏi được công bố",
    "Không chọn",
    "Phải trả lời bằng văn bản",
    "Được gia hạn",
    "Đã trả lời",
    "Trả lời đúng hạn",
    "Quá hạn chưa trả lời",
    "Số lượt đánh giá",
    "Điểm hài lòng trung bình (1–5)",
]

CONSULTATION_COLUMNS = [
    "Số dự thảo được góp ý",
    "Số ý kiến góp ý nhận được",
    "Được công bố",
    "Không chọn",
    "Đã tiếp thu, giải trình",
    "Tiếp thu",
    "Tiếp thu một phần",
    "Giải trình",
]

OFFICIAL_COLUMNS = [
    "Cán bộ trả lời",
    "Trả lời trực tiếp",
    "Trả lời bằng văn bản",
    "Trả lời đúng hạn",
    "Được giao, quá hạn chưa trả lời",
    "Số lượt đánh giá",
    "Điểm hài lòng trung bình (1–5)",
]

NOTES = [
    "Số người tham gia (không trùng lặp): người đã đặt câu hỏi hoặc bình chọn; mỗi tài khoản "
    "được tính một lần trong dòng, người tham gia bằng biệt danh được tính một lần trong mỗi "
    "cuộc. Dòng tổng cộng không bằng tổng các dòng: một người tham gia đối thoại của hai đơn "
    "vị được tính ở cả hai dòng và một lần ở dòng tổng cộng.",
    f"Số lượt người tham gia ({SUMMED}): người tham gia của từng cuộc, cộng lại qua các cuộc.",
    "Số người theo dõi cùng lúc cao nhất (cuộc đông nhất): số người kết nối cùng lúc nhiều "
    f"nhất trong một cuộc; ({SUMMED}): số cao nhất của từng cuộc, cộng lại qua các cuộc.",
    "Các chỉ tiêu khác cộng được: các dòng theo đơn vị (hoặc theo lĩnh vực) cộng lại bằng dòng "
    "tổng cộng.",
    "Hỏi đáp pháp luật thường xuyên và góp ý dự thảo: tính theo câu hỏi, ý kiến gửi trong kỳ.",
    "Quá hạn chưa trả lời: đến hạn trước ngày cuối kỳ (hoặc hôm nay, nếu sớm hơn) mà chưa được "
    "trả lời.",
    f"Thời gian: {ZONE_NOTE}.",
]


def _dialogue_cells(row: AgencyRow) -> list[object]:
    return [
        row.dialogues,
        row.online,
        row.hybrid,
        row.in_person,
        row.participants,
        row.participations,
        row.largest_peak,
        row.peaks_summed,
        row.received,
        row.published,
        row.answered_live,
        row.answered_written,
        row.due_in_writing,
        row.answered_on_time,
        row.overdue,
        row.rejected,
        row.ratings,
        row.average_rating,
    ]


def _standing_cells(row: StandingRow) -> list[object]:
    return [
        row.received,
        row.published,
        row.rejected,
        row.due_in_writing,
        row.extended,
        row.answered,
        row.answered_on_time,
        row.overdue,
        row.ratings,
        row.average_rating,
    ]


def _consultation_cells(row: ConsultationRow) -> list[object]:
    return [
        row.drafts,
        row.received,
        row.published,
        row.rejected,
        row.responded,
        row.accepted,
        row.partly_accepted,
        row.explained,
    ]


def agency_rows(rows: list[AgencyRow], total: AgencyRow | None) -> list[list[object]]:
    """A dialogue table's rows, numbered, then the total labelled as the total."""
    found: list[list[object]] = [
        [f"{number}. {row.label}", *_dialogue_cells(row)] for number, row in enumerate(rows, 1)
    ]
    if total is not None:
        found.append([TOTAL_LABEL, *_dialogue_cells(total)])
    return found


class HasReasons(Protocol):
    label: str
    rejected_by_reason: dict[str, int]


@dataclass
class ReasonTable:
    """Questions not selected: a row per sub-agency or legal field, a column per reason."""

    reasons: list[str]
    rows: list[tuple[str, list[int]]]
    total: list[int]


def reason_table(rows: Sequence[HasReasons]) -> ReasonTable:
    """The rows' reasons as columns, in the order they first appear (each row lists its most
    frequent first); a report issued before the rows had reasons has none."""
    reasons: list[str] = []
    for row in rows:
        reasons.extend(label for label in row.rejected_by_reason or {} if label not in reasons)
    cells = [
        (row.label, [(row.rejected_by_reason or {}).get(reason, 0) for reason in reasons])
        for row in rows
    ]
    total = [sum(counts[i] for _label, counts in cells) for i in range(len(reasons))]
    return ReasonTable(reasons=reasons, rows=cells, total=total)


def _reason_table(title: str, first: str, rows: Sequence[HasReasons]) -> Table:
    table = reason_table(rows)
    return Table(
        title,
        [first, *table.reasons],
        [
            *([f"{n}. {label}", *counts] for n, (label, counts) in enumerate(table.rows, 1)),
            [TOTAL_LABEL, *table.total],
        ],
    )


def agency_tables(report: AgencyReport) -> list[Table]:
    """Every table of the agency report, as the XLSX's sheets and the CSV's blocks hold them."""
    tables = [
        Table(
            "Theo đơn vị",
            ["Đơn vị", *DIALOGUE_COLUMNS],
            agency_rows(report.by_agency, report.total),
        ),
        Table(
            "Theo lĩnh vực",
            ["Lĩnh vực", *DIALOGUE_COLUMNS],
            agency_rows(report.by_field, report.total),
        ),
        Table(
            "Không chọn theo lý do",
            ["Lý do", "Số câu hỏi"],
            [
                *([label, n] for label, n in report.rejected_by_reason),
                [TOTAL_LABEL, sum(n for _label, n in report.rejected_by_reason)],
            ],
        ),
        _reason_table("Không chọn theo đơn vị", "Đơn vị", report.by_agency),
        _reason_table("Không chọn theo lĩnh vực", "Lĩnh vực", report.by_field),
    ]
    if report.standing is not None:
        tables += [
            Table(
                "Hỏi đáp theo đơn vị",
                ["Đơn vị", *STANDING_COLUMNS],
                [
                    *(
                        [f"{n}. {row.label}", *_standing_cells(row)]
                        for n, row in enumerate(report.standing_by_agency, 1)
                    ),
                    [TOTAL_LABEL, *_standing_cells(report.standing)],
                ],
            ),
            Table(
                "Hỏi đáp theo lĩnh vực",
                ["Lĩnh vực", *STANDING_COLUMNS],
                [
                    *(
                        [f"{n}. {row.label}", *_standing_cells(row)]
                        for n, row in enumerate(report.standing_by_field, 1)
                    ),
                    [TOTAL_LABEL, *_standing_cells(report.standing)],
                ],
            ),
            _reason_table("Hỏi đáp - không chọn", "Đơn vị", report.standing_by_agency),
        ]
    if report.consultation is not None:
        tables.append(
            Table(
                "Góp ý dự thảo",
                ["Đơn vị", *CONSULTATION_COLUMNS],
                [
                    *(
                        [f"{n}. {row.label}", *_consultation_cells(row)]
                        for n, row in enumerate(report.consultation_by_agency, 1)
                    ),
                    [TOTAL_LABEL, *_consultation_cells(report.consultation)],
                ],
            )
        )
    tables += [
        Table(
            "Theo cán bộ trả lời",
            OFFICIAL_COLUMNS,
            [
                [
                    f"{n}. {row.label}",
                    row.answered_live,
                    row.answered_written,
                    row.answered_on_time,
                    row.overdue,
                    row.ratings,
                    row.average_rating,
                ]
                for n, row in enumerate(report.by_official, 1)
            ],
        ),
        Table(
            "Văn bản pháp luật",
            ["Văn bản quy phạm pháp luật được trao đổi"],
            [[f"{n}. {d}"] for n, d in enumerate(report.legal_documents, 1)],
        ),
        Table(
            "Ghi chú",
            ["Ghi chú"],
            [[f"{report.agency.name}, {period_label(report)}"], *([note] for note in NOTES)],
        ),
    ]
    return tables


def period_label(report: AgencyReport) -> str:
    """ "từ ngày 01/01/2026 đến ngày 31/12/2026": the period's dates, the last one included."""
    first = timezone.localtime(report.start, TIME_ZONE).date()
    last = (timezone.localtime(report.end, TIME_ZONE) - timedelta(microseconds=1)).date()
    return f"từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"


def agency_report_xlsx(report: AgencyReport) -> bytes:
    """The agency report's tables, one sheet each, so the figures can be added up upward."""
    buffer = io.BytesIO()
    write_xlsx(buffer, [(t.title, [t.header, *t.rows]) for t in agency_tables(report)])
    return buffer.getvalue()


def agency_report_csv(report: AgencyReport) -> bytes:
    """The agency report's tables one after another, each under its title, as UTF-8 CSV."""
    buffer = io.BytesIO()
    write_csv(buffer, [[[t.title], t.header, *t.rows] for t in agency_tables(report)])
    return buffer.getvalue()


# --- PDFs ---------------------------------------------------------------------------------------


def _page(template: str, context: Mapping[str, object]) -> str:
    # The project's own stylesheet file, inlined for WeasyPrint.
    stylesheet = mark_safe(STYLESHEET.read_text(encoding="utf-8"))  # noqa: S308
    return render_to_string(template, {**context, "stylesheet": stylesheet})


def agency_report_page(context: Mapping[str, object]) -> str:
    """The agency report's page for the PDF: a page of its own, the stylesheet inline.

    The PDF is then made without fetching anything.
    """
    return _page("reports/agency_pdf.html", context)


def dialogue_report_page(context: Mapping[str, object]) -> str:
    """The dialogue report's page for the PDF, made the same way."""
    return _page("reports/dialogue_pdf.html", context)


def page_pdf(html: str, *, base_url: str) -> bytes:
    """A report's printed page as an A4 PDF, fonts embedded, text extractable.

    WeasyPrint loads Pango when imported; the import stays here so the rest of the app runs
    where the system libraries are missing.
    """
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf


def agency_report_pdf(html: str, *, base_url: str) -> bytes:
    """The agency report's page (`agency_report_page`) as a PDF."""
    return page_pdf(html, base_url=base_url)


def dialogue_report_pdf(html: str, *, base_url: str) -> bytes:
    """The dialogue report's page (`dialogue_report_page`) as a PDF."""
    return page_pdf(html, base_url=base_url)
