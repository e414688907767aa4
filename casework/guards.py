"""What each trigger needs and what it changes on the case.

One function per trigger of the transition table (states.TRANSITIONS): it validates
the data given (raising errors.Invalid / Forbidden / NotFound) and returns an
`Effect`: the column changes, the event's data and its public/internal notes.
No writes happen here; service.act applies the effect after the machine said yes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from casework import sla
from casework.actors import Actor
from casework.config import Config
from casework.errors import Forbidden, Invalid
from casework.models import Case
from casework.schemas import normalise_phone


@dataclass
class Effect:
    changes: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    public_note: str | None = None
    internal_note: str | None = None


@dataclass(frozen=True)
class Ctx:
    session: Session
    cfg: Config
    case: Case
    by: Actor
    now: dt.datetime
    data: dict[str, Any]

    def need(self, key: str, message: str) -> Any:
        value = self.data.get(key)
        if value is None or value == "":
            raise Invalid(message, fields={key: message})
        return value

    def note(self, key: str = "note") -> tuple[str | None, str | None]:
        """(public, internal) note from data[key] and data['internal']."""
        text = self.data.get(key) or None
        return (None, text) if self.data.get("internal") else (text, None)


def _category(ctx: Ctx) -> Effect:
    code = ctx.data.get("category") or ctx.case.category_code
    if code not in ctx.cfg.categories:
        raise Invalid(f"unknown category {code!r}", fields={"category": "unknown category"})
    eff = Effect(data={"category": code})
    if code != ctx.case.category_code:
        eff.changes["category_code"] = code
        eff.data["previous_category"] = ctx.case.category_code
        if ctx.cfg.categories[code].track == "corruption":
            eff.changes["track"] = "corruption"
    return eff


def receive(ctx: Ctx) -> Effect:
    eff = _category(ctx)
    eff.changes["received_at"] = ctx.now
    eff.public_note, eff.internal_note = ctx.note()
    return eff


def _department(ctx: Ctx, default: str | None) -> str:
    code = ctx.data.get("department") or default
    if not code:
        raise Invalid("a department is required", fields={"department": "required"})
    dept = ctx.cfg.departments.get(code)
    if dept is None:
        raise Invalid(f"unknown department {code!r}", fields={"department": "unknown department"})
    wanted = "integrity" if ctx.case.track == "corruption" else "department"
    if dept.kind != wanted:
        raise Invalid(f"cases cannot be dispatched to {code!r}; use refer for outside agencies",
                      fields={"department": "not a department that takes cases"})
    return str(code)


def _resolution_clock(ctx: Ctx, consideration: str, days: int | None) -> dict[str, Any]:
    klass = ctx.cfg.considerations.get(consideration)
    if klass is None:
        raise Invalid(f"unknown consideration {consideration!r}",
                      fields={"consideration": "unknown consideration"})
    n = klass.default_days if days is None else days
    if not isinstance(n, int) or not klass.min_days <= n <= klass.max_days:
        msg = f"days must be {klass.min_days}–{klass.max_days} for {consideration}"
        raise Invalid(msg, fields={"days": msg})
    clock = sla.start_clock(ctx.now, n, klass.calendar, ctx.cfg.calendar,
                            warn_share=ctx.cfg.clocks.warn_at,
                            escalate_after=ctx.cfg.clocks.escalate_after_working_days)
    return {"consideration": consideration, "consideration_days": n,
            "sla_round": ctx.case.sla_round + 1, **clock.columns("resolution")}


def dispatch(ctx: Ctx) -> Effect:
    default = ctx.cfg.categories[ctx.case.category_code].department
    dept = _department(ctx, default)
    consideration = ctx.need("consideration",
                             "a consideration (urgent, survey, normal) is required")
    if consideration == "urgent" and ctx.data.get("days") is None:
        raise Invalid("urgent cases need the number of days (1–7)", fields={"days": "required"})
    clock = _resolution_clock(ctx, consideration, ctx.data.get("days"))
    changes = {"department_code": dept, "dispatched_at": ctx.now, **clock}
    data = {"department": dept, "consideration": consideration,
            "days": clock["consideration_days"], "due": clock["resolution_due_at"].isoformat()}
    public, internal = ctx.note()
    return Effect(changes, data, public, internal)


def reassign(ctx: Ctx) -> Effect:
    dept = _department(ctx, None)
    if dept == ctx.case.department_code:
        raise Invalid("the case is already with that department",
                      fields={"department": "same department"})
    reason = ctx.need("reason", "a reason is required")
    clock = _resolution_clock(ctx, ctx.case.consideration or "normal", ctx.case.consideration_days)
    data = {"department": dept, "previous_department": ctx.case.department_code,
            "due": clock["resolution_due_at"].isoformat()}
    # dispatched_at stays the first dispatch (statistics); the clock restarts from now
    return Effect({"department_code": dept, **clock}, data,
                  internal_note=reason)


def return_to_center(ctx: Ctx) -> Effect:
    reason = ctx.need("reason", "a reason is required")
    changes = {"department_code": None, "consideration": None, "consideration_days": None,
               "resolution_warn_at": None, "resolution_due_at": None,
               "resolution_escalate_at": None, "resolution_level": 0,
               "resolution_next_at": None}
    return Effect(changes, {"previous_department": ctx.case.department_code},
                  internal_note=reason)


def complete(ctx: Ctx) -> Effect:
    note = ctx.need("note", "a resolution note is required")
    photo = ctx.data.get("photo")
    if ctx.cfg.categories[ctx.case.category_code].after_photo and not photo:
        raise Invalid("this category needs a photo of the finished work",
                      fields={"photo": "required"})
    changes = {"completed_at": ctx.now, "closed_at": ctx.now, "resolution_note": note,
               **sla.stopped("resolution")}
    return Effect(changes, {"photo": photo} if photo else {}, public_note=note)


def reject(ctx: Ctx) -> Effect:
    reason = ctx.need("reason", "a reason is required")
    if reason not in ctx.cfg.reject_reasons:
        options = ", ".join(ctx.cfg.reject_reasons)
        raise Invalid(f"reason must be one of: {options}", fields={"reason": "unknown reason"})
    changes: dict[str, Any] = {"reject_reason": reason, "closed_at": ctx.now}
    data: dict[str, Any] = {"reason": reason}
    if reason == "duplicate":
        other = _duplicate_target(ctx)
        changes["duplicate_of_id"], data["duplicate_of"] = other.id, other.number
    public, internal = ctx.note()
    return Effect(changes, data, public or ctx.cfg.reject_reasons[reason].label_th, internal)


def _duplicate_target(ctx: Ctx) -> Case:
    number = ctx.need("duplicate_of", "the number of the case this duplicates is required")
    other = ctx.session.exec(
        select(Case).where(Case.number == number).order_by(Case.fiscal_year.desc())  # type: ignore[attr-defined]
    ).first()
    if other is None or other.id == ctx.case.id or other.track != ctx.case.track:
        raise Invalid(f"no case {number!r} to mark as the original",
                      fields={"duplicate_of": "unknown case"})
    return other


def refer(ctx: Ctx) -> Effect:
    agency = ctx.need("agency", "the outside agency is required")
    note = ctx.need("note", "a note for the citizen is required")
    return Effect({"agency": agency, "closed_at": ctx.now}, {"agency": agency}, public_note=note)


def reopen(ctx: Ctx) -> Effect:
    reason = ctx.need("reason", "a reason is required")
    if ctx.by.role == "citizen":
        _check_citizen(ctx)
    clock = _resolution_clock(ctx, ctx.case.consideration or "normal", ctx.case.consideration_days)
    changes = {"completed_at": None, "closed_at": None, "reopen_count": ctx.case.reopen_count + 1,
               **clock}
    data = {"reopen_count": ctx.case.reopen_count + 1,
            "due": clock["resolution_due_at"].isoformat()}
    return Effect(changes, data, public_note=reason)


def _check_citizen(ctx: Ctx) -> None:
    try:
        phone = normalise_phone(str(ctx.data.get("phone") or ""))
    except ValueError:
        phone = ""
    if phone != ctx.case.phone:
        raise Forbidden("the phone number does not match the one on file", code="phone_mismatch")
    window = dt.timedelta(days=ctx.cfg.clocks.reopen_window_days)
    if ctx.case.completed_at is None or ctx.now - ctx.case.completed_at > window:
        raise Forbidden(f"a fix can be disputed within {window.days} days of completion",
                        code="reopen_window", days=window.days)


def progress(ctx: Ctx) -> Effect:
    ctx.need("note", "a note is required")
    public, internal = ctx.note()
    photo = ctx.data.get("photo")
    return Effect({}, {"photo": photo} if photo else {}, public, internal)


GUARDS: dict[str, Callable[[Ctx], Effect]] = {
    "receive": receive,
    "dispatch": dispatch,
    "reassign": reassign,
    "return_to_center": return_to_center,
    "complete": complete,
    "reject": reject,
    "refer": refer,
    "reopen": reopen,
    "progress": progress,
}
