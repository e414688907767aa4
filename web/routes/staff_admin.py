"""Administration: staff accounts (create, disable or enable, set a new password), the
departments from config (read-only), trying the router on a text, and checking the
configuration files. The administrator reads no cases."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from casework import config as config_mod
from casework import db, routing, users
from casework.actors import Actor
from casework.config import Config
from casework.errors import Invalid
from casework.models import Case, User
from web import forms, security
from web.auth import require
from web.workspace import PAGES, StaffError, render

router = APIRouter()
ADMIN = require(*PAGES["admin"])
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USER_FIELDS = ("username", "full_name", "role", "department", "email")


async def _posted(request: Request) -> dict[str, str]:
    form = await forms.read_form(request, max_fields=15, max_field_bytes=4096)
    request.app.state.csrf.check(request, form.get(security.CSRF_FIELD))
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _users_page(request: Request, *, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200,
                problem: str = "") -> Response:
    cfg: Config = request.app.state.cfg
    with db.reading(request.app.state.engine) as s:
        accounts = users.all_users(s)
    done = request.query_params.get("done")
    return render(request, "staff/admin_users.html", {
        "section": "admin", "tab": "users", "accounts": accounts, "roles": users.STAFF_ROLES,
        "departments": [c for c, d in cfg.departments.items() if d.kind == "department"],
        "form": values or {}, "errors": errors or {}, "problem": problem,
        "done": done if done in ("created", "disabled", "enabled", "password") else None,
        "who": request.query_params.get("u", "")[:60],
    }, status=status)


@router.get("/staff/admin")
def admin_home(actor: Actor = Depends(ADMIN)) -> Response:
    return RedirectResponse("/staff/admin/users", status_code=303)


@router.get("/staff/admin/users")
def user_list(request: Request, actor: Actor = Depends(ADMIN)) -> Response:
    return _users_page(request)


@router.post("/staff/admin/users")
async def user_create(request: Request, actor: Actor = Depends(ADMIN)) -> Response:
    posted = await _posted(request)
    values = {k: posted.get(k, "").strip() for k in USER_FIELDS}
    values["username"] = values["username"].lower()
    password = posted.get("password", "")
    email = values["email"] or None
    if email and (len(email) > 254 or not EMAIL.match(email)):
        return _users_page(request, values=values, errors={"email": "invalid"}, status=422)
    try:
        with db.transaction(request.app.state.engine) as s:
            users.create_user(s, request.app.state.cfg, values["username"], values["role"],
                              department=values["department"] or None, email=email,
                              password=password, full_name=values["full_name"][:200])
    except Invalid as exc:
        return _users_page(request, values=values, errors=exc.fields, status=422)
    return RedirectResponse(f"/staff/admin/users?done=created&u={values['username']}",
                            status_code=303)


@router.post("/staff/admin/users/{user_id}/active")
async def user_active(request: Request, user_id: int,
                      actor: Actor = Depends(ADMIN)) -> Response:
    """Disable an account (its sessions end at once) or enable it again."""
    posted = await _posted(request)
    active = posted.get("active") == "1"
    if user_id == actor.user_id and not active:
        return _users_page(request, status=409, problem="self")
    with db.transaction(request.app.state.engine) as s:
        user = _user(s, user_id)
        users.set_active(s, user, active)
        name = user.username
    return RedirectResponse(
        f"/staff/admin/users?done={'enabled' if active else 'disabled'}&u={name}",
        status_code=303)


@router.post("/staff/admin/users/{user_id}/password")
async def user_password(request: Request, user_id: int,
                        actor: Actor = Depends(ADMIN)) -> Response:
    """Set a new password (told to the person by the administrator); the account's
    sessions end."""
    posted = await _posted(request)
    try:
        with db.transaction(request.app.state.engine) as s:
            user = _user(s, user_id)
            users.set_password(s, user, posted.get("password", ""))
            name = user.username
    except Invalid:
        return _users_page(request, status=422, problem="password")
    return RedirectResponse(f"/staff/admin/users?done=password&u={name}", status_code=303)


def _user(s: Any, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise StaffError(404, "not_found")
    return user  # type: ignore[no-any-return]


@router.get("/staff/admin/departments")
def departments(request: Request, actor: Actor = Depends(ADMIN)) -> Response:
    """The departments of config/departments.toml with their people and open cases
    (read-only: departments change by editing config and restarting)."""
    cfg: Config = request.app.state.cfg
    c = Case.__table__.c  # type: ignore[attr-defined]
    with db.reading(request.app.state.engine) as s:
        people: dict[str | None, int] = dict(s.exec(  # type: ignore[arg-type]
            select(User.department_code, sa.func.count()).where(User.active == sa.true())
            .group_by(User.department_code)).all())
        open_cases: dict[str | None, int] = dict(s.connection().execute(  # type: ignore[arg-type]
            sa.select(c.department_code, sa.func.count())
            .where(c.state == "dispatched").group_by(c.department_code)).all())
    categories: dict[str, list[str]] = {}
    for code, cat in cfg.categories.items():
        categories.setdefault(cat.department, []).append(code)
    return render(request, "staff/admin_departments.html", {
        "section": "admin", "tab": "departments", "departments": cfg.departments,
        "people": people, "open_cases": open_cases, "categories": categories,
    })


@router.get("/staff/admin/router")
def try_router(request: Request, text: str = Query("", max_length=5000),
               category: str = Query("", max_length=40),
               actor: Actor = Depends(ADMIN)) -> Response:
    """The router's decision on a text typed here, with its reasons: what an officer
    would see proposed for such a complaint."""
    cfg: Config = request.app.state.cfg
    decision = None
    if text.strip():
        hints = {"category": category} if category in cfg.categories else {}
        decision = request.app.state.suggest(text, hints)
    return render(request, "staff/admin_router.html", {
        "section": "admin", "tab": "router", "text": text, "category": category,
        "categories": list(cfg.categories), "decision": decision,
        "has_rules": request.app.state.suggest.rules is not None,
        "has_model": request.app.state.suggest.model is not None,
    })


@router.get("/staff/admin/config")
def config_check(request: Request, actor: Actor = Depends(ADMIN)) -> Response:
    """The files under the config folder as they are now on disk: every problem with
    file and line, or what they hold. The running site keeps what it loaded at start."""
    folder = request.app.state.settings.config_dir
    problems: list[config_mod.Problem] = []
    summary: dict[str, int] = {}
    try:
        cfg = config_mod.load(folder)
        summary = {"departments": len(cfg.departments), "categories": len(cfg.categories),
                   "considerations": len(cfg.considerations),
                   "channels": len(cfg.intake_channels), "holidays": len(cfg.extra_holidays)}
        rules_path = folder / "routing.toml"
        if rules_path.exists():
            summary["rules"] = len(routing.load_rules(rules_path, cfg).rules)
    except config_mod.ConfigError as exc:
        problems = exc.problems
    running: Config = request.app.state.cfg
    changed = not problems and cfg != running
    return render(request, "staff/admin_config.html", {
        "section": "admin", "tab": "config", "folder": str(folder), "problems": problems,
        "summary": summary, "changed": changed,
    })
