"""The staff workspace (/staff): what its pages share and how it is wired into the app.

`PAGES` says which roles open which part of the workspace: the routes declare
`require(*PAGES[...])` and the navigation shows the same parts, so the two cannot
disagree. What a person may *do* to a case is never listed here: that comes from the
transition table (casework.states.allowed), checked again by the service layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse, Response

from casework import states
from casework.config import Config
from web import auth
from web.pages import language
from web.settings import Settings

PAGES: dict[str, tuple[str, ...]] = {
    "inbox": ("officer", "supervisor", "integrity"),  # supervisors: of the center only
    "queue": ("officer", "staff", "supervisor", "integrity"),
    "case": ("officer", "staff", "supervisor", "integrity"),
    "search": ("officer", "staff", "supervisor", "integrity"),
    "file": ("officer", "integrity"),
    "dashboard": ("supervisor",),
    "admin": ("admin",),
    "stats": ("officer", "staff", "supervisor", "integrity", "admin"),
}


class StaffError(Exception):
    """A refusal shown as a workspace error page (403, 404, …) with a message code."""

    def __init__(self, status: int, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def home_of(role: str) -> str:
    """Where a role starts its day."""
    return {"officer": "/staff/inbox", "integrity": "/staff/inbox", "staff": "/staff/queue",
            "supervisor": "/staff/dashboard", "admin": "/staff/admin/users"}.get(role, "/staff")


def render(request: Request, name: str, context: Mapping[str, Any] | None = None, *,
           status: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """A workspace page: the signed-in person and the parts of the workspace their role
    opens are known to every template; never cached (it shows personal data)."""
    user = auth.current_user(request)
    role = user.role if user is not None else None
    extra: dict[str, Any] = {}
    if request.method != "GET":  # a form's answer: switch language on the form's page
        other = "en" if language(request) == "th" else "th"
        extra["page_switch"] = f"{page_of(request)}?lang={other}"
    opens = {part for part, roles in PAGES.items() if role in roles}
    if role == "supervisor" and user is not None and user.department_code is not None:
        opens.discard("inbox")  # the center's inbox is for the center's supervisors
    return request.app.state.pages.render(
        request, name, {"user": user, "opens": opens, "section": "", **extra, **(context or {})},
        status=status, headers=headers, private=True)


def page_of(request: Request) -> str:
    """The page a posted form came from (its path, where it has one)."""
    path = request.url.path
    if "/act/" in path:  # /staff/cases/<id>/act/<trigger>
        return path.split("/act/")[0]
    if path.startswith("/staff/admin/users/"):
        return "/staff/admin/users"
    return path if path in ("/staff/login", "/staff/file", "/staff/admin/users") else "/staff"


def error(request: Request, status: int, code: str, detail: str = "",
          headers: Mapping[str, str] | None = None) -> HTMLResponse:
    return render(request, "staff/error.html", {"status": status, "code": code,
                                                "detail": detail}, status=status,
                  headers=headers)


def _filters(app: FastAPI, cfg: Config) -> None:
    """Words for codes that only the workspace shows (transition names, channels)."""
    for lang, env in app.state.pages.envs.items():
        thai = lang == "th"

        def trigger(code: str, thai: bool = thai) -> str:
            t = states.BY_TRIGGER.get(code)
            return (t.label_th if thai else t.label_en) if t else code

        def channel(code: str, thai: bool = thai) -> str:
            c = cfg.intake_channels.get(code)
            return (c.label_th if thai else c.label_en) if c else code

        def isodatetime(value: str | None, shown: Any = env.filters["datetime"]) -> str:
            return str(shown(dt.datetime.fromisoformat(value))) if value else ""

        env.filters.update(trigger=trigger, channel=channel, isodatetime=isodatetime)
        env.globals["symbol_of"] = states.symbol


def install(app: FastAPI, settings: Settings) -> None:
    """Sign-in, the workspace's routes, its error pages and template filters. Call after
    the public site is set up (it uses the same key, CSRF tokens and templates)."""
    from web.routes import dashboard, staff, staff_admin, staff_case, staff_file

    auth.install(app, app.state.secret_key, secure=settings.base_url.startswith("https://"),
                 idle=settings.session_idle_seconds, per_user=settings.login_failures,
                 per_client=settings.login_client_failures,
                 window=settings.login_failure_window)
    _filters(app, app.state.cfg)
    for module in (staff, staff_case, staff_file, dashboard, staff_admin):
        app.include_router(module.router)

    @app.exception_handler(auth.RoleRefused)
    def role_refused(request: Request, exc: auth.RoleRefused) -> Response:
        return error(request, 403, "forbidden")

    @app.exception_handler(StaffError)
    def staff_error(request: Request, exc: StaffError) -> Response:
        return error(request, exc.status, exc.code, exc.detail)
