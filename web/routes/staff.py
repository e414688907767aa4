"""The staff workspace's front door and lists: sign-in and sign-out, the triage inbox
with the router's proposal and possible duplicates, a department's queue by due date,
finding a case by number or tracking code, and filing a complaint for a caller."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from casework import access, db, numbering, queues, states, users
from casework.actors import Actor
from casework.config import Config
from casework.models import Case
from web import auth, forms, security
from web.auth import require
from web.routes.staff_forms import choices
from web.workspace import PAGES, StaffError, home_of, now, render

router = APIRouter()
INBOX_PAGE = 25
QUEUE_PAGE = 50
DUPLICATE_CANDIDATES = 100  # per inbox row: the newest of the category in the window
BADGES = queues.BADGES


# ---------------------------------------------------------------- signing in and out

def _login_page(request: Request, *, status: int = 200, username: str = "",
                problem: str = "", headers: dict[str, str] | None = None) -> Response:
    return render(request, "staff/login.html", {
        "username": username, "problem": problem,
        "next": auth.safe_next(request.query_params.get("next")) or "",
        "done": request.query_params.get("done") == "out",
    }, status=status, headers=headers)


@router.get("/staff/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/staff/login")
async def login(request: Request) -> Response:
    app = request.app
    form = await forms.read_form(request, max_fields=10, max_field_bytes=4096)
    app.state.csrf.check(request, form.get(security.CSRF_FIELD))
    username = forms.text(form, "username").strip().lower()[:60]
    password = forms.text(form, "password")
    target = auth.safe_next(forms.text(form, "next"))
    client = security.client_key(request)
    limits: auth.LoginLimits = app.state.login_limits
    try:
        limits.check(username, client)
    except security.RateLimited as exc:
        return _login_page(request, status=429, username=username, problem="locked",
                           headers=exc.headers)
    if not username or not password:
        return _login_page(request, status=422, username=username, problem="missing")
    # argon2 takes a good part of a second of CPU: off the event loop
    user = await run_in_threadpool(_authenticate, request, username, password)
    if user is None:
        limits.failed(username, client)
        return _login_page(request, status=401, username=username, problem="wrong")
    limits.succeeded(username)
    response = RedirectResponse(target or home_of(user.role), status_code=303)
    app.state.sessions.set(response, app.state.sessions.value(user))
    return response


def _authenticate(request: Request, username: str, password: str) -> Any:
    with db.transaction(request.app.state.engine) as s:
        user = users.authenticate(s, username, password)
        if user is not None:
            users.signed_in(s, user, now())
        return user


@router.post("/staff/logout")
async def logout(request: Request) -> Response:
    form = await forms.read_form(request, max_fields=5)
    request.app.state.csrf.check(request, form.get(security.CSRF_FIELD))
    response = RedirectResponse("/staff/login?done=out", status_code=303)
    request.app.state.sessions.clear(response)
    return response


@router.get("/staff")
def staff_home(request: Request) -> Response:
    actor = auth.current_actor(request)
    if actor is None:
        return RedirectResponse("/staff/login", status_code=303)
    return RedirectResponse(home_of(actor.role), status_code=303)


# ---------------------------------------------------------------- the triage inbox

def _center_only(actor: Actor) -> None:
    if actor.role == "supervisor" and actor.department is not None:
        raise auth.RoleRefused(actor)


@router.get("/staff/inbox")
def inbox(request: Request, after: str | None = Query(None, max_length=60),
          actor: Actor = Depends(require(*PAGES["inbox"]))) -> Response:
    """Cases waiting for the center, oldest first, each with the router's proposal, the
    cases it may duplicate, and the moves open to this person right there."""
    _center_only(actor)
    cfg: Config = request.app.state.cfg
    moment = now()
    with db.reading(request.app.state.engine) as s:
        page = queues.inbox(s, actor, moment, cursor=after, limit=INBOX_PAGE)
        rows = [_triage_row(s, cfg, r, actor) for r in page.rows]
    return render(request, "staff/inbox.html", {
        "section": "inbox", "rows": rows, "next_cursor": page.next_cursor, "first": not after,
        "done": request.query_params.get("done"), "number": request.query_params.get("n"),
    })


def _triage_row(s: Session, cfg: Config, row: queues.Row, actor: Actor) -> dict[str, Any]:
    case = row.case
    # a case not yet received is checked for duplicates here (a short look: the case
    # page looks further); a received one has been looked at already
    dups = (queues.duplicates(s, case, limit=3, candidates=DUPLICATE_CANDIDATES)
            if case.state == "not_received" else [])
    return {"case": case, "badge": row.badge, "suggestion": case.suggestion or {},
            "duplicates": dups,
            "actions": states.allowed(case, actor), "choices": choices(cfg, case)}


# ---------------------------------------------------------------- a department's queue

def _queue_department(cfg: Config, actor: Actor, asked: str | None) -> str:
    """The department whose queue this person sees: their own (staff, a department's
    supervisor), the integrity desk (integrity), or the one asked for (the center)."""
    if actor.role == "integrity":
        own: str | None = next((c for c, d in cfg.departments.items() if d.kind == "integrity"),
                               None)
    elif actor.role == "staff" or (actor.role == "supervisor" and actor.department):
        own = actor.department
    else:
        own = None
    if own is not None:
        if asked and asked != own:
            raise auth.RoleRefused(actor)
        return own
    takes = [c for c, d in cfg.departments.items() if d.kind == "department"]
    if asked and asked not in takes:
        raise StaffError(404, "department_not_found")
    return asked or takes[0]


@router.get("/staff/queue")
def department_queue(
    request: Request,
    department: str | None = Query(None, max_length=40),
    badge: str | None = Query(None, max_length=20),
    consideration: str | None = Query(None, max_length=20),
    after: str | None = Query(None, max_length=60),
    actor: Actor = Depends(require(*PAGES["queue"])),
) -> Response:
    """The department's dispatched cases, earliest due first, with SLA badges; filter by
    badge and consideration; keyset-paged (`after`)."""
    cfg: Config = request.app.state.cfg
    dept = _queue_department(cfg, actor, department or None)
    badge = badge if badge in BADGES else None
    consideration = consideration if consideration in cfg.considerations else None
    with db.reading(request.app.state.engine) as s:
        page = queues.department_queue(s, actor, dept, now(), badge_filter=badge,
                                       consideration=consideration, cursor=after,
                                       limit=QUEUE_PAGE)
    departments = ([dept] if actor.role in ("staff", "integrity") or actor.department
                   else [c for c, d in cfg.departments.items() if d.kind == "department"])
    return render(request, "staff/queue.html", {
        "section": "queue", "page": page, "department": dept, "departments": departments,
        "badge": badge or "", "badges": BADGES, "consideration": consideration or "",
        "considerations": list(cfg.considerations), "first": not after,
        "done": request.query_params.get("done"), "number": request.query_params.get("n"),
    })


# ---------------------------------------------------------------- finding a case

@router.get("/staff/search")
def search(request: Request, q: str = Query("", max_length=40),
           actor: Actor = Depends(require(*PAGES["search"]))) -> Response:
    """A case by its number (ฟ./020, any fiscal year, newest first) or tracking code:
    one hit the person may open goes straight to it."""
    found: list[Case] = []
    text = q.strip()
    with db.reading(request.app.state.engine) as s:
        if text:
            found = [c for c in _find(s, text) if access.in_scope(c, actor)]
    if len(found) == 1:
        return RedirectResponse(f"/staff/cases/{found[0].id}", status_code=303)
    return render(request, "staff/search.html", {"section": "search", "q": text,
                                                 "found": found})


def _find(s: Session, text: str) -> list[Case]:
    code = text.upper()
    if numbering.looks_like_tracking_code(code):
        return list(s.exec(select(Case).where(Case.tracking_code == code)).all())
    number = numbering.normalise_number(text)
    if number is None:
        return []
    lo, hi = s.connection().execute(
        sa.select(sa.func.min(Case.fiscal_year), sa.func.max(Case.fiscal_year))).one()
    if lo is None:
        return []
    years = list(range(int(lo), int(hi) + 1))  # few: then the (fiscal_year, number) index
    stmt = (select(Case).where(col(Case.fiscal_year).in_(years), Case.number == number)
            .order_by(col(Case.fiscal_year).desc()).limit(20))
    return list(s.exec(stmt).all())

