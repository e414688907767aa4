"""The staff's read side: the triage inbox, a department's queue with SLA badges, and
possible duplicates of a complaint. Every query is scoped by who asks: a sealed
corruption case is only ever listed for the integrity role."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from casework import sla
from casework.actors import Actor
from casework.models import Case, UTCDateTime
from casework.routing import compact

INBOX_STATES = ("not_received", "received")
BADGES = tuple(sla.LEVEL_NAMES.values())  # on_time, due_soon, overdue, escalated


@dataclass(frozen=True)
class Row:
    case: Any  # a Case (inbox), or a Listed case (department queue)
    badge: str  # the resolution clock's level by name (inbox: the acknowledge clock's)


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_cursor: str | None


def _track(actor: Actor) -> str:
    return "corruption" if actor.role == "integrity" else "general"


def encode_cursor(when: dt.datetime | None, ident: int | None) -> str:
    return f"{when.timestamp() if when else 0:.6f}_{ident}"


def decode_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    """A cursor from encode_cursor, or None for anything else (then: the first page)."""
    if not cursor:
        return None
    try:
        ts, ident = cursor.split("_")
        when, key = dt.datetime.fromtimestamp(float(ts), dt.UTC), int(ident)
    except (ValueError, OverflowError, OSError):
        return None
    return (when, key) if 0 < key < 2**63 else None


def _key(after: tuple[dt.datetime, int]) -> Any:
    return sa.tuple_(sa.literal(after[0], UTCDateTime()), sa.literal(after[1]))


def badge(case: Any, now: dt.datetime, clock: str = "resolution") -> str:
    due = getattr(case, f"{clock}_due_at")
    if due is None:
        return sla.LEVEL_NAMES[sla.RUNNING]
    warn = getattr(case, f"{clock}_warn_at") or due
    escalate = case.resolution_escalate_at if clock == "resolution" else None
    return sla.LEVEL_NAMES[sla.Clock(warn, warn, due, escalate).level(now)]


def inbox(session: Session, actor: Actor, now: dt.datetime, *, cursor: str | None = None,
          limit: int = 50) -> Page:
    """Cases waiting for the center (not received, received), oldest first."""
    query = select(Case).where(col(Case.state).in_(INBOX_STATES), Case.track == _track(actor))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(sa.tuple_(col(Case.filed_at), col(Case.id)) > _key(after))
    cases = list(session.exec(query.order_by(col(Case.filed_at), col(Case.id))
                              .limit(limit + 1)).all())
    more = len(cases) > limit
    cases = cases[:limit]
    return Page([Row(c, badge(c, now, "ack")) for c in cases],
                encode_cursor(cases[-1].filed_at, cases[-1].id) if more and cases else None)


@dataclass(frozen=True, slots=True)
class Listed:
    """A case as the department queue lists it: only the columns the list shows (a
    page is read often, and loading whole rows costs several times as much)."""

    id: int
    fiscal_year: int
    number: str
    state: str
    track: str
    department_code: str | None
    category_code: str
    subject: str
    location_text: str | None
    consideration: str | None
    consideration_days: int | None
    reopen_count: int
    filed_at: dt.datetime
    resolution_due_at: dt.datetime | None


CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
_NOW = sa.bindparam("now", type_=UTCDateTime())
# The resolution clock's level, as badge() reckons it, worked out by the database.
_LEVEL = sa.case((CASES.c.resolution_escalate_at <= _NOW, BADGES[3]),
                 (CASES.c.resolution_due_at <= _NOW, BADGES[2]),
                 (CASES.c.resolution_warn_at <= _NOW, BADGES[1]), else_=BADGES[0])
_LISTED = sa.select(*(CASES.c[f.name] for f in fields(Listed)), _LEVEL).where(
    CASES.c.department_code == sa.bindparam("department"), CASES.c.state == "dispatched",
    CASES.c.track == sa.bindparam("track"))
_AFTER = (sa.tuple_(CASES.c.resolution_due_at, CASES.c.id)
          > sa.tuple_(sa.bindparam("after_due", type_=UTCDateTime()), sa.bindparam("after_id")))
_BY_DUE = (CASES.c.resolution_due_at, CASES.c.id)


@functools.cache
def page_query(after: bool, badge_filter: str | None = None,
               consideration: bool = False) -> sa.Select[Any]:
    """The statement for a page of a department's queue, built once per shape: first or
    following page (after a cursor), with a badge filter, with a consideration filter.
    Parameters: department, track, now, n (rows), after_due, after_id, consideration."""
    query = _LISTED.where(_AFTER) if after else _LISTED
    if badge_filter:
        query = query.where(*_badge_condition(badge_filter, _NOW))
    if consideration:
        query = query.where(CASES.c.consideration == sa.bindparam("consideration"))
    return query.order_by(*_BY_DUE).limit(sa.bindparam("n"))


# The usual pages, first (False) and following (True): bench/staff_queue.py replays the
# same SQL with plain sqlite3.
QUEUE_PAGE = {after: page_query(after) for after in (False, True)}


def department_queue(session: Session, actor: Actor, department: str, now: dt.datetime, *,
                     badge_filter: str | None = None, consideration: str | None = None,
                     cursor: str | None = None, limit: int = 50) -> Page:
    """A department's dispatched cases, the most urgent (earliest due) first, keyset-paged
    over the (department, state, due, id) index. Rows carry `Listed` cases."""
    if badge_filter and badge_filter not in BADGES:
        raise ValueError(f"unknown SLA badge {badge_filter!r}; one of {', '.join(BADGES)}")
    after = decode_cursor(cursor)
    params: dict[str, Any] = {"department": department, "track": _track(actor), "now": now,
                              "n": limit + 1, "consideration": consideration}
    if after is not None:
        params["after_due"], params["after_id"] = after
    query = page_query(after is not None, badge_filter or None, bool(consideration))
    found = session.connection().execute(query, params).all()
    more = len(found) > limit
    rows = [Row(Listed(*r[:-1]), r[-1]) for r in found[:limit]]
    last = rows[-1].case if more and rows else None
    return Page(rows, encode_cursor(last.resolution_due_at, last.id) if last else None)


def _badge_condition(name: str, now: Any) -> list[Any]:
    """The conditions of one SLA badge at `now` (a moment, or a bound parameter)."""
    c = CASES.c
    if name == "on_time":
        return [c.resolution_warn_at > now]
    if name == "due_soon":
        return [c.resolution_warn_at <= now, c.resolution_due_at > now]
    if name == "overdue":
        return [c.resolution_due_at <= now,
                sa.or_(c.resolution_escalate_at.is_(None), c.resolution_escalate_at > now)]
    if name == "escalated":
        return [c.resolution_escalate_at <= now]
    raise ValueError(f"unknown SLA badge {name!r}; one of {', '.join(BADGES)}")


def _shingles(text: str, n: int = 3) -> set[str]:
    flat = compact(text)
    return {flat[i:i + n] for i in range(max(len(flat) - n + 1, 1))}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character trigrams of the normalised texts (Thai has no
    spaces between words, so characters, not words)."""
    sa_, sb = _shingles(a), _shingles(b)
    return len(sa_ & sb) / len(sa_ | sb) if sa_ and sb else 0.0


def duplicates(session: Session, case: Case, *, days: int = 14, threshold: float = 0.35,
               limit: int = 5, candidates: int = 500) -> list[tuple[Case, float]]:
    """Cases of the same category filed within `days` of this one, whose text (details,
    subject and place) is similar: the candidates an officer may merge it into. The
    newest `candidates` of that window are scored, on their text columns alone (over the
    (category, filed) index); only the best few are loaded whole."""
    window = dt.timedelta(days=days)
    c = CASES.c
    others = session.connection().execute(
        sa.select(c.id, c.subject, c.details, c.location_text, c.filed_at)
        .where(c.id != case.id, c.track == case.track, c.category_code == case.category_code,
               c.filed_at.between(case.filed_at - window, case.filed_at + window),
               c.reject_reason.is_(None))
        .order_by(c.filed_at.desc()).limit(candidates)).all()
    mine = _shingles(f"{case.subject} {case.details} {case.location_text or ''}")
    scored = []
    for o in others:
        theirs = _shingles(f"{o.subject} {o.details} {o.location_text or ''}")
        score = len(mine & theirs) / len(mine | theirs) if mine and theirs else 0.0
        if score >= threshold:
            scored.append((score, o.filed_at, o.id))
    scored.sort(key=lambda t: (-t[0], t[1]))
    best = scored[:limit]
    loaded = {x.id: x for x in session.exec(
        select(Case).where(col(Case.id).in_([i for _s, _f, i in best])))} if best else {}
    return [(loaded[i], s) for s, _f, i in best]


def sla_counts(session: Session, actor: Actor, now: dt.datetime,
               department: str | None = None) -> dict[str, dict[str, int]]:
    """Dispatched cases per department (one department, or all when None) by SLA badge:
    {department: {"open": n, "on_time": n, "due_soon": n, "overdue": n, "escalated": n}}.
    One grouped query over the (department, state, due) index."""
    c = CASES.c
    query = (sa.select(c.department_code, _LEVEL, sa.func.count())
             .where(c.state == "dispatched", c.track == _track(actor))
             .group_by(c.department_code, _LEVEL))
    if department is not None:
        query = query.where(c.department_code == department)
    out: dict[str, dict[str, int]] = {}
    for dept, level, n in session.connection().execute(query, {"now": now}):
        row = out.setdefault(dept, {"open": 0, **dict.fromkeys(BADGES, 0)})
        row[level] += int(n)
        row["open"] += int(n)
    return out
