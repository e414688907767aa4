"""Notices: "tell WHOM about WHAT", written in the same transaction as their cause.

Each notice has a key that names its cause (an event, a case's clock level, a
supervisor's day); inserting a key that exists does nothing, so a retried request,
a second scan or a second app instance never produces a second message.
notifications.outbox delivers them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from casework.models import Case, CaseEvent, Notice

NOTICES = Notice.__table__  # type: ignore[attr-defined]

# Triggers whose new state the citizen sees on the tracking table.
STATUS_TRIGGERS = frozenset({"receive", "dispatch", "return_to_center", "complete", "reject",
                             "refer", "reopen"})
ASSIGN_TRIGGERS = frozenset({"dispatch", "reassign"})


def insert_ignoring_duplicates(conn: sa.Connection, table: sa.Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def add(session: Session, *, key: str, kind: str, audience: str, now: dt.datetime,
        case_id: int | None = None, username: str | None = None,
        data: dict[str, Any] | None = None) -> bool:
    """Queue one notice unless one with `key` exists already; True if it was queued."""
    conn = session.connection()
    stmt = insert_ignoring_duplicates(conn, NOTICES).returning(NOTICES.c.id)
    return conn.execute(stmt, dict(
        key=key, kind=kind, audience=audience, case_id=case_id, clock=None, level=None,
        username=username, data=data, created_at=now, status="pending", attempts=0,
        next_attempt_at=now,
    )).first() is not None


def wants_copy(case: Case) -> bool:
    return bool(case.copy_to_email and case.email)


def for_filing(session: Session, case: Case, now: dt.datetime) -> None:
    """The acknowledgement with the tracking link, if the citizen asked for a copy."""
    if wants_copy(case):
        add(session, key=f"case:{case.id}:ack", kind="ack", audience="citizen", now=now,
            case_id=case.id)


def for_event(session: Session, case: Case, event: CaseEvent, now: dt.datetime) -> None:
    """Notices caused by one transition: the department hears of a case assigned to
    it; the citizen who asked for a copy hears of every change of public state."""
    if event.trigger in ASSIGN_TRIGGERS:
        add(session, key=f"event:{event.id}:assignment", kind="assignment",
            audience="department", now=now, case_id=case.id,
            data={"department": case.department_code, "event": event.id})
    if event.trigger in STATUS_TRIGGERS and wants_copy(case):
        add(session, key=f"event:{event.id}:status", kind="status", audience="citizen",
            now=now, case_id=case.id,
            data={"event": event.id, "trigger": event.trigger, "state": event.to_state})
    if event.trigger == "complete" and wants_copy(case) and case.track == "general":
        # One invitation per case, however often it is reopened and completed again.
        add(session, key=f"case:{case.id}:survey", kind="survey", audience="citizen",
            now=now, case_id=case.id, data={"event": event.id})
