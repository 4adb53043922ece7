"""The summary table as a spreadsheet (XLSX) and as CSV, safe to open in a spreadsheet program.

A cell that begins with "=", "+", "-", "@", a tab or a carriage return is taken by Excel and
LibreOffice for a formula ("CSV injection"); citizens write the comments, so every such cell is
prefixed with an apostrophe, which the programs show as text and do not evaluate.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from consultation.models import Draft
from consultation.selectors import SummaryRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value, with a leading apostrophe if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def header() -> list[str]:
    return [
        _("No."),
        _("Article or clause"),
        _("Article title"),
        _("Comment"),
        _("Words proposed to change"),
        _("Proposed wording"),
        _("Commenter"),
        _("Supports"),
        _("Accepted or explained"),
        _("Response of the drafting agency"),
        _("In version"),
    ]


def _cells(row: SummaryRow) -> list[object]:
    values: list[object] = [
        row.number,
        row.target,
        row.article_title,
        row.comment,
        row.quote,
        row.wording or (_("(struck out)") if row.quote else ""),
        row.commenter,
        row.supports,
        row.disposition,
        row.response,
        row.version or "",
    ]
    return [safe_cell(value) for value in values]


def summary_csv(draft: Draft, rows: list[SummaryRow]) -> bytes:
    """UTF-8 with a byte order mark, so Excel opens the Vietnamese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header())
    for row in rows:
        writer.writerow(_cells(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def summary_xlsx(draft: Draft, rows: list[SummaryRow]) -> bytes:
    """One sheet: the draft's title, then the table with a bold header row."""
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = _("Summary")[:31]
    sheet.append(
        [
            safe_cell(
                _("Summary of comments received and responses: %(title)s") % {"title": draft.title}
            )
        ]
    )
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(header())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_cells(row))
    widths = (6, 18, 30, 50, 30, 40, 20, 10, 18, 60, 10)
    for column, width in zip("ABCDEFGHIJK", widths, strict=True):
        sheet.column_dimensions[column].width = width
    for line in sheet.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
