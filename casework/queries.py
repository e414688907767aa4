"""Read side: finding cases, their history, and the public tracking table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from casework import numbering, photos, states
from casework.config import Config
from casework.errors import NotFound
from casework.models import Case, CaseEvent, CasePhoto, Feedback, UTCDateTime
from casework.queues import decode_cursor, encode_cursor
from casework.schemas import CasePublic, CasePublicRow, PublicPhoto, TimelineEntry, mask_pii


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
    """The case a tracking code opens, as the public may see it: never a corruption-track
    case, never a complaint rejected as spam (both: NotFound, as if there were none)."""
    code = code.strip().upper()
    if not numbering.looks_like_tracking_code(code):
        raise NotFound("no case with that tracking code", code="case_not_found")
    case = session.exec(select(Case).where(Case.tracking_code == code, *PUBLIC)).first()
    if case is None:
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


def _public_photo(photo: Any) -> PublicPhoto:
    return PublicPhoto(name=photo.name, thumb=photo.thumb, width=photo.width,
                       height=photo.height)


def public_row(case: Case, pictures: Sequence[CasePhoto] = ()) -> CasePublicRow:
    return CasePublicRow(
        number=case.number, fiscal_year=case.fiscal_year, filed_at=case.filed_at,
        state=case.state, symbol=states.symbol(case.state), details=mask_pii(case.details),
        consideration=case.consideration, department=case.department_code,
        before=[_public_photo(p) for p in pictures if p.kind == "before"],
        after=[_public_photo(p) for p in pictures if p.kind == "after"],
    )


def tracking_page(
    session: Session,
    fiscal_year: int,
    *,
    first_name: str | None = None,
    surname: str | None = None,
    number: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """The public tracking table: one fiscal year, newest first, keyset-paged, with the
    before and after photos of each row. Corruption-track cases and complaints rejected
    as spam never appear. A first name and/or a surname (exact, as published) narrow it
    to the complainant's cases; a case number (`ฟ./020`) to that case."""
    stmt = select(Case).where(Case.fiscal_year == fiscal_year, *PUBLIC)
    if first_name and first_name.strip():
        stmt = stmt.where(Case.first_name == first_name.strip())
    if surname and surname.strip():
        stmt = stmt.where(Case.surname == surname.strip())
    if number is not None:
        stmt = stmt.where(Case.number == number)
    after = decode_cursor(cursor)
    if after:
        stmt = stmt.where(sa.tuple_(col(Case.filed_at), col(Case.id))
                           < sa.tuple_(sa.literal(after[0], UTCDateTime), sa.literal(after[1])))
    stmt = stmt.order_by(col(Case.filed_at).desc(), col(Case.id).desc()).limit(limit + 1)
    found = list(session.exec(stmt).all())
    more = len(found) > limit
    found = found[:limit]
    pictures = photos.for_cases(session, [c.id for c in found if c.id is not None])
    rows = [public_row(c, pictures.get(c.id or 0, [])) for c in found]
    return Page(rows, encode_cursor(found[-1].filed_at, found[-1].id) if more else None)


# The case page is read often (SPEC B5): prebuilt Core statements, only the columns shown.
_C = Case.__table__.c  # type: ignore[attr-defined]
_E = CaseEvent.__table__.c  # type: ignore[attr-defined]
_P = CasePhoto.__table__.c  # type: ignore[attr-defined]
_F = Feedback.__table__.c  # type: ignore[attr-defined]
_PAGE_CASE = sa.select(
    _C.id, _C.number, _C.fiscal_year, _C.tracking_code, _C.filed_at, _C.state,
    _C.category_code, _C.subject, _C.details, _C.location_text, _C.department_code,
    _C.consideration, _C.consideration_days, _C.resolution_due_at, _C.completed_at,
    _C.agency, _C.reopen_count, _F.rating, _F.confirmed,
).select_from(Case.__table__.outerjoin(Feedback.__table__))  # type: ignore[attr-defined]
_PAGE_CASE = _PAGE_CASE.where(_C.tracking_code == sa.bindparam("code"), *PUBLIC)
_PAGE_EVENTS = (sa.select(_E.id, _E.at, _E.trigger, _E.from_state, _E.to_state,
                          _E.public_note, _E.data)
                .where(_E.case_id == sa.bindparam("case_id")).order_by(_E.id))
_PAGE_PHOTOS = (sa.select(_P.kind, _P.event_id, _P.name, _P.thumb, _P.width, _P.height)
                .where(_P.case_id == sa.bindparam("case_id")).order_by(_P.id))


def public_case(session: Session, cfg: Config, code: str) -> CasePublic:
    """The page a tracking code opens: where the case stands, its public history
    (internal notes never), its photos, the citizen's feedback so far. NotFound for an
    unknown code and for what the public may not see (corruption track, spam)."""
    code = code.strip().upper()
    conn = session.connection()
    case = (conn.execute(_PAGE_CASE, {"code": code}).first()
            if numbering.looks_like_tracking_code(code) else None)
    if case is None:
        raise NotFound("no case with that tracking code", code="case_not_found")
    pictures = conn.execute(_PAGE_PHOTOS, {"case_id": case.id}).all()
    by_event: dict[int, list[PublicPhoto]] = {}
    for p in pictures:
        if p.event_id is not None:
            by_event.setdefault(p.event_id, []).append(_public_photo(p))
    timeline = [entry for e in conn.execute(_PAGE_EVENTS, {"case_id": case.id})
                if (entry := _public_step(e, by_event.get(e.id, []))) is not None]
    window = dt.timedelta(days=cfg.clocks.reopen_window_days)
    details = mask_pii(case.details)
    completed = case.state == states.State.COMPLETED and case.completed_at is not None
    return CasePublic(
        number=case.number, fiscal_year=case.fiscal_year, tracking_code=case.tracking_code,
        filed_at=case.filed_at, state=case.state, symbol=states.symbol(case.state),
        category=case.category_code,
        subject=(None if details.startswith(mask_pii(case.subject).rstrip("…"))
                 else mask_pii(case.subject)),
        details=details,
        location_text=mask_pii(case.location_text) if case.location_text else None,
        department=case.department_code, consideration=case.consideration,
        consideration_days=case.consideration_days,
        due_at=case.resolution_due_at if case.state == states.State.DISPATCHED else None,
        completed_at=case.completed_at, agency=case.agency, reopen_count=case.reopen_count,
        dispute_until=case.completed_at + window if completed else None,
        before=[_public_photo(p) for p in pictures if p.kind == "before"],
        after=[_public_photo(p) for p in pictures if p.kind == "after"],
        timeline=timeline,
        rating=case.rating, confirmed=case.confirmed,
    )


# Steps shown even without a public note: they change what the citizen sees.
_ALWAYS_SHOWN = frozenset({"file", "receive", "dispatch", "reassign", "return_to_center",
                           "complete", "reject", "refer", "reopen"})


def _public_step(event: Any, pictures: list[PublicPhoto]) -> TimelineEntry | None:
    """The public face of one event; None for internal-only steps (a progress note
    marked internal shows nothing, not even its photo)."""
    if event.trigger not in _ALWAYS_SHOWN and not event.public_note:
        return None
    data = event.data or {}
    return TimelineEntry(
        at=event.at, trigger=event.trigger, state=event.to_state,
        changed=event.from_state != event.to_state,
        note=mask_pii(event.public_note) if event.public_note else None,
        department=data.get("department") if event.trigger in ("dispatch", "reassign") else None,
        agency=data.get("agency"), photos=pictures,
    )


def public_media(session: Session, name: str) -> bool:
    """Whether a stored picture (photo or thumbnail) is one the public may see: it
    belongs to a case on the tracking table (never corruption, never spam), and is not
    the photo of a progress note kept internal."""
    stmt = (select(CasePhoto.id).join(Case, col(Case.id) == col(CasePhoto.case_id))
            .outerjoin(CaseEvent, col(CaseEvent.id) == col(CasePhoto.event_id))
            .where(sa.or_(col(CasePhoto.name) == name, col(CasePhoto.thumb) == name), *PUBLIC,
                   sa.or_(col(CasePhoto.kind) != "progress",
                          col(CaseEvent.public_note).is_not(None)))
            .limit(1))
    return session.exec(stmt).first() is not None


def fiscal_years(session: Session) -> list[int]:
    """Fiscal years that have publicly visible cases, newest first. Hops from year to
    year down the (fiscal_year, …) index: a handful of seeks, not a scan of every case."""
    conn = session.connection()
    newest = sa.select(sa.func.max(_C.fiscal_year))
    years: list[int] = []
    year = conn.execute(newest).scalar()
    while year is not None:
        shown = sa.select(_C.id).where(_C.fiscal_year == year, *PUBLIC).limit(1)
        if conn.execute(shown).first() is not None:
            years.append(int(year))
        year = conn.execute(newest.where(_C.fiscal_year < year)).scalar()
    return years


def training_examples(session: Session) -> list[tuple[str, str, str]]:
    """(text, category, department) of every case an officer has accepted, outside the
    sealed corruption track: the officer's confirmed category and department are the
    labels."""
    stmt = (select(Case.subject, Case.details, Case.category_code, Case.department_code)
            .where(col(Case.received_at).is_not(None), Case.track == "general"))
    return [(f"{subject} {details}", cat, dept or "")
            for subject, details, cat, dept in session.exec(stmt).all()]
