"""The staff JSON API at /api/v1 (SPEC §6), with its OpenAPI schema at
/api/v1/openapi.json and a reference page at /api/v1/docs (server-rendered: the site's
content security policy runs no scripts).

* Who: the signed-in staff, by the workspace's session cookie (sign in at
  /staff/login). No session: 401; a role the endpoint is not for: 403.
* Scope, as in the workspace: the center (officers, the center's supervisors) every
  ordinary case; a department's staff and supervisor their department's cases; the
  integrity role the sealed corruption track only; administrators no cases. A case
  outside the reader's scope, and a sealed case for anyone but integrity, is 404 —
  as if it did not exist. Every look at a sealed case, allowed or refused, is logged
  (casework.access).
* Actions: the moves of the one transition table (casework.states) this person may
  make now; POST one with the case's `version`: 409 when someone acted first or the
  state no longer allows it, 403 when it is not this person's move, 422 for missing or
  bad data, 404 for an unknown case or action.
* Cross-site requests: the session cookie is SameSite=Lax, and every POST must carry
  the header `X-Requested-With: casework` and a JSON body (`Content-Type:
  application/json`). A form on another site can send neither, and a script on another
  site cannot add the header without a CORS preflight, which this API never grants.
  Without them: 403 (`csrf`) or 415.
* Errors: `{"code": "...", "message": "...", "fields": {...}}` with the status.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Coroutine
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select
from starlette.responses import HTMLResponse, JSONResponse, Response

from casework import access, db, numbering, photos, queries, queues, service, states, stats
from casework.actors import Actor
from casework.errors import CaseworkError, Invalid
from casework.models import Case, UTCDateTime
from casework.schemas import CaseStaff, CaseStaffRow, Contact, StaffEvent, StaffPhoto
from web.auth import current_actor
from web.security import Refused

CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "casework"
READERS = ("officer", "staff", "supervisor", "integrity")  # roles that read cases
EVERY_ROLE = (*READERS, "admin")
PAGE_DEFAULT, PAGE_MAX = 50, 200
TITLE = "casework staff API"
VERSION = "1"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str,
                 fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


class ErrorBody(BaseModel):
    """What every refusal carries: a stable code, a message, the fields at fault."""

    code: str
    message: str
    fields: dict[str, str] | None = None


def _error(status: int, code: str, message: str,
           fields: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(code=code, message=message, fields=fields or None)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


def error_of(exc: Exception) -> JSONResponse | None:
    """The JSON answer to an exception a route raised; None for a bug (re-raised)."""
    if isinstance(exc, ApiError):
        return _error(exc.status, exc.code, exc.message, exc.fields)
    if isinstance(exc, Invalid):
        return _error(422, exc.code, exc.message, exc.fields)
    if isinstance(exc, CaseworkError):  # NotFound 404, Forbidden 403, NotAllowed/Conflict 409
        return _error(exc.status, exc.code, exc.message)
    if isinstance(exc, RequestValidationError):
        fields = {".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]): e["msg"]
                  for e in exc.errors()}
        return _error(422, "invalid", "the request is missing or has malformed fields", fields)
    if isinstance(exc, Refused):
        response = _error(exc.status, exc.code, exc.message or exc.code)
        response.headers.update(exc.headers)
        return response
    return None


class ApiRoute(APIRoute):
    """JSON errors for every refusal of an API route (the site's handlers answer with
    HTML pages), and no caching of what carries personal data."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception as exc:
                mapped = error_of(exc)
                if mapped is None:
                    raise
                response = mapped
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return answer


router = APIRouter(prefix="/api/v1", route_class=ApiRoute, responses={
    401: {"model": ErrorBody, "description": "not signed in"},
    403: {"model": ErrorBody, "description": "this role may not do this"},
})

# For the OpenAPI document: the session cookie, and the header every POST needs.
SESSION = APIKeyCookie(name="casework_session", auto_error=False, scheme_name="session",
                       description="The staff session cookie set by signing in at /staff/login.")
CSRF = APIKeyHeader(name=CSRF_HEADER, auto_error=False, scheme_name="sameSiteHeader",
                    description=f"Required on every POST: `{CSRF_HEADER}: {CSRF_VALUE}`.")


def signed_in(*roles: str) -> Callable[..., Actor]:
    """A dependency: the signed-in staff member (web.auth) if their role is one of
    `roles`; 401 when nobody is signed in, 403 for another role."""
    allowed = frozenset(roles)

    def staff_member(request: Request, _session: str | None = Security(SESSION)) -> Actor:
        actor = current_actor(request)
        if actor is None:
            raise ApiError(401, "sign_in_required", "sign in at /staff/login first")
        if actor.role not in allowed:
            raise ApiError(403, "forbidden", f"the {actor.role} role may not use this")
        return actor

    return staff_member


def same_site(request: Request, _header: str | None = Security(CSRF)) -> None:
    """POSTs must say they come from our own scripts (see the module's docstring)."""
    if request.headers.get(CSRF_HEADER, "").strip().lower() != CSRF_VALUE:
        raise ApiError(403, "csrf", f"send the header {CSRF_HEADER}: {CSRF_VALUE}")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise ApiError(415, "unsupported_media_type", "send a JSON body (application/json)")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------- reading cases

class CasePage(BaseModel):
    items: list[CaseStaffRow]
    next: str | None = Field(description="pass as `after` for the next page; null at the end")


def _scope(actor: Actor) -> list[Any]:
    """Conditions that keep a list within what this person may read."""
    if actor.role == "integrity":
        return [Case.track == access.SEALED]
    general = [Case.track == "general"]
    if actor.role == "officer" or (actor.role == "supervisor" and actor.department is None):
        return general
    if actor.role in ("staff", "supervisor") and actor.department:
        return [*general, Case.department_code == actor.department]
    return [sa.false()]


def _row_fields(case: Case, now: dt.datetime) -> dict[str, Any]:
    assert case.id is not None
    inbox = case.state in queues.INBOX_STATES
    closed = case.state not in states.OPEN_STATES
    return dict(
        id=case.id, number=case.number, fiscal_year=case.fiscal_year, state=case.state,
        track=case.track, category=case.category_code, department=case.department_code,
        consideration=case.consideration, channel=case.channel, subject=case.subject,
        filed_at=case.filed_at,
        due_at=None if closed else (case.ack_due_at if inbox else case.resolution_due_at),
        badge=None if closed else queues.badge(case, now, "ack" if inbox else "resolution"),
        version=case.version,
    )


@router.get("/cases", response_model=CasePage, summary="Cases in my scope, newest first")
def list_cases(
    request: Request,
    state: str | None = Query(None, max_length=120,
                              description="comma list, e.g. not_received,received"),
    department: str | None = Query(None, max_length=40),
    category: str | None = Query(None, max_length=40),
    fy: int | None = Query(None, ge=2500, le=2700, description="Thai fiscal year (BE)"),
    after: str | None = Query(None, max_length=60, description="the `next` of the last page"),
    limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX),
    actor: Actor = Depends(signed_in(*READERS)),
) -> CasePage:
    """Keyset-paged (`after`), newest filed first. The center sees every ordinary case,
    a department its own, integrity the sealed track only."""
    conditions = _scope(actor)
    if state:
        wanted = {s.strip() for s in state.split(",") if s.strip()}
        unknown = wanted - {s.value for s in states.State}
        if unknown:
            raise ApiError(422, "invalid", "unknown state", {"state": ", ".join(sorted(unknown))})
        conditions.append(col(Case.state).in_(sorted(wanted)))
    if department:
        conditions.append(Case.department_code == department)
    if category:
        conditions.append(Case.category_code == category)
    if fy:
        conditions.append(Case.fiscal_year == fy)
    key = queues.decode_cursor(after)
    if key is not None:
        conditions.append(sa.tuple_(col(Case.filed_at), col(Case.id))
                          < sa.tuple_(sa.literal(key[0], UTCDateTime()), sa.literal(key[1])))
    stmt = (select(Case).where(*conditions)
            .order_by(col(Case.filed_at).desc(), col(Case.id).desc()).limit(limit + 1))
    with db.reading(request.app.state.engine) as s:
        found = list(s.exec(stmt).all())
    more = len(found) > limit
    found = found[:limit]
    now = _now()
    return CasePage(items=[CaseStaffRow(**_row_fields(c, now)) for c in found],
                    next=queues.encode_cursor(found[-1].filed_at, found[-1].id)
                    if more else None)


def _visible(request: Request, case_id: int, actor: Actor, where: str) -> Case:
    """The case if this person may read it, else 404 — a refused look at a sealed
    case is logged (and committed) first."""
    engine = request.app.state.engine
    with db.reading(engine) as s:
        case = s.get(Case, case_id)
    if case is None:
        raise ApiError(404, "case_not_found", "no such case")
    if case.track == access.SEALED:
        with db.transaction(engine) as s:
            seen = access.look(s, case, actor, _now(), where)
        if not seen:
            raise ApiError(404, "case_not_found", "no such case")
    elif not access.in_scope(case, actor):
        raise ApiError(404, "case_not_found", "no such case")
    return case


def case_staff(s: Session, case: Case, actor: Actor, now: dt.datetime) -> CaseStaff:
    """The staff view of a case this person may read."""
    assert case.id is not None
    sealed = case.track == access.SEALED
    contact = Contact(first_name=case.first_name, surname=case.surname, address=case.address,
                      phone=case.phone, email=case.email, copy_to_email=case.copy_to_email)
    return CaseStaff(
        **_row_fields(case, now),
        tracking_code=None if sealed else case.tracking_code,
        filed_category=case.filed_category_code, consideration_days=case.consideration_days,
        details=case.details, location_text=case.location_text, latitude=case.latitude,
        longitude=case.longitude, agency=case.agency, reject_reason=case.reject_reason,
        duplicate_of_id=case.duplicate_of_id, resolution_note=case.resolution_note,
        reopen_count=case.reopen_count, filed_by=case.filed_by, received_at=case.received_at,
        dispatched_at=case.dispatched_at, completed_at=case.completed_at,
        closed_at=case.closed_at, updated_at=case.updated_at, ack_due_at=case.ack_due_at,
        reply_due_at=case.reply_due_at, resolution_due_at=case.resolution_due_at,
        suggestion=case.suggestion,
        contact=contact if access.in_scope(case, actor) else None,
        events=[StaffEvent.model_validate(e, from_attributes=True)
                for e in queries.events(s, case.id)],
        photos=[StaffPhoto.model_validate(p, from_attributes=True)
                for p in photos.for_case(s, case.id)],
        actions=states.allowed(case, actor),
    )


@router.get("/cases/{case_id}", response_model=CaseStaff, summary="One case, in full",
            responses={404: {"model": ErrorBody}})
def get_case(request: Request, case_id: int = Path(ge=1, lt=2**63),
             actor: Actor = Depends(signed_in(*READERS))) -> CaseStaff:
    """The case with its contact, history (internal notes too), photos and the actions
    open to this person. 404 outside the reader's scope."""
    case = _visible(request, case_id, actor, "api:case")
    with db.reading(request.app.state.engine) as s:
        s.add(case)
        return case_staff(s, case, actor, _now())


# ---------------------------------------------------------------- acting on cases

class ActionInfo(BaseModel):
    trigger: str
    label_th: str
    label_en: str
    to_state: str
    requires: list[str] = Field(description="data the action needs (see the fields of the POST)")


class Actions(BaseModel):
    case_id: int
    state: str
    version: int = Field(description="send it back with the action")
    actions: list[ActionInfo]


@router.get("/cases/{case_id}/actions", response_model=Actions,
            summary="The actions I may take on a case now",
            responses={404: {"model": ErrorBody}})
def list_actions(request: Request, case_id: int = Path(ge=1, lt=2**63),
                 actor: Actor = Depends(signed_in(*READERS))) -> Actions:
    case = _visible(request, case_id, actor, "api:actions")
    assert case.id is not None
    infos = []
    for trigger in states.allowed(case, actor):
        t = states.BY_TRIGGER[trigger]
        infos.append(ActionInfo(trigger=trigger, label_th=t.label_th, label_en=t.label_en,
                                to_state=t.dest.value, requires=list(t.requires)))
    return Actions(case_id=case.id, state=case.state, version=case.version, actions=infos)


class ActionRequest(BaseModel):
    """The case's `version` as last read, and what the action needs (see
    GET …/actions `requires`): receive `category`?; dispatch `department`?,
    `consideration`, `days` (urgent); reassign `department`, `reason`; return_to_center
    `reason`; complete `note`; reject `reason` (duplicate, insufficient_contact,
    not_actionable, spam) and `duplicate_of` (a case number) for duplicates; refer
    `agency`, `note`; reopen `reason`; progress `note`. `internal: true` keeps a note
    from the public. Photos are sent from the case page, not through this API."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, lt=2**31)
    note: str | None = Field(None, max_length=5000)
    reason: str | None = Field(None, max_length=2000)
    agency: str | None = Field(None, max_length=200)
    category: str | None = Field(None, max_length=40)
    department: str | None = Field(None, max_length=40)
    consideration: str | None = Field(None, max_length=20)
    days: int | None = Field(None, ge=1, le=365)
    duplicate_of: str | None = Field(None, max_length=20)
    internal: bool | None = None


class ActionResult(BaseModel):
    event_id: int
    trigger: str
    state: str
    version: int
    case: CaseStaff | None = Field(
        description="the case as it is now; null when the action took it out of your scope")


@router.post("/cases/{case_id}/actions/{trigger}", response_model=ActionResult,
             summary="Take an action on a case",
             dependencies=[Depends(same_site)],
             responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody},
                        415: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def act(request: Request, body: ActionRequest, case_id: int = Path(ge=1, lt=2**63),
        trigger: str = Path(max_length=30),
        actor: Actor = Depends(signed_in(*READERS))) -> ActionResult:
    """service.act with the version you read: 409 `conflict` when the case changed
    since, 409 `bad_state` when its state does not allow this, 403 when it is not your
    move, 422 with `fields` for missing or bad data."""
    if trigger not in states.BY_TRIGGER:
        raise ApiError(404, "unknown_action", f"no action {trigger!r}")
    app = request.app
    data = body.model_dump(exclude={"version"}, exclude_none=True)
    refused = False
    with db.transaction(app.state.engine) as s:
        case = s.get(Case, case_id)
        moment = _now()
        if case is None or (case.track != access.SEALED and not access.in_scope(case, actor)):
            raise ApiError(404, "case_not_found", "no such case")
        if not access.look(s, case, actor, moment, "api:act"):
            refused = True  # the refusal is logged: commit it, then answer 404
        else:
            event = service.act(s, app.state.cfg, case, trigger, by=actor, now=moment,
                                expected_version=body.version, **data)
            assert event.id is not None
            visible = access.in_scope(case, actor)
            result = ActionResult(event_id=event.id, trigger=trigger, state=case.state,
                                  version=case.version,
                                  case=case_staff(s, case, actor, moment) if visible else None)
    if refused:
        raise ApiError(404, "case_not_found", "no such case")
    return result


# ---------------------------------------------------------------- statistics

@router.get("/stats", response_model=dict[str, Any], summary="Statistics of a fiscal year")
def statistics(request: Request,
               fy: int | None = Query(None, ge=2500, le=2700,
                                      description="Thai fiscal year (BE); default the current"),
               months: int = Query(12, description="12: the whole year; 6: October–March"),
               actor: Actor = Depends(signed_in(*EVERY_ROLE))) -> dict[str, Any]:
    """The ITA figures (casework.stats): by state, department, category, channel and
    month, SLA compliance, times, reopen rate, satisfaction; corruption as counts."""
    if months not in (6, 12):
        raise ApiError(422, "invalid", "months is 6 or 12", {"months": "6 or 12"})
    now = _now()
    period = stats.Period(fy or numbering.fiscal_year(now), months)
    with db.reading(request.app.state.engine) as s:
        return stats.compute(s, period, now).as_dict()


# ---------------------------------------------------------------- the documents

_SCHEMA: dict[str, Any] = {}


def openapi_schema() -> dict[str, Any]:
    """The OpenAPI document of this API only (the public site is not in it)."""
    if not _SCHEMA:
        doc = __doc__ or ""
        _SCHEMA.update(get_openapi(
            title=TITLE, version=VERSION, description=doc.split("\n\n", 1)[1].strip(),
            routes=[r for r in router.routes if getattr(r, "include_in_schema", False)]))
        for operations in _SCHEMA["paths"].values():
            for op in operations.values():  # the cookie AND the header, not either
                if len(op.get("security", [])) > 1:
                    op["security"] = [{k: v for req in op["security"] for k, v in req.items()}]
    return _SCHEMA


@router.get("/openapi.json", include_in_schema=False)
def openapi_document() -> JSONResponse:
    return JSONResponse(openapi_schema(), headers={"Cache-Control": "public, max-age=300"})


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """The reference, drawn from the OpenAPI document on the server (no scripts)."""
    schema = openapi_schema()
    esc = html.escape
    parts = [f"<h1>{esc(TITLE)} v{VERSION}</h1>",
             f"<pre>{esc(schema['info'].get('description', ''))}</pre>",
             '<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>'
             " (OpenAPI 3.1).</p>"]
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            parts.append(f"<h2><code>{esc(method.upper())} {esc(path)}</code></h2>"
                         f"<p><strong>{esc(op.get('summary', ''))}</strong></p>"
                         f"<p>{esc(op.get('description', ''))}</p>")
            params = op.get("parameters", [])
            if params:
                parts.append("<ul>" + "".join(
                    f"<li><code>{esc(p['name'])}</code> ({esc(p['in'])}"
                    f"{', required' if p.get('required') else ''}) "
                    f"{esc(p.get('description', ''))}</li>" for p in params) + "</ul>")
            if "requestBody" in op:
                parts.append("<p>JSON body: <code>ActionRequest</code> (see below), with the "
                             f"header <code>{CSRF_HEADER}: {CSRF_VALUE}</code>.</p>")
            codes = ", ".join(esc(str(c)) for c in op.get("responses", {}))
            parts.append(f"<p>Answers: {codes}</p>")
    parts.append("<h2>Schemas</h2>")
    for name, model in schema.get("components", {}).get("schemas", {}).items():
        fields = ", ".join(f"<code>{esc(k)}</code>" for k in model.get("properties", {}))
        parts.append(f"<h3>{esc(name)}</h3><p>{esc(model.get('description', ''))}</p>"
                     f"<p>{fields}</p>")
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<title>{esc(TITLE)}</title><link rel="stylesheet" href="/static/site.css">'
            '</head><body><main class="api-docs">' + "\n".join(parts) + "</main></body></html>")
    return HTMLResponse(page, headers={"Cache-Control": "public, max-age=300"})


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
def unknown(rest: str) -> Response:
    raise ApiError(404, "not_found", f"no such API resource: /api/v1/{rest}")
