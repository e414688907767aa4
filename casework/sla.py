"""Calendars and due dates. Pure: holidays and "now" are always passed in.

Working days are Monday–Friday minus Thai public and government holidays (from the
`holidays` package, substitution days included) and the municipality's extra days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from casework.numbering import BANGKOK


@lru_cache(maxsize=64)
def _thai_holidays(year: int) -> frozenset[dt.date]:
    days = holidays_lib.country_holidays("TH", categories=("public", "government"), years=year)
    return frozenset(days)


class ThaiCalendar:
    """Thai working-day calendar: weekends, official holidays and `extra` days off."""

    def __init__(self, extra: Iterable[dt.date] = ()):
        self.extra = frozenset(extra)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.extra and day not in _thai_holidays(day.year)


def add_working_days(start: dt.date, n: int, calendar: ThaiCalendar) -> dt.date:
    """The n-th working day after `start` (n ≥ 0; n = 0 gives `start` itself)."""
    day, left = start, n
    while left > 0:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


def due_at(
    start: dt.datetime,
    days: int,
    kind: str,
    calendar: ThaiCalendar,
    tz: ZoneInfo = BANGKOK,
) -> dt.datetime:
    """Deadline for a clock of `days` starting at `start`.

    `kind="calendar"`: end of the day `days` days later (local time).
    `kind="working"`: end of the `days`-th working day after the start day.
    Returned in UTC.
    """
    local_start = start.astimezone(tz)
    if kind == "calendar":
        day = local_start.date() + dt.timedelta(days=days)
    elif kind == "working":
        day = add_working_days(local_start.date(), days, calendar)
    else:
        raise ValueError(f"unknown calendar kind {kind!r}")
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)
    return end.astimezone(dt.UTC)
