"""Calendars and due dates. Pure: holidays and "now" are always passed in.

Working days are Monday–Friday minus Thai public and government holidays (from the
`holidays` package, substitution days included) and the municipality's extra days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
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


# Levels a clock goes through; stored per clock on the case (`<clock>_level`).
RUNNING, WARNED, BREACHED, ESCALATED = 0, 1, 2, 3
LEVEL_NAMES = {RUNNING: "on_time", WARNED: "due_soon", BREACHED: "overdue",
               ESCALATED: "escalated"}
CLOCKS = ("ack", "reply", "resolution")


@dataclass(frozen=True)
class Clock:
    """One running clock: when it warns, falls due and (optionally) escalates."""

    start: dt.datetime
    warn_at: dt.datetime
    due_at: dt.datetime
    escalate_at: dt.datetime | None = None

    def level(self, now: dt.datetime) -> int:
        """The level this clock has reached at `now`."""
        if self.escalate_at is not None and now >= self.escalate_at:
            return ESCALATED
        if now >= self.due_at:
            return BREACHED
        return WARNED if now >= self.warn_at else RUNNING

    def columns(self, name: str) -> dict[str, dt.datetime | int | None]:
        """The case columns of clock `name` for a clock that has just (re)started.
        `<name>_next_at` is the next moment the scanner has to look at the case."""
        cols: dict[str, dt.datetime | int | None] = {
            f"{name}_warn_at": self.warn_at, f"{name}_due_at": self.due_at,
            f"{name}_level": RUNNING, f"{name}_next_at": self.warn_at,
        }
        if name == "resolution":
            cols["resolution_escalate_at"] = self.escalate_at
        return cols


def start_clock(
    start: dt.datetime,
    days: int,
    kind: str,
    calendar: ThaiCalendar,
    *,
    warn_share: float,
    escalate_after: int | None = None,
    tz: ZoneInfo = BANGKOK,
) -> Clock:
    """A clock of `days` (calendar or working) from `start`; it warns once `warn_share`
    of its time has passed and escalates `escalate_after` working days after due."""
    due = due_at(start, days, kind, calendar, tz)
    warn = start + (due - start) * warn_share
    escalate = None
    if escalate_after is not None:
        escalate = due_at(due, escalate_after, "working", calendar, tz)
    return Clock(start, warn, due, escalate)


def stopped(name: str) -> dict[str, None]:
    """Case columns that stop clock `name` (its level stays as the record of it)."""
    return {f"{name}_next_at": None}


def next_at(clock: Clock, level: int) -> dt.datetime | None:
    """When a clock at `level` next needs the scanner, or None when nothing is left."""
    return {RUNNING: clock.warn_at, WARNED: clock.due_at,
            BREACHED: clock.escalate_at}.get(level)
