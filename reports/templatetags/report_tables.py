"""The agency report's tables as its templates need them (the exports make the same ones)."""

from __future__ import annotations

from django import template

from reports.exports import reason_table

register = template.Library()

# {% with table=report.by_agency|by_reason %}: a row per sub-agency, a column per reason.
register.filter("by_reason", reason_table)
