"""Jobs the scheduler calls: the SLA scan and the supervisors' daily digest.

Both are idempotent: they can run twice, or on several app instances at once, with
the same outcome. The scan is set-based (a few INSERT … SELECT and UPDATE statements
over partial indexes), so its cost follows the number of clocks that crossed a
threshold, not the number of cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from casework import notices, sla
from casework.config import Config
from casework.models import Case, User
from casework.numbering import BANGKOK

CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]

# Who hears of a clock reaching a level (resolved to people when sent; a sealed
# corruption case only ever reaches the integrity officers).
AUDIENCE = {
    ("ack", sla.WARNED): "officers", ("ack", sla.BREACHED): "center",
    ("reply", sla.WARNED): "holder", ("reply", sla.BREACHED): "holder_supervisors",
    ("resolution", sla.WARNED): "department", ("resolution", sla.BREACHED): "supervisors",
    ("resolution", sla.ESCALATED): "center",
}
NOTICE_COLUMNS = ("key", "kind", "audience", "case_id", "clock", "level", "created_at",
                  "status", "attempts", "next_attempt_at")


@dataclass
class ScanResult:
    warned: int = 0
    breached: int = 0
    escalated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"warned": self.warned, "breached": self.breached, "escalated": self.escalated}


def _thresholds(clock: str) -> dict[int, sa.ColumnElement[Any]]:
    c = CASES.c
    out: dict[int, sa.ColumnElement[Any]] = {
        sla.WARNED: c[f"{clock}_warn_at"], sla.BREACHED: c[f"{clock}_due_at"]}
    if clock == "resolution":
        out[sla.ESCALATED] = c.resolution_escalate_at
    return out


def scan(session: Session, now: dt.datetime) -> ScanResult:
    """Flag every clock that reached a level by `now` and queue one notice per
    (case, clock, round, level). A warning overtaken by the deadline is not sent."""
    conn = session.connection()
    result = ScanResult()
    c = CASES.c
    for clock in sla.CLOCKS:
        next_at, level = c[f"{clock}_next_at"], c[f"{clock}_level"]
        thresholds = _thresholds(clock)
        for lvl, at in thresholds.items():
            where = [next_at <= now, level < lvl, at <= now]
            if lvl == sla.WARNED:
                where.append(thresholds[sla.BREACHED] > now)
            key = (sa.literal("sla:") + sa.cast(c.id, sa.String) + f":{clock}:"
                   + sa.cast(c.sla_round, sa.String) + f":{lvl}")
            rows = sa.select(
                key, sa.literal("sla"), sa.literal(AUDIENCE[clock, lvl]), c.id,
                sa.literal(clock), sa.literal(lvl), sa.literal(now, type_=CASES.c.filed_at.type),
                sa.literal("pending"), sa.literal(0),
                sa.literal(now, type_=CASES.c.filed_at.type),
            ).where(*where)
            stmt = notices.insert_ignoring_duplicates(conn, notices.NOTICES).from_select(
                NOTICE_COLUMNS, rows).returning(notices.NOTICES.c.id)
            added = len(conn.execute(stmt).all())
            if lvl == sla.WARNED:
                result.warned += added
            elif lvl == sla.BREACHED:
                result.breached += added
            else:
                result.escalated += added
        conn.execute(_advance(clock, thresholds, now))
    return result


def _advance(clock: str, thresholds: dict[int, sa.ColumnElement[Any]],
             now: dt.datetime) -> sa.Update:
    """Move every clock whose next moment has come to the level it has reached."""
    c = CASES.c
    next_at, level = c[f"{clock}_next_at"], c[f"{clock}_level"]
    reached = sorted(thresholds.items(), reverse=True)  # highest level first
    new_level = sa.case(*((at <= now, lvl) for lvl, at in reached), else_=level)
    following = {sla.WARNED: thresholds[sla.BREACHED],
                 sla.BREACHED: thresholds.get(sla.ESCALATED)}
    new_next = sa.case(
        *((at <= now, nxt if (nxt := following.get(lvl)) is not None else sa.null())
          for lvl, at in reached),
        else_=thresholds[sla.WARNED],
    )
    return sa.update(CASES).where(next_at <= now).values(
        {level: new_level, next_at: new_next})


def digest(session: Session, cfg: Config, now: dt.datetime, *, limit: int = 200) -> int:
    """Queue today's digest for every supervisor with an email: the open cases of
    their scope that are due soon, overdue or escalated (none: no digest). Returns
    the number queued; a second call on the same day queues nothing."""
    day = now.astimezone(BANGKOK).date().isoformat()
    queued = 0
    supervisors = session.exec(select(User).where(
        User.role == "supervisor", User.active == sa.true(), User.email.is_not(None),  # type: ignore[union-attr]
    )).all()
    for user in supervisors:
        items = due_list(session, cfg, user.department_code, now, limit=limit)
        if not items:
            continue
        queued += notices.add(session, key=f"digest:{user.username}:{day}", kind="digest",
                              audience="user", username=user.username, now=now,
                              data={"day": day, "items": items})
    return queued


def due_list(session: Session, cfg: Config, department: str | None, now: dt.datetime, *,
             limit: int = 200) -> list[dict[str, Any]]:
    """Open general-track cases of a department (None: every department) whose
    resolution clock is due soon, overdue or escalated, most urgent first."""
    c = CASES.c
    query = (
        sa.select(c.id, c.fiscal_year, c.number, c.subject, c.department_code,
                  c.resolution_warn_at, c.resolution_due_at, c.resolution_escalate_at)
        .where(c.state == "dispatched", c.track == "general", c.resolution_warn_at <= now)
        .order_by(c.resolution_due_at, c.id).limit(limit)
    )
    if department is not None:
        query = query.where(c.department_code == department)
    return [
        {"id": r.id, "fiscal_year": r.fiscal_year, "number": r.number, "subject": r.subject,
         "department": r.department_code, "department_name": cfg.department_name(r.department_code),
         "due": r.resolution_due_at.isoformat(),
         "level": sla.Clock(r.resolution_warn_at, r.resolution_warn_at, r.resolution_due_at,
                            r.resolution_escalate_at).level(now)}
        for r in session.connection().execute(query)
    ]
