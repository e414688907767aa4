"""The supervisor's SLA dashboard: open cases per department by SLA badge, compliance
this month and this fiscal year, the cases that are due soon, overdue or escalated,
and a preview of tomorrow morning's digest email (rendered, not sent)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from casework import db, jobs, numbering, queues, stats
from casework.actors import Actor
from casework.config import Config
from casework.models import Notice, User
from notifications import compose
from notifications.render import Renderer
from web.auth import current_user, require
from web.workspace import PAGES, now, render

router = APIRouter()
DUE_LIST = 50
_renderer: list[Renderer] = []  # one, made on first use


def _digest(s: Session, cfg: Config, user: User, items: list[dict[str, Any]],
            moment: dt.datetime, base_url: str) -> dict[str, Any]:
    """The digest this supervisor would get today, as the outbox would render it."""
    if not _renderer:
        _renderer.append(Renderer())
    day = moment.astimezone(numbering.BANGKOK).date().isoformat()
    notice = Notice(key=f"digest:{user.username}:{day}", kind="digest", audience="user",
                    username=user.username, data={"day": day, "items": items},
                    created_at=moment, next_attempt_at=moment)
    draft = compose.draft(s, cfg, notice, base_url)
    mail = _renderer[0].render(draft.template, draft.context)
    return {"to": draft.to, "subject": mail.subject, "text": mail.text, "empty": not items}


@router.get("/staff/dashboard")
def dashboard(request: Request, actor: Actor = Depends(require(*PAGES["dashboard"]))) -> Response:
    app = request.app
    cfg: Config = app.state.cfg
    user = current_user(request)
    assert user is not None
    moment = now()
    dept = actor.department  # None: the center's head sees every department
    fy = numbering.fiscal_year(moment)
    month = stats.month_bounds(moment)
    year = stats.Period(fy).bounds
    with db.reading(app.state.engine) as s:
        counts = queues.sla_counts(s, actor, moment, dept)
        compliance = {
            "month": stats.compliance(s, *month, moment, department=dept),
            "year": stats.compliance(s, *year, moment, department=dept),
        }
        items = jobs.due_list(s, cfg, dept, moment, limit=200)
        digest = _digest(s, cfg, user, items, moment, app.state.settings.base_url)
    departments = [dept] if dept else [c for c, d in cfg.departments.items()
                                       if d.kind == "department"]
    totals = {k: sum(row.get(k, 0) for row in counts.values())
              for k in ("open", *queues.BADGES)}
    return render(request, "staff/dashboard.html", {
        "section": "dashboard", "department": dept, "departments": departments,
        "counts": counts, "totals": totals, "compliance": compliance,
        "clocks": ("resolution",) if dept else ("ack", "reply", "resolution"),
        "fiscal_year": fy, "month_start": month[0],
        "items": [{**i, "due_at": dt.datetime.fromisoformat(i["due"]),
                   "badge": queues.BADGES[i["level"]]} for i in items[:DUE_LIST]],
        "more_items": max(0, len(items) - DUE_LIST), "levels": queues.BADGES,
        "digest": digest, "digest_hour": cfg.clocks.digest_hour,
    })
