"""Use cases: file a complaint, act on a case. Services flush, never commit: the
caller (a request, a CLI command, a job) owns the transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import attributes
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from casework import notices, numbering, sla
from casework import photos as photos_mod
from casework.actors import Actor, citizen
from casework.config import Config
from casework.errors import Conflict, Forbidden, Invalid, NotAllowed, NotFound
from casework.guards import GUARDS, Ctx, Effect
from casework.models import Case, CaseEvent
from casework.routing import Decision
from casework.schemas import CaseCreate, clean_text, subject_from
from casework.states import BY_TRIGGER, OPEN_STATES, State, next_state, permitted

# Built once: statement construction costs more than the insert itself.
INSERT_CASE = sa.insert(Case.__table__).returning(Case.__table__.c.id)  # type: ignore[attr-defined]
INSERT_EVENT = sa.insert(CaseEvent.__table__)  # type: ignore[attr-defined]

# Data a trigger may carry, and the longest text accepted for each text field.
TEXT_FIELDS = {"note": 5000, "reason": 2000, "agency": 200, "category": 40, "department": 40,
               "consideration": 20, "duplicate_of": 20, "photo": 100, "phone": 30}
FLAG_FIELDS = {"internal"}
INT_FIELDS = {"days"}


def invalid_from(exc: ValidationError) -> Invalid:
    fields = {".".join(str(p) for p in e["loc"]) or "input": e["msg"] for e in exc.errors()}
    listing = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return Invalid(f"invalid complaint: {listing}", fields=fields)


def file_case(
    session: Session,
    cfg: Config,
    data: CaseCreate | dict[str, Any],
    *,
    now: dt.datetime,
    by: Actor | None = None,
    suggestion: Decision | None = None,
    photos: Sequence[str | photos_mod.PhotoRef] | None = None,
) -> Case:
    """Record a new complaint with its number and tracking code, in state not_received.

    The number is taken from the category known now (the citizen's choice, else the
    router's suggestion, else `other`) and never changes afterwards. The router's
    decision is kept on the case for the officer; when it puts the complaint on the
    corruption track, the case is sealed from the start. `photos` (names of stored
    pictures, at most photos.MAX_BEFORE) are recorded as the case's 'before' photos."""
    if photos and len(photos) > photos_mod.MAX_BEFORE:
        raise Invalid(f"at most {photos_mod.MAX_BEFORE} photos", fields={"photos": "too many"})
    if not isinstance(data, CaseCreate):
        try:
            data = CaseCreate.model_validate(data)
        except ValidationError as exc:
            raise invalid_from(exc) from None
    code = data.category or (suggestion.category if suggestion else None) or "other"
    if suggestion is not None and suggestion.track == "corruption":
        code = suggestion.category
    category = cfg.categories.get(code)
    if category is None:
        raise Invalid(f"unknown category {code!r}", fields={"category": "unknown category"})
    if data.channel not in cfg.intake_channels:
        raise Invalid(f"unknown channel {data.channel!r}", fields={"channel": "unknown channel"})
    fy = numbering.fiscal_year(now)
    seq = numbering.allocate(session, fy, category.prefix)
    row = _case_row(cfg, data, code, fy, seq, now=now, by=by)
    row["suggestion"] = suggestion.as_dict() if suggestion else None
    # Filing is the hot path (SPEC B1): prebuilt Core inserts, then one load by primary
    # key gives callers a normal, session-bound Case (measured faster than the unit of
    # work or an ORM INSERT … RETURNING).
    conn = session.connection()  # Core statements skip the ORM's execute layer
    case_id = conn.execute(INSERT_CASE, row).scalar_one()
    actor = by or citizen()
    conn.execute(INSERT_EVENT, dict(
        case_id=case_id, at=now, actor=actor.username, actor_role=actor.role, trigger="file",
        from_state=None, to_state=row["state"], public_note=None, internal_note=None,
        data={"number": row["number"], "category": code, "channel": data.channel,
              **({"suggestion": row["suggestion"]} if suggestion else {})},
    ))
    case = session.get(Case, case_id)
    assert case is not None
    if photos:
        photos_mod.record(session, case_id, photos, kind="before", now=now)
    notices.for_filing(session, case, now)
    return case


def _case_row(cfg: Config, data: CaseCreate, code: str, fy: int, seq: int, *,
              now: dt.datetime, by: Actor | None) -> dict[str, Any]:
    """All columns of a newly filed case."""
    category = cfg.categories[code]
    clocks = cfg.clocks
    return dict(
        fiscal_year=fy, prefix=category.prefix, seq=seq,
        number=numbering.format_number(category.prefix, seq),
        tracking_code=numbering.new_tracking_code(),
        state=State.NOT_RECEIVED.value, track=category.track,
        category_code=code, filed_category_code=code,
        channel=data.channel, subject=data.subject or subject_from(data.details),
        details=data.details, location_text=data.location_text,
        latitude=data.latitude, longitude=data.longitude,
        first_name=data.first_name, surname=data.surname, address=data.address,
        phone=data.phone, email=data.email, copy_to_email=bool(data.email and data.copy_to_email),
        filed_by=by.username if by else None, filed_at=now, updated_at=now,
        **sla.start_clock(now, clocks.acknowledge_working_days, "working", cfg.calendar,
                          warn_share=clocks.warn_at).columns("ack"),
        **sla.start_clock(now, clocks.first_reply_days, "calendar", cfg.calendar,
                          warn_share=clocks.warn_at).columns("reply"),
        resolution_level=0, sla_round=0, reopen_count=0, version=1,
    )


def _clean_data(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if key in FLAG_FIELDS:
            out[key] = bool(value)
        elif key in INT_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise Invalid(f"{key} must be a whole number", fields={key: "not a number"})
            try:
                out[key] = int(value)
            except ValueError:
                msg = f"{key} must be a whole number"
                raise Invalid(msg, fields={key: "not a number"}) from None
        elif key in TEXT_FIELDS:
            try:
                text = clean_text(str(value))
            except ValueError as exc:
                raise Invalid(f"{key}: {exc}", fields={key: str(exc)}) from None
            if len(text) > TEXT_FIELDS[key]:
                msg = f"{key} is longer than {TEXT_FIELDS[key]} characters"
                raise Invalid(msg, fields={key: "too long"})
            if text:
                out[key] = text
        else:
            raise Invalid(f"unknown field {key!r}", fields={key: "unknown field"})
    return out


def act(
    session: Session,
    cfg: Config,
    case: Case,
    trigger: str,
    *,
    by: Actor,
    now: dt.datetime,
    expected_version: int | None = None,
    **data: Any,
) -> CaseEvent:
    """Fire `trigger` on `case` as `by`: check state, role, scope and data, apply the
    change and append one CaseEvent, all in the caller's transaction.

    Raises NotAllowed (state), Forbidden (role/scope), Invalid (data), NotFound
    (sealed case) or Conflict (someone changed the case first)."""
    if case.track == "corruption" and by.role != "integrity":
        raise NotFound("no such case", code="case_not_found")
    transition = BY_TRIGGER.get(trigger)
    if transition is None:
        raise NotAllowed(f"unknown action {trigger!r}", code="unknown_trigger", trigger=trigger)
    if expected_version is not None and case.version != expected_version:
        raise Conflict("the case was changed by someone else; reload it and try again")
    new_state = next_state(case.state, trigger)
    if not permitted(transition, case, by):
        raise Forbidden(f"{by.role} {by.username!r} may not {trigger} this case",
                        trigger=trigger, role=by.role)
    effect = GUARDS[trigger](Ctx(session, cfg, case, by, now, _clean_data(data)))
    from_state = case.state
    changes = {**_clock_stops(case, new_state, effect, now), **effect.changes}
    for column, value in changes.items():
        setattr(case, column, value)
    case.state = new_state.value
    case.updated_at = now
    # Always send the UPDATE, even when no value changed (a note at the same instant):
    # it bumps the version and checks that nobody acted in between.
    attributes.flag_modified(case, "updated_at")
    assert case.id is not None
    event = CaseEvent(
        case_id=case.id, at=now, actor=by.username, actor_role=by.role, trigger=trigger,
        from_state=from_state, to_state=case.state, public_note=effect.public_note,
        internal_note=effect.internal_note, data=effect.data,
    )
    session.add(case)
    session.add(event)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("the case was changed by someone else; reload it and try again") from None
    if effect.data.get("photo"):
        assert event.id is not None
        photos_mod.record(session, case.id, [effect.data["photo"]], now=now, event_id=event.id,
                          kind="after" if trigger == "complete" else "progress")
    notices.for_event(session, case, event, now)
    return event


def _clock_stops(case: Case, new_state: State, effect: Effect,
                 now: dt.datetime) -> dict[str, Any]:
    """Clocks this move stops: acknowledging ends when the case leaves the inbox's
    first state; the first-reply clock at the first public answer or on closing."""
    out: dict[str, Any] = {}
    if case.state == State.NOT_RECEIVED.value and new_state != State.NOT_RECEIVED:
        out.update(sla.stopped("ack"))
    closes = new_state not in OPEN_STATES
    if case.replied_at is None and (effect.public_note or closes):
        out.update(replied_at=now, **sla.stopped("reply"))
    if closes:
        out.update(sla.stopped("resolution"))
    return out
