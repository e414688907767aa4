"""The case page a tracking code opens, and what the citizen can do there once the
case is completed: confirm the fix, dispute it (reopens the case; needs the phone
number on file, within the reopen window) and rate the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from casework import db, feedback, queries, service
from casework.actors import citizen
from casework.errors import Forbidden, Invalid
from web import forms, security
from web.routes.public import SYMBOLS

router = APIRouter()
DONE = ("confirmed", "rated", "disputed")


def _page(request: Request, code: str, *, status: int = 200,
          headers: dict[str, str] | None = None, **extra: Any) -> Response:
    app = request.app
    with db.reading(app.state.engine) as s:
        case = queries.public_case(s, app.state.cfg, code)
    now = dt.datetime.now(dt.UTC)
    done = request.query_params.get("done")
    return app.state.pages.render(request, "case.html", {
        "case": case, "symbols": SYMBOLS,
        "can_dispute": case.dispute_until is not None and now <= case.dispute_until,
        "done": done if done in DONE else None, **extra,
    }, status=status, headers=headers, private=True)


@router.get("/track/{code}")
async def case_page(request: Request, code: str) -> Response:
    # async: a few indexed reads and a render are quicker done on the event loop than
    # handed to a worker thread (SPEC B5)
    return _page(request, code)


async def _posted(request: Request) -> dict[str, str]:
    form = await forms.read_form(request, max_fields=10)
    request.app.state.csrf.check(request, form.get(security.CSRF_FIELD))
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _back(code: str, done: str) -> Response:
    return RedirectResponse(f"/track/{code.strip().upper()}?done={done}#feedback",
                            status_code=303)


@router.post("/track/{code}/confirm")
async def confirm(request: Request, code: str) -> Response:
    await _posted(request)
    app = request.app
    with db.transaction(app.state.engine) as s:
        case = queries.case_by_code(s, code)
        feedback.confirm_fixed(s, case, now=dt.datetime.now(dt.UTC))
    return _back(code, "confirmed")


@router.post("/track/{code}/rate")
async def rate(request: Request, code: str) -> Response:
    posted = await _posted(request)
    app = request.app
    try:
        with db.transaction(app.state.engine) as s:
            case = queries.case_by_code(s, code)
            feedback.rate(s, case, posted.get("rating", ""), posted.get("comment") or None,
                          now=dt.datetime.now(dt.UTC))
    except Invalid as exc:
        field = next(iter(exc.fields), "rating")
        return _page(request, code, status=422, rate_error=field,
                     rating=posted.get("rating", ""), comment=posted.get("comment", ""))
    return _back(code, "rated")


@router.post("/track/{code}/dispute")
async def dispute(request: Request, code: str) -> Response:
    """The citizen says the fix did not hold: reopen with the phone on file."""
    posted = await _posted(request)
    app = request.app
    reason = posted.get("reason", "")
    try:
        app.state.limits["dispute"].hit(code.strip().upper())
        with db.transaction(app.state.engine) as s:
            case = queries.case_by_code(s, code)
            now = dt.datetime.now(dt.UTC)
            service.act(s, app.state.cfg, case, "reopen", by=citizen(), now=now,
                        phone=posted.get("phone", ""), reason=reason)
            feedback.disputed(s, case, now=now)
    except Forbidden as exc:
        return _page(request, code, status=403, dispute_error=exc.code, reason=reason)
    except Invalid as exc:
        return _page(request, code, status=422,
                     dispute_error=next(iter(exc.fields), "reason"), reason=reason)
    except security.RateLimited as exc:
        return _page(request, code, status=429, headers=exc.headers,
                     dispute_error="rate_limited", reason=reason)
    return _back(code, "disputed")
