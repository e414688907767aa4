"""The seal on corruption complaints: only the integrity role may see such a case, and
every look at one — allowed or refused — is written to an access log."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from casework.actors import Actor
from casework.errors import NotFound
from casework.models import Case, CaseView

VIEWS: sa.Table = CaseView.__table__  # type: ignore[attr-defined]
SEALED = "corruption"


def may_see(case: Case, actor: Actor) -> bool:
    return case.track != SEALED or actor.role == "integrity"


def in_scope(case: Case, actor: Actor) -> bool:
    """Whether a staff member's role and department reach this case: the center
    (officers, the center's supervisors) every ordinary case, a department's staff and
    supervisor the cases with their department, the integrity role the sealed ones.
    Administrators read no cases."""
    if case.track == SEALED:
        return actor.role == "integrity"
    if actor.role == "officer" or (actor.role == "supervisor" and actor.department is None):
        return True
    if actor.role in ("staff", "supervisor"):
        return case.department_code is not None and case.department_code == actor.department
    return False


def record(session: Session, case: Case, actor: Actor, now: dt.datetime, where: str, *,
           allowed: bool) -> None:
    session.connection().execute(sa.insert(VIEWS), dict(
        case_id=case.id, username=actor.username, role=actor.role, at=now,
        where=where[:60], allowed=allowed))


def look(session: Session, case: Case, actor: Actor, now: dt.datetime, where: str) -> bool:
    """May `actor` see `case`? A look at a sealed case is logged either way. Call it
    in a write transaction and raise `refused()` only after that transaction commits,
    so the refusal stays in the log."""
    if case.track != SEALED:
        return True
    allowed = actor.role == "integrity"
    record(session, case, actor, now, where, allowed=allowed)
    return allowed


def refused() -> NotFound:
    """What anyone without the integrity role gets for a sealed case: no such case."""
    return NotFound("no such case", code="case_not_found")
