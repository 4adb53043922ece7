"""The imported reports summed by province and agency, each day of each agency counted once.

Which reports count, for a period (reports whose period lies within it):

1. A correction replaces the report it corrects: the old one is shown, not summed, and the
   correction is flagged as re-issued.
2. One agency's reports do not overlap: of two that share a day (a quarter and the year), the
   one covering the longer period is summed (the later issued, if as long), the other shown.
3. A report is not summed again under its province: an agency's report counts its
   sub-agencies, so a sub-agency's report whose period lies within a summed report of an
   agency above it (from the same publisher) is shown as counted there.

Sums are of the figures that add up (`FIELDS`): counts of dialogues, questions, comments.
Unique people do not add up across reports and are left out. A figure a report was issued
without (an older version) is not counted as 0: the sum says how many reports lack it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reports.models import RollupReport

# (section of the stored figures, figure): the counts that add up across reports.
FIELDS: list[tuple[str, str, Promise]] = [
    ("total", "dialogues", _("Dialogues held")),
    ("total", "online", _("online")),
    ("total", "hybrid", _("hybrid")),
    ("total", "in_person", _("in person")),
    ("total", "participations", _("Participations (summed per dialogue)")),
    ("total", "received", _("Questions received")),
    ("total", "published", _("Published")),
    ("total", "answered_live", _("Answered live")),
    ("total", "answered_written", _("Answered in writing")),
    ("total", "answered_on_time", _("Answered on time")),
    ("total", "overdue", _("Overdue")),
    ("total", "rejected", _("Not selected")),
    ("standing", "received", _("Standing Q&A: questions")),
    ("standing", "answered", _("Standing Q&A: answered")),
    ("consultation", "received", _("Comments on drafts")),
    ("consultation", "responded", _("Comments responded to")),
]


def field_key(section: str, name: str) -> str:
    return f"{section}.{name}"


def figure(figures: dict[str, Any], section: str, name: str) -> int | None:
    """A figure of a stored report: None if the report was issued without it."""
    part = figures.get(section)
    if section in ("standing", "consultation") and part is None and section in figures:
        return 0  # the agency had no standing Q&A (no drafts): nothing to count
    if not isinstance(part, dict) or not isinstance(part.get(name), int):
        return None
    return int(part[name])


@dataclass
class RolledReport:
    """An imported report in the roll-up: summed or not, and why."""

    report: RollupReport
    counted: bool = True
    reissued: bool = False  # a correction: it replaces an earlier report
    notes: list[str] = field(default_factory=list)

    @property
    def figures(self) -> dict[str, int | None]:
        return {
            field_key(section, name): figure(self.report.figures, section, name)
            for section, name, _label in FIELDS
        }


@dataclass
class Sums:
    values: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)  # reports without the figure

    @property
    def cells(self) -> list[tuple[int, int]]:
        """Each figure of `FIELDS` in order: its sum, and how many reports lack it."""
        keys = [field_key(section, name) for section, name, _label in FIELDS]
        return [(self.values.get(key, 0), self.missing.get(key, 0)) for key in keys]

    def add(self, rolled: RolledReport) -> None:
        for key, value in rolled.figures.items():
            if value is None:
                self.missing[key] = self.missing.get(key, 0) + 1
            else:
                self.values[key] = self.values.get(key, 0) + value


@dataclass
class Province:
    """A province (or ministry) of a publisher: its reports and their sums."""

    source: str
    name: str
    reports: list[RolledReport]
    sums: Sums


@dataclass
class Rollup:
    start: date
    end: date
    provinces: list[Province]
    sums: Sums


def _days(report: RollupReport) -> int:
    return (report.period_end - report.period_start).days


def _overlaps(a: RollupReport, b: RollupReport) -> bool:
    return a.period_start <= b.period_end and b.period_start <= a.period_end


def _covers(a: RollupReport, b: RollupReport) -> bool:
    return a.period_start <= b.period_start and b.period_end <= a.period_end


def _replace_corrected(rolled: list[RolledReport], every: Iterable[RollupReport]) -> None:
    """Rule 1: a corrected report is replaced by its correction."""
    correction = {
        (r.source_id, r.corrects_remote_id): r for r in every if r.corrects_remote_id is not None
    }
    for item in rolled:
        report = item.report
        later = correction.get((report.source_id, report.remote_id))
        if later is not None:
            item.counted = False
            item.notes.append(str(_("Replaced by %(number)s")) % {"number": later.number})
        if report.corrects_remote_id is not None:
            item.reissued = True


def _one_per_day(rolled: list[RolledReport]) -> None:
    """Rule 2: one agency's reports that share a day are summed once."""
    kept: dict[tuple[int, int], list[RollupReport]] = {}
    order = sorted(
        (i for i in rolled if i.counted),
        key=lambda i: (-_days(i.report), -i.report.issued_at.timestamp()),
    )
    for item in order:
        report = item.report
        mine = kept.setdefault((report.source_id, report.agency_remote_id), [])
        clash = next((k for k in mine if _overlaps(k, report)), None)
        if clash is not None:
            item.counted = False
            item.notes.append(
                str(_("Shares days with %(number)s, which is summed")) % {"number": clash.number}
            )
        else:
            mine.append(report)


def _counted_above(rolled: list[RolledReport]) -> None:
    """Rule 3: a sub-agency's report within a summed report of an agency above it."""
    summed = [i.report for i in rolled if i.counted]
    for item in rolled:
        if not item.counted:
            continue
        report = item.report
        above = {entry["id"] for entry in report.lineage[:-1]}
        container = next(
            (
                other
                for other in summed
                if other.source_id == report.source_id
                and other.agency_remote_id in above
                and _covers(other, report)
            ),
            None,
        )
        if container is not None:
            item.counted = False
            item.notes.append(
                str(_("Counted in %(number)s of %(agency)s"))
                % {"number": container.number, "agency": container.agency_name}
            )


def rollup(*, start: date, end: date) -> Rollup:
    """The imported reports of the period, by province, and what they sum to."""
    every = list(RollupReport.objects.select_related("source").order_by("source__name", "pk"))
    rolled = [
        RolledReport(report=r) for r in every if start <= r.period_start and r.period_end <= end
    ]
    _replace_corrected(rolled, every)
    _one_per_day(rolled)
    _counted_above(rolled)
    provinces: dict[tuple[int, int], Province] = {}
    total = Sums()
    for item in rolled:
        report = item.report
        top = report.lineage[0]
        province = provinces.setdefault(
            (report.source_id, top["id"]),
            Province(source=report.source.name, name=top["name"], reports=[], sums=Sums()),
        )
        province.reports.append(item)
        if item.counted:
            province.sums.add(item)
            total.add(item)
    return Rollup(start=start, end=end, provinces=list(provinces.values()), sums=total)
