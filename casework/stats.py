"""Statistics for the ITA assessment: service and complaint statistics, SLA compliance,
times to receive / dispatch / complete, reopen rate, satisfaction, and corruption
complaints as counts only. Computed from the case columns that every transition
writes (tests recompute them independently from the event log).

A period is a Thai fiscal year (1 October – 30 September) or its first six months
(October – March, the ITA's 6-month report); cases count in the period they were filed.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from casework import numbering
from casework.models import Case, Feedback

CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
FEEDBACK: sa.Table = Feedback.__table__  # type: ignore[attr-defined]
CLOSED = ("completed", "rejected", "referred")


@dataclass(frozen=True)
class Period:
    fiscal_year: int
    months: int = 12  # 6: October–March; 12: the whole fiscal year

    def __post_init__(self) -> None:
        if self.months not in (6, 12):
            raise ValueError("a period is 6 or 12 months")

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        start, end = numbering.fiscal_year_bounds(self.fiscal_year)
        if self.months == 6:
            first = start.astimezone(numbering.BANGKOK)
            end = first.replace(year=first.year + 1, month=4).astimezone(dt.UTC)
        return start, end

    def months_list(self) -> list[str]:
        """'YYYY-MM' (Gregorian, local) of every month in the period."""
        start = self.bounds[0].astimezone(numbering.BANGKOK)
        out = []
        y, m = start.year, start.month
        for _ in range(self.months):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


@dataclass
class Compliance:
    met: int = 0
    breached: int = 0
    running: int = 0  # not decided yet: the clock still runs and is not past due

    @property
    def rate(self) -> float | None:
        decided = self.met + self.breached
        return round(self.met / decided, 4) if decided else None


@dataclass
class Durations:
    count: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None


@dataclass
class Stats:
    period: Period
    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    by_department: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_month: dict[str, int] = field(default_factory=dict)
    compliance: dict[str, Compliance] = field(default_factory=dict)
    times: dict[str, Durations] = field(default_factory=dict)
    completed: int = 0
    reopened: int = 0
    ratings: dict[int, int] = field(default_factory=dict)
    corruption_total: int = 0
    corruption_by_state: dict[str, int] = field(default_factory=dict)

    @property
    def reopen_rate(self) -> float | None:
        return round(self.reopened / self.completed, 4) if self.completed else None

    @property
    def responses(self) -> int:
        return sum(self.ratings.values())

    @property
    def mean_rating(self) -> float | None:
        n = self.responses
        return round(sum(k * v for k, v in self.ratings.items()) / n, 2) if n else None

    @property
    def response_rate(self) -> float | None:
        return round(self.responses / self.completed, 4) if self.completed else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "fiscal_year": self.period.fiscal_year, "months": self.period.months,
            "total": self.total, "by_state": self.by_state,
            "by_department": self.by_department, "by_category": self.by_category,
            "by_channel": self.by_channel, "by_month": self.by_month,
            "compliance": {k: {"met": v.met, "breached": v.breached, "running": v.running,
                               "rate": v.rate} for k, v in self.compliance.items()},
            "times": {k: {"count": v.count, "median_hours": v.median_hours,
                          "p90_hours": v.p90_hours} for k, v in self.times.items()},
            "completed": self.completed, "reopened": self.reopened,
            "reopen_rate": self.reopen_rate,
            "satisfaction": {"responses": self.responses, "mean": self.mean_rating,
                             "distribution": {str(k): self.ratings.get(k, 0)
                                              for k in range(1, 6)},
                             "response_rate": self.response_rate},
            "corruption": {"total": self.corruption_total, "by_state": self.corruption_by_state},
        }


def _hours(rows: list[float]) -> Durations:
    if not rows:
        return Durations()
    ordered = sorted(rows)
    p90 = ordered[min(len(ordered) - 1, max(0, -(-9 * len(ordered) // 10) - 1))]
    return Durations(len(rows), round(statistics.median(ordered), 2), round(p90, 2))


def _clock(due: dt.datetime | None, done: dt.datetime | None, now: dt.datetime,
           into: Compliance) -> None:
    if due is None:
        return
    if done is not None:
        if done <= due:
            into.met += 1
        else:
            into.breached += 1
    elif now > due:
        into.breached += 1
    else:
        into.running += 1


def compute(session: Session, period: Period, now: dt.datetime) -> Stats:
    """The period's statistics as of `now` (clocks still running count as running)."""
    start, end = period.bounds
    c = CASES.c
    rows = session.connection().execute(
        sa.select(c.id, c.state, c.track, c.department_code, c.category_code, c.channel,
                  c.filed_at, c.received_at, c.dispatched_at, c.completed_at, c.replied_at,
                  c.closed_at, c.ack_due_at, c.reply_due_at, c.resolution_due_at,
                  c.reopen_count)
        .where(c.filed_at >= start, c.filed_at < end)).all()
    out = Stats(period)
    general = [r for r in rows if r.track == "general"]
    sealed = [r for r in rows if r.track != "general"]
    out.corruption_total = len(sealed)
    out.corruption_by_state = dict(Counter(r.state for r in sealed))
    out.total = len(general)
    out.by_state = dict(Counter(r.state for r in general))
    out.by_department = dict(Counter(r.department_code or "center" for r in general))
    out.by_category = dict(Counter(r.category_code for r in general))
    out.by_channel = dict(Counter(r.channel for r in general))
    months = Counter(r.filed_at.astimezone(numbering.BANGKOK).strftime("%Y-%m") for r in general)
    out.by_month = {m: months.get(m, 0) for m in period.months_list()}
    out.compliance = {k: Compliance() for k in ("ack", "reply", "resolution")}
    for r in general:
        # acknowledging ends when the case leaves "not received" (received or closed)
        _clock(r.ack_due_at, r.received_at or r.closed_at, now, out.compliance["ack"])
        _clock(r.reply_due_at, r.replied_at, now, out.compliance["reply"])
        if r.dispatched_at is not None:
            _clock(r.resolution_due_at, r.completed_at, now, out.compliance["resolution"])
    hours = {"receive": [], "dispatch": [], "complete": []}  # type: dict[str, list[float]]
    for r in general:
        for name, at in (("receive", r.received_at), ("dispatch", r.dispatched_at),
                         ("complete", r.completed_at)):
            if at is not None:
                hours[name].append((at - r.filed_at).total_seconds() / 3600)
    out.times = {k: _hours(v) for k, v in hours.items()}
    # ever completed: completed now, or completed once and reopened since
    out.completed = sum(1 for r in general if r.state == "completed" or r.reopen_count > 0)
    out.reopened = sum(1 for r in general if r.reopen_count > 0)
    out.ratings = _ratings(session, start, end)
    return out


def _ratings(session: Session, start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    f, c = FEEDBACK.c, CASES.c
    rows = session.connection().execute(
        sa.select(f.rating, sa.func.count()).select_from(FEEDBACK.join(CASES, f.case_id == c.id))
        .where(c.filed_at >= start, c.filed_at < end, c.track == "general",
               f.rating.is_not(None))
        .group_by(f.rating)).all()
    return {int(rating): int(n) for rating, n in sorted(rows)}


def compliance(session: Session, start: dt.datetime, end: dt.datetime, now: dt.datetime, *,
               department: str | None = None) -> dict[str, Compliance]:
    """SLA compliance per clock of the general-track cases filed in [start, end) — any
    window, e.g. this month — counted as `compute` counts it, but by the database (one
    aggregate query); only the cases of one department when `department` is given."""
    c = CASES.c
    at = sa.literal(now, CASES.c.filed_at.type)
    years = range(numbering.fiscal_year(start), numbering.fiscal_year(end) + 1)
    columns = []
    clocks = {"ack": (c.ack_due_at, sa.func.coalesce(c.received_at, c.closed_at), None),
              "reply": (c.reply_due_at, c.replied_at, None),
              "resolution": (c.resolution_due_at, c.completed_at, c.dispatched_at.is_not(None))}
    for due, done, only in clocks.values():
        base = [due.is_not(None)] + ([only] if only is not None else [])
        met = sa.and_(*base, done.is_not(None), done <= due)
        late = sa.and_(*base, sa.or_(sa.and_(done.is_not(None), done > due),
                                     sa.and_(done.is_(None), at > due)))
        running = sa.and_(*base, done.is_(None), at <= due)
        columns += [sa.func.sum(sa.case((cond, 1), else_=0)) for cond in (met, late, running)]
    query = sa.select(*columns).where(c.fiscal_year.in_(list(years)), c.filed_at >= start,
                                      c.filed_at < end, c.track == "general")
    if department is not None:
        query = query.where(c.department_code == department)
    row = session.connection().execute(query).one()
    return {name: Compliance(*(int(row[3 * i + k] or 0) for k in range(3)))
            for i, name in enumerate(clocks)}


def month_bounds(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the calendar month (Bangkok time) that `moment` falls in, in UTC."""
    local = moment.astimezone(numbering.BANGKOK)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = first.replace(year=first.year + 1, month=1) if first.month == 12 else \
        first.replace(month=first.month + 1)
    return first.astimezone(dt.UTC), following.astimezone(dt.UTC)
