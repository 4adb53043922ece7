"""The one way a page, an email or an export for people writes a moment or a day.

Vietnamese "14/12/2026 13:59", English "14 Dec 2026 13:59", in Hanoi time whatever the server's
clock (config/formats/). Templates use the `moment` and `day` filters (`{% load moments %}`);
scripts use static/js/moments.js, which writes the same text.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format


def format_moment(value: datetime) -> str:
    """The date and time of `value`, in the current language's one format, in Hanoi time."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def format_day(value: date | datetime) -> str:
    """The day of `value` (in Hanoi time for a moment), in the current language's one format."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return date_format(value, "DATE_FORMAT")
