"""The staff's read side: the triage inbox, a department's queue with SLA badges, and
possible duplicates of a complaint. Every query is scoped by who asks: a sealed
corruption case is only ever listed for the integrity role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
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
    case: Case
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


def badge(case: Case, now: dt.datetime, clock: str = "resolution") -> str:
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


def department_queue(session: Session, actor: Actor, department: str, now: dt.datetime, *,
                     badge_filter: str | None = None, consideration: str | None = None,
                     cursor: str | None = None, limit: int = 50) -> Page:
    """A department's dispatched cases, the most urgent (earliest due) first, keyset-paged
    over the (department, state, due, id) index."""
    c = Case
    query = select(c).where(c.department_code == department, c.state == "dispatched",
                            c.track == _track(actor))
    if badge_filter:
        query = query.where(*_badge_condition(badge_filter, now))
    if consideration:
        query = query.where(c.consideration == consideration)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(sa.tuple_(col(c.resolution_due_at), col(c.id)) > _key(after))
    cases = list(session.exec(query.order_by(col(c.resolution_due_at), col(c.id))
                              .limit(limit + 1)).all())
    more = len(cases) > limit
    cases = cases[:limit]
    return Page([Row(x, badge(x, now)) for x in cases],
                encode_cursor(cases[-1].resolution_due_at, cases[-1].id)
                if more and cases else None)


def _badge_condition(name: str, now: dt.datetime) -> list[Any]:
    c = Case
    if name == "on_time":
        return [col(c.resolution_warn_at) > now]
    if name == "due_soon":
        return [col(c.resolution_warn_at) <= now, col(c.resolution_due_at) > now]
    if name == "overdue":
        return [col(c.resolution_due_at) <= now,
                sa.or_(col(c.resolution_escalate_at).is_(None),
                       col(c.resolution_escalate_at) > now)]
    if name == "escalated":
        return [col(c.resolution_escalate_at) <= now]
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
               limit: int = 5) -> list[tuple[Case, float]]:
    """Cases of the same category filed within `days` of this one, whose text (details,
    subject and place) is similar: the candidates an officer may merge it into."""
    window = dt.timedelta(days=days)
    others: Sequence[Case] = session.exec(
        select(Case).where(Case.id != case.id, Case.track == case.track,
                           Case.category_code == case.category_code,
                           col(Case.filed_at).between(case.filed_at - window,
                                                      case.filed_at + window),
                           col(Case.reject_reason).is_(None))
        .order_by(col(Case.filed_at).desc()).limit(500)).all()
    text = f"{case.subject} {case.details} {case.location_text or ''}"
    scored = [(o, similarity(text, f"{o.subject} {o.details} {o.location_text or ''}"))
              for o in others]
    scored = [(o, s) for o, s in scored if s >= threshold]
    scored.sort(key=lambda pair: (-pair[1], pair[0].filed_at))
    return scored[:limit]
