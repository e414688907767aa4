"""The citizen's feedback on a finished case: was it fixed, and a 1–5 rating with a
comment. One response per case (a unique row), from the case page or, later, the
satisfaction survey. Services flush, never commit."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.errors import Conflict, Invalid, NotAllowed
from casework.models import Case, Feedback
from casework.schemas import clean_text
from casework.states import OPEN_STATES, State

SOURCES = ("case_page", "survey")
MAX_COMMENT = 2000
FEEDBACK = Feedback.__table__  # type: ignore[attr-defined]


def get(session: Session, case_id: int) -> Feedback | None:
    stmt = select(Feedback).where(Feedback.case_id == case_id)
    return session.exec(stmt.execution_options(populate_existing=True)).first()


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise Invalid(f"unknown feedback source {source!r}", fields={"source": "unknown"})


def _upsert(session: Session, case: Case, now: dt.datetime, source: str,
            values: dict[str, object], only_if: sa.ColumnElement[bool] | None = None) -> bool:
    """Write `values` on the case's feedback row, creating it if needed. With `only_if`,
    an existing row is changed only when the condition holds; returns False when it did
    not (nothing written)."""
    _check_source(source)
    assert case.id is not None
    conn = session.connection()
    update = sa.update(FEEDBACK).where(FEEDBACK.c.case_id == case.id).values(values)
    if only_if is not None:
        update = update.where(only_if)
    if conn.execute(update).rowcount:
        return True
    if get(session, case.id) is not None:
        return False
    try:
        with session.begin_nested():
            session.connection().execute(sa.insert(FEEDBACK).values(
                case_id=case.id, source=source, created_at=now, **values))
    except IntegrityError:  # someone answered at the same moment
        return False
    return True


def confirm_fixed(session: Session, case: Case, *, now: dt.datetime,
                  source: str = "case_page") -> Feedback:
    """The citizen says the fix holds. Only for a completed case; saying it twice is
    harmless. After a dispute and a new completion it may be said again."""
    if case.state != State.COMPLETED.value:
        raise NotAllowed("only a completed case can be confirmed as fixed",
                         code="not_completed", state=case.state)
    _upsert(session, case, now, source, {"confirmed": True})
    row = get(session, case.id or 0)
    assert row is not None
    return row


def disputed(session: Session, case: Case, *, now: dt.datetime,
             source: str = "case_page") -> None:
    """Note that the citizen disputed the fix (the case itself is reopened by
    service.act 'reopen'); any earlier confirmation no longer stands."""
    _upsert(session, case, now, source, {"confirmed": False})


def rate(session: Session, case: Case, rating: object, comment: str | None = None, *,
         now: dt.datetime, source: str = "case_page") -> Feedback:
    """Rate the service 1–5 with an optional comment, once per case, after it closed."""
    if case.state in OPEN_STATES:
        raise NotAllowed("a case can be rated once it is finished", code="not_finished",
                         state=case.state)
    score = _rating(rating)
    text = _comment(comment)
    if not _upsert(session, case, now, source, {"rating": score, "comment": text},
                   only_if=col(Feedback.rating).is_(None)):
        raise Conflict("this case has already been rated", code="already_rated")
    row = get(session, case.id or 0)
    assert row is not None
    return row


def _rating(value: object) -> int:
    if isinstance(value, bool):
        value = None
    try:
        score = int(value) if isinstance(value, int | str) else None
    except ValueError:
        score = None
    if score is None or not 1 <= score <= 5:
        raise Invalid("the rating must be a whole number from 1 to 5",
                      fields={"rating": "not 1–5"})
    return score


def _comment(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        text = clean_text(value)
    except ValueError as exc:
        raise Invalid(f"comment: {exc}", fields={"comment": str(exc)}) from None
    if len(text) > MAX_COMMENT:
        raise Invalid(f"the comment is longer than {MAX_COMMENT} characters",
                      fields={"comment": "too long"})
    return text or None
