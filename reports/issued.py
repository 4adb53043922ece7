"""An issued báo cáo's figures: the agency report written out as data, and read back from it.

`to_figures` turns an `AgencyReport` into JSON-ready data: every row and total, the standing
Q&A's, consultation's and officials' rows, the satisfaction, the documents, the agency's name as
it was, and the figures worked out from the rows (answered, on-time percentage) as they were
worked out on the day. `from_figures` makes an `AgencyReport` again from that data, which the
agency report's templates and exports render unchanged; its worked-out figures are the stored
ones, not worked out again.

A report issued before a figure existed has no value for it: it reads None (shown "—", "not
counted when issued"), never a zero that was not counted. Version 1 summed the participants and
the peaks across the dialogues under the names `participants` and `peak_concurrent`; they are
read as the summed figures they were (`participations`, `peaks_summed`).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from events.models import Agency
from events.selectors import predecessors
from reports.models import IssuedReport
from reports.selectors import (
    AgencyReport,
    AgencyRow,
    ConsultationRow,
    OfficialRow,
    Satisfaction,
    StandingRow,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Bumped if the shape of the stored figures ever changes, so old issues can still be read.
# 2: unique participants and the largest peak beside the summed ones, dialogues by format,
# overdue, rejections and ratings per row, the standing Q&A, consultation and officials' rows.
FIGURES_VERSION = 2

# The figures the rows work out from their fields (properties), stored as they were.
ROW_DERIVED = ("answered", "on_time_percent")
STANDING_DERIVED = ("on_time_percent",)


@dataclass
class IssuedAgencyRow(AgencyRow):
    """A row as issued: what is worked out from its fields is read from the stored figures."""

    stored: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def answered(self) -> int:
        return int(self.stored["answered"])

    @property
    def on_time_percent(self) -> float | None:
        value = self.stored["on_time_percent"]
        return None if value is None else float(value)


@dataclass
class IssuedStandingRow(StandingRow):
    """The standing Q&A's row as issued, its on-time percentage read from the stored figures."""

    stored: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def on_time_percent(self) -> float | None:
        value = self.stored["on_time_percent"]
        return None if value is None else float(value)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period from the first day's start to the day after the last, in Vietnam's time."""
    return datetime.combine(start, time.min, VN), datetime.combine(
        end + timedelta(days=1), time.min, VN
    )


Figures = AgencyRow | StandingRow | Satisfaction | ConsultationRow | OfficialRow


def _data(row: Figures, derived: tuple[str, ...]) -> dict[str, Any]:
    """A row's fields and its worked-out figures as plain values."""
    data = {f.name: getattr(row, f.name) for f in fields(row) if f.name != "stored"}
    data.update({name: getattr(row, name) for name in derived})
    return data


def _known(cls: type[Figures], data: dict[str, Any]) -> dict[str, Any]:
    """The stored values that are fields of `cls`; any other stored figure is left out, and a
    field the report was issued without reads None (an empty table for a breakdown)."""
    known: dict[str, Any] = {}
    for f in fields(cls):
        if f.name == "stored":
            continue
        if f.name in data:
            known[f.name] = data[f.name]
        elif f.default_factory is not MISSING:
            known[f.name] = f.default_factory()
        else:
            known[f.name] = None
    return known


def _upgraded_row(data: dict[str, Any], version: int) -> dict[str, Any]:
    """A dialogue row as the current version names its figures."""
    if version >= 2:
        return data
    data = dict(data)
    # Version 1 summed both across the dialogues; who was unique was not counted.
    data["participations"] = data.pop("participants", None)
    data["peaks_summed"] = data.pop("peak_concurrent", None)
    return data


def to_figures(report: AgencyReport) -> dict[str, Any]:
    """The report as JSON-ready data: everything its page, PDF and XLSX show."""
    agency = report.agency
    parent = agency.parent if agency.parent_id else None
    return {
        "version": FIGURES_VERSION,
        "agency": {
            "id": agency.pk,
            "name": agency.name,
            "slug": agency.slug,
            "parent": parent.name if parent is not None else None,
        },
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "total": _data(report.total, ROW_DERIVED),
        "by_agency": [_data(row, ROW_DERIVED) for row in report.by_agency],
        "by_field": [_data(row, ROW_DERIVED) for row in report.by_field],
        "rejected_by_reason": [[label, n] for label, n in report.rejected_by_reason],
        "legal_documents": list(report.legal_documents),
        "satisfaction": (
            _data(report.satisfaction, ()) if report.satisfaction is not None else None
        ),
        "standing": (
            _data(report.standing, STANDING_DERIVED) if report.standing is not None else None
        ),
        "standing_by_agency": [_data(row, STANDING_DERIVED) for row in report.standing_by_agency],
        "standing_by_field": [_data(row, STANDING_DERIVED) for row in report.standing_by_field],
        "consultation": (
            _data(report.consultation, ()) if report.consultation is not None else None
        ),
        "consultation_by_agency": [_data(row, ()) for row in report.consultation_by_agency],
        "by_official": [_data(row, ()) for row in report.by_official],
    }


def _row(data: dict[str, Any], version: int) -> IssuedAgencyRow:
    return IssuedAgencyRow(**_known(AgencyRow, _upgraded_row(data, version)), stored=data)


def _standing_row(data: dict[str, Any]) -> IssuedStandingRow:
    return IssuedStandingRow(**_known(StandingRow, data), stored=data)


def _agency(data: dict[str, Any]) -> Agency:
    """The agency as named on the day; never saved (its parent is a name, not a row)."""
    agency = Agency(pk=data["id"], name=data["name"], slug=data["slug"])
    if data["parent"] is not None:
        agency.parent = Agency(name=data["parent"])
    return agency


def from_figures(figures: dict[str, Any]) -> AgencyReport:
    """The report as issued, from its stored figures, for the same templates and exports."""
    version = int(figures["version"])
    satisfaction = figures["satisfaction"]
    standing = figures["standing"]
    consultation = figures.get("consultation")
    return AgencyReport(
        agency=_agency(figures["agency"]),
        start=datetime.fromisoformat(figures["start"]),
        end=datetime.fromisoformat(figures["end"]),
        total=_row(figures["total"], version),
        by_agency=[_row(row, version) for row in figures["by_agency"]],
        by_field=[_row(row, version) for row in figures["by_field"]],
        rejected_by_reason=[(str(label), int(n)) for label, n in figures["rejected_by_reason"]],
        legal_documents=list(figures["legal_documents"]),
        satisfaction=(
            Satisfaction(**_known(Satisfaction, satisfaction)) if satisfaction is not None else None
        ),
        standing=_standing_row(standing) if standing is not None else None,
        standing_by_agency=[_standing_row(row) for row in figures.get("standing_by_agency", [])],
        standing_by_field=[_standing_row(row) for row in figures.get("standing_by_field", [])],
        consultation=(
            ConsultationRow(**_known(ConsultationRow, consultation))
            if consultation is not None
            else None
        ),
        consultation_by_agency=[
            ConsultationRow(**_known(ConsultationRow, row))
            for row in figures.get("consultation_by_agency", [])
        ],
        by_official=[
            OfficialRow(**_known(OfficialRow, row)) for row in figures.get("by_official", [])
        ],
    )


def official_context(issued: IssuedReport) -> dict[str, Any]:
    """What the official report's template needs to show an issue, from its stored figures."""
    report = from_figures(issued.figures)
    return {
        "agency": report.agency,
        "report": report,
        "start": issued.period_start,
        "end": issued.period_end,
        "today": issued.issued_at.astimezone(VN).date(),
        "number": issued.number,
        "signer_name": issued.signer_name,
        "signer_title": issued.signer_title,
        "place": issued.place,
        "corrects": issued.corrects,
    }


def issues_of(agency: Agency, *, with_figures: bool = False) -> QuerySet[IssuedReport]:
    """The agency's issued reports, and those of the agencies merged into it (each as its
    issuer issued it), newest first, without their files (nor figures unless asked)."""
    contents = ("figures", "pdf", "xlsx")
    own = contents[1:] if with_figures else contents
    linked = [f"{link}__{name}" for link in ("corrects", "corrected_by") for name in contents]
    return (
        IssuedReport.objects.filter(agency_id__in=predecessors(agency=agency))
        .select_related("agency", "issued_by", "corrects", "corrected_by")
        .defer(*own, *linked)
    )
