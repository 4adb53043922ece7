"""Working days in Vietnam: Monday to Friday, less the public holidays (Tết by the lunar calendar).

A standing Q&A's written answer is due a number of working days after the question is routed,
as the agency's rules count them: a question received before Tết is not due during it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

# The end of an office day; an answer due on a day is due by then.
OFFICE_CLOSES = time(17, 0)


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """The end of the office day `days` working days after `start` (local time, aware).

    The day of `start` does not count, as a time limit counted from a receipt does not.
    """
    if days < 0:
        raise ValueError("a number of working days cannot be negative")
    zone = ZoneInfo(settings.TIME_ZONE)
    day = start.astimezone(zone).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, OFFICE_CLOSES, tzinfo=zone)
