"""What a notice becomes: its recipients (resolved now, from today's users) and the
context its template is rendered with. Read-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from casework import numbering, states
from casework.config import Config
from casework.models import Case, CaseEvent, Notice, User


@dataclass(frozen=True)
class Draft:
    template: str
    to: tuple[str, ...]
    context: dict[str, Any]


def _emails(session: Session, *conditions: Any) -> list[str]:
    rows = session.exec(select(User.email).where(
        User.active == sa.true(), User.email.is_not(None), *conditions,  # type: ignore[union-attr]
    ).order_by(User.username)).all()
    return sorted({e for e in rows if e})


def recipients(session: Session, notice: Notice, case: Case | None) -> list[str]:
    """Today's addresses for the notice's audience. A case on the sealed corruption
    track only ever reaches the integrity officers (and its own complainant)."""
    audience = notice.audience
    if audience == "citizen":
        return [case.email] if case is not None and case.email else []
    if audience == "user":
        return _emails(session, User.username == notice.username)
    if case is not None and case.track == "corruption":
        return _emails(session, User.role == "integrity")
    dept = case.department_code if case is not None else None
    if audience == "holder":
        audience = "department" if dept else "officers"
    elif audience == "holder_supervisors":
        audience = "supervisors" if dept else "center"
    if audience == "officers":
        return _emails(session, User.role == "officer")
    center = _emails(session, User.role == "supervisor", User.department_code.is_(None))  # type: ignore[union-attr]
    if audience == "center" or dept is None:
        return center
    if audience == "department":
        return _emails(session, User.department_code == dept,
                       User.role.in_(("staff", "supervisor")))  # type: ignore[attr-defined]
    if audience == "supervisors":
        return _emails(session, User.department_code == dept, User.role == "supervisor") or center
    raise ValueError(f"unknown audience {audience!r}")


def draft(session: Session, cfg: Config, notice: Notice, base_url: str,
          survey_token: Callable[[int], str] | None = None) -> Draft:
    """Recipients and template context for `notice`. `survey_token(case_id)` signs the
    satisfaction survey's link (the web layer holds the key)."""
    case = session.get(Case, notice.case_id) if notice.case_id is not None else None
    ctx: dict[str, Any] = {"center": cfg.center, "base_url": base_url.rstrip("/"),
                           "notice": notice, "data": notice.data or {}}
    if case is not None:
        ctx.update(_case_context(cfg, case, ctx["base_url"]))
    template = notice.kind
    if notice.kind == "status":
        event = session.get(CaseEvent, (notice.data or {}).get("event"))
        ctx["event"] = event
        ctx["state_label"] = states.label_th(event.to_state) if event else ""
    elif notice.kind == "sla":
        template = "sla"
    elif notice.kind == "survey" and case is not None:
        if survey_token is None:
            raise ValueError("survey invitations need a link signer")
        ctx["survey_url"] = f"{ctx['base_url']}/survey/{survey_token(case.id or 0)}"
    elif notice.kind == "digest":
        ctx["user"] = session.exec(select(User).where(User.username == notice.username)).first()
        ctx["items"] = [_digest_item(cfg, item, ctx["base_url"])
                        for item in (notice.data or {}).get("items", [])]
    return Draft(template, tuple(recipients(session, notice, case)), ctx)


def _case_context(cfg: Config, case: Case, base_url: str) -> dict[str, Any]:
    category = cfg.categories.get(case.category_code)
    consideration = cfg.considerations.get(case.consideration or "")
    return {
        "case": case,
        "track_url": f"{base_url}/track/{case.tracking_code}",
        "staff_url": f"{base_url}/staff/cases/{case.id}",
        "filed": numbering.thai_datetime(case.filed_at),
        "category_name": category.name_th if category else case.category_code,
        "department_name": cfg.department_name(case.department_code),
        "consideration_label": consideration.label_th if consideration else "",
        "state_label": states.label_th(case.state),
        "due": {clock: numbering.thai_datetime(at) if at else ""
                for clock, at in (("ack", case.ack_due_at), ("reply", case.reply_due_at),
                                  ("resolution", case.resolution_due_at))},
    }


def _digest_item(cfg: Config, item: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {**item, "due_text": numbering.thai_datetime(dt.datetime.fromisoformat(item["due"])),
            "staff_url": f"{base_url}/staff/cases/{item['id']}"}
