"""Photos of a case: which stored pictures belong to which case and event.

The pictures themselves are stored elsewhere (by the web layer, under names made of
their content hash); here we only record their names. A photo is 'before' (sent with
the complaint), 'progress' (a staff note) or 'after' (the finished work)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from casework.errors import Invalid
from casework.models import CasePhoto

KINDS = ("before", "progress", "after")
MAX_BEFORE = 3  # photos a citizen may send with a complaint
MAX_NAME = 100
PHOTOS = CasePhoto.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PhotoRef:
    """A stored photo as the storage reported it."""

    name: str
    thumb: str
    width: int | None = None
    height: int | None = None


def thumb_of(name: str) -> str:
    """The thumbnail stored beside a photo: `ab/ab12….jpg` → `ab/ab12….thumb.jpg`."""
    stem, dot, _ext = name.rpartition(".")
    return f"{stem if dot else name}.thumb.jpg"


def as_ref(photo: str | PhotoRef) -> PhotoRef:
    return photo if isinstance(photo, PhotoRef) else PhotoRef(photo, thumb_of(photo))


def record(session: Session, case_id: int, photos: Iterable[str | PhotoRef], *, kind: str,
           now: dt.datetime, event_id: int | None = None) -> list[PhotoRef]:
    """Record photos of a case (in the caller's transaction); the same picture twice
    in one call is recorded once. Returns what was recorded."""
    if kind not in KINDS:
        raise Invalid(f"unknown photo kind {kind!r}", fields={"photo": "unknown kind"})
    refs: list[PhotoRef] = []
    for ref in map(as_ref, photos):
        if not ref.name or len(ref.name) > MAX_NAME or len(ref.thumb) > MAX_NAME:
            raise Invalid("not a stored photo name", fields={"photo": "bad name"})
        if all(r.name != ref.name for r in refs):
            refs.append(ref)
    if refs:
        session.connection().execute(sa.insert(PHOTOS), [
            dict(case_id=case_id, event_id=event_id, kind=kind, name=r.name, thumb=r.thumb,
                 width=r.width, height=r.height, created_at=now) for r in refs])
    return refs


def for_case(session: Session, case_id: int) -> list[CasePhoto]:
    """Every photo of a case, oldest first."""
    stmt = select(CasePhoto).where(CasePhoto.case_id == case_id).order_by(col(CasePhoto.id))
    return list(session.exec(stmt).all())


def for_cases(session: Session, case_ids: Sequence[int],
              kinds: Sequence[str] = ("before", "after")) -> dict[int, list[CasePhoto]]:
    """Photos of several cases at once (one query), by case id, oldest first."""
    if not case_ids:
        return {}
    stmt = (select(CasePhoto)
            .where(col(CasePhoto.case_id).in_(list(case_ids)), col(CasePhoto.kind).in_(kinds))
            .order_by(col(CasePhoto.id)))
    out: dict[int, list[CasePhoto]] = {}
    for photo in session.exec(stmt).all():
        out.setdefault(photo.case_id, []).append(photo)
    return out

