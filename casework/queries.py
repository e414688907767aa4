"""Read side: finding cases, their history, and the public tracking table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from casework import numbering, states
from casework.config import Config
from casework.errors import NotFound
from casework.models import Case, CaseEvent, UTCDateTime
from casework.schemas import CasePublicRow, mask_pii


def case_by_number(session: Session, number: str, fiscal_year: int | None = None) -> Case:
    """The case with this published number (the newest fiscal year unless given)."""
    stmt = select(Case).where(Case.number == number.strip())
    if fiscal_year is not None:
        stmt = stmt.where(Case.fiscal_year == fiscal_year)
    case = session.exec(stmt.order_by(col(Case.fiscal_year).desc())).first()
    if case is None:
        where = f" in fiscal year {fiscal_year}" if fiscal_year else ""
        raise NotFound(f"no case {number!r}{where}", code="case_not_found", number=number)
    return case


def case_by_code(session: Session, code: str) -> Case:
    case = session.exec(select(Case).where(Case.tracking_code == code.strip().upper())).first()
    if case is None or case.track != "general":
        raise NotFound("no case with that tracking code", code="case_not_found")
    return case


def events(session: Session, case_id: int) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.id))
    return list(session.exec(stmt).all())


# What the public may see: never the corruption track, never spam.
PUBLIC = (col(Case.track) == "general",
          sa.or_(col(Case.reject_reason).is_(None), col(Case.reject_reason) != "spam"))


@dataclass(frozen=True)
class Page:
    rows: list[CasePublicRow]
    next_cursor: str | None


def _cursor(case: Case) -> str:
    return f"{case.filed_at.timestamp():.6f}_{case.id}"


def _parse_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    """A cursor made by _cursor, or None for anything else (treated as the first page)."""
    try:
        ts, ident = cursor.split("_")
        when, key = dt.datetime.fromtimestamp(float(ts), dt.UTC), int(ident)
    except (ValueError, OverflowError, OSError):
        return None
    return (when, key) if 0 < key < 2**63 else None


def public_row(case: Case, cfg: Config) -> CasePublicRow:
    klass = cfg.considerations.get(case.consideration or "")
    return CasePublicRow(
        number=case.number, fiscal_year=case.fiscal_year,
        filed_at=numbering.thai_date(case.filed_at), state=case.state,
        symbol=states.symbol(case.state), state_label=states.label_th(case.state),
        details=mask_pii(case.details), consideration=klass.label_th if klass else "",
        department=cfg.department_name(case.department_code),
    )


def tracking_page(
    session: Session,
    cfg: Config,
    fiscal_year: int,
    *,
    first_name: str | None = None,
    surname: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """The public tracking table: one fiscal year, newest first, keyset-paged.
    Corruption-track cases and complaints rejected as spam never appear. A first name
    and/or a surname (exact, as published) narrow it to the complainant's cases."""
    stmt = select(Case).where(Case.fiscal_year == fiscal_year, *PUBLIC)
    if first_name and first_name.strip():
        stmt = stmt.where(Case.first_name == first_name.strip())
    if surname and surname.strip():
        stmt = stmt.where(Case.surname == surname.strip())
    after = _parse_cursor(cursor) if cursor else None
    if after:
        stmt = stmt.where(sa.tuple_(col(Case.filed_at), col(Case.id))
                           < sa.tuple_(sa.literal(after[0], UTCDateTime), sa.literal(after[1])))
    stmt = stmt.order_by(col(Case.filed_at).desc(), col(Case.id).desc()).limit(limit + 1)
    found = list(session.exec(stmt).all())
    more = len(found) > limit
    found = found[:limit]
    return Page([public_row(c, cfg) for c in found], _cursor(found[-1]) if more else None)


def fiscal_years(session: Session) -> list[int]:
    """Fiscal years that have publicly visible cases, newest first."""
    stmt = (select(Case.fiscal_year).where(*PUBLIC).distinct()
            .order_by(col(Case.fiscal_year).desc()))
    return [int(y) for y in session.exec(stmt).all()]


def training_examples(session: Session) -> list[tuple[str, str]]:
    """(text, category) of every case an officer has accepted, outside the sealed
    corruption track: the officer's confirmed category is the label."""
    stmt = (select(Case.subject, Case.details, Case.category_code)
            .where(col(Case.received_at).is_not(None), Case.track == "general"))
    return [(f"{subject} {details}", cat) for subject, details, cat in session.exec(stmt).all()]
