"""`{{ value|moment }}` and `{{ value|day }}`: one date format per language (events/moments.py)."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from events.moments import format_day, format_moment

register = template.Library()


@register.filter
def moment(value: datetime | None) -> str:
    """A moment's date and time, e.g. "14/12/2026 13:59"; empty for none."""
    return format_moment(value) if value else ""


@register.filter
def day(value: date | datetime | None) -> str:
    """A day, e.g. "14/12/2026"; empty for none."""
    return format_day(value) if value else ""
