"""One case in the workspace: its full history (public and internal notes), photos, the
due dates of its clocks, and a form for each move the transition table allows this
person now. Every form carries the case's version: if someone else acted first, the
page comes back with 409 and the case as it is now, never half a change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from casework import access, db, photos, queries, queues, service, states
from casework.actors import Actor
from casework.config import Config
from casework.errors import Conflict, Forbidden, Invalid, NotAllowed, NotFound
from casework.models import Case, CasePhoto
from web import auth, forms, security
from web.auth import require
from web.media import PhotoError, media_path, store_photo
from web.routes.staff_forms import FIELDS, WITH_PHOTO, action_data, choices
from web.workspace import PAGES, StaffError, home_of, now, render

router = APIRouter()
BACK = {"inbox": "/staff/inbox", "queue": "/staff/queue"}


@dataclass(frozen=True)
class ClockView:
    name: str  # ack, reply, resolution
    due: dt.datetime
    warn: dt.datetime | None
    escalate: dt.datetime | None
    stopped: dt.datetime | None  # when the clock stopped (met or missed), else None
    status: str  # on_time, due_soon, overdue, escalated (running); met, missed (stopped)


def clocks(case: Case, moment: dt.datetime) -> list[ClockView]:
    """The case's clocks as they stand: running ones with their SLA badge, stopped ones
    with whether they were met."""
    stops = {"ack": (None if case.state == "not_received"
                     else case.received_at or case.closed_at),
             "reply": case.replied_at,
             "resolution": case.completed_at if case.state == "completed" else None}
    out = []
    for name in ("ack", "reply", "resolution"):
        due = getattr(case, f"{name}_due_at")
        if due is None:
            continue
        stopped = stops[name]
        status = (("met" if stopped <= due else "missed") if stopped is not None
                  else queues.badge(case, moment, name))
        out.append(ClockView(name, due, getattr(case, f"{name}_warn_at"),
                             case.resolution_escalate_at if name == "resolution" else None,
                             stopped, status))
    return out


def _load(request: Request, case_id: int, actor: Actor, where: str) -> Case:
    """The case, if this person may see it: a sealed one only for integrity (every look
    logged, a refusal looks like no case at all), others within their scope (403)."""
    engine = request.app.state.engine
    with db.reading(engine) as s:
        case = s.get(Case, case_id)
    if case is None:
        raise StaffError(404, "case_not_found")
    if case.track == access.SEALED:
        with db.transaction(engine) as s:
            seen = access.look(s, case, actor, now(), where)
        if not seen:
            raise StaffError(404, "case_not_found")
    elif not access.in_scope(case, actor):
        raise auth.RoleRefused(actor)
    return case


def case_context(s: Session, cfg: Config, case: Case, actor: Actor,
                 moment: dt.datetime) -> dict[str, Any]:
    assert case.id is not None
    pictures = photos.for_case(s, case.id)
    by_event: dict[int, list[CasePhoto]] = {}
    for p in pictures:
        if p.event_id is not None:
            by_event.setdefault(p.event_id, []).append(p)
    original = s.get(Case, case.duplicate_of_id) if case.duplicate_of_id else None
    return {
        "case": case, "events": queries.events(s, case.id), "by_event": by_event,
        "before": [p for p in pictures if p.kind == "before"],
        "after": [p for p in pictures if p.kind == "after"],
        "clocks": clocks(case, moment), "actions": states.allowed(case, actor),
        "choices": choices(cfg, case), "original": original,
        "duplicates": (queues.duplicates(s, case) if case.state in queues.INBOX_STATES else []),
    }


def case_page(request: Request, case_id: int, actor: Actor, *, status: int = 200,
              where: str = "staff:case", **extra: Any) -> Response:
    case = _load(request, case_id, actor, where)
    with db.reading(request.app.state.engine) as s:
        s.add(case)
        context = case_context(s, request.app.state.cfg, case, actor, now())
    done = request.query_params.get("done")
    return render(request, "staff/case.html", {
        "section": "case", "done": done if done in FIELDS or done == "file" else None, "form": {},
        **context, **extra}, status=status)


@router.get("/staff/cases/{case_id}")
def case_detail(request: Request, case_id: int,
                actor: Actor = Depends(require(*PAGES["case"]))) -> Response:
    return case_page(request, case_id, actor)


@router.post("/staff/cases/{case_id}/act/{trigger}")
async def act(request: Request, case_id: int, trigger: str,
              actor: Actor = Depends(require(*PAGES["case"]))) -> Response:
    """One move of the transition table on one case, from a form of the case page or
    the inbox. 303 back on success; 409 with the case as it is now when someone else
    acted first; 422 with the form and its messages; 403 when not this person's move."""
    if trigger not in FIELDS:
        raise StaffError(404, "not_found")
    form = await forms.read_form(request, max_files=1 if trigger in WITH_PHOTO else 0,
                                 max_fields=20)
    try:
        request.app.state.csrf.check(request, form.get(security.CSRF_FIELD))
        data = action_data(form, trigger)
        version = _version(form)
        back = forms.text(form, "back")
        try:
            photo = await _photo(request, form) if trigger in WITH_PHOTO else None
            if photo:
                data["photo"] = photo
            result = _apply(request, case_id, trigger, actor, version, data)
        except Invalid as exc:
            values = {k: v for k, v in data.items() if k != "photo"}
            return case_page(request, case_id, actor, status=422, form={
                "trigger": trigger, "values": values, "errors": exc.fields})
        except (Conflict, NotAllowed) as exc:
            code = "conflict" if isinstance(exc, Conflict) else exc.code
            return case_page(request, case_id, actor, status=409, problem=code,
                             tried=trigger)
        except Forbidden:
            raise auth.RoleRefused(actor) from None
        except NotFound:
            raise StaffError(404, "case_not_found") from None
    finally:
        await form.close()
    number, visible = result
    if back in BACK or not visible:
        target = BACK.get(back) or home_of(actor.role)
        return RedirectResponse(f"{target}?{urlencode({'done': trigger, 'n': number})}",
                                status_code=303)
    return RedirectResponse(f"/staff/cases/{case_id}?done={trigger}#history", status_code=303)


def _version(form: FormData) -> int:
    try:
        version = int(forms.text(form, "version"))
    except ValueError:
        raise StaffError(400, "bad_form", "the form has no case version") from None
    if not 0 < version < 2**31:
        raise StaffError(400, "bad_form", "the form has no case version")
    return version


async def _photo(request: Request, form: FormData) -> str | None:
    """Store the photo sent with a progress note or completion; its media name."""
    files = forms.uploads(form, "photo")
    if not files:
        return None
    upload = files[0]
    limit = request.app.state.settings.max_upload_bytes
    if upload.size is not None and upload.size > limit:
        raise Invalid("the photo is too large", fields={"photo": "too_large"})
    body = await upload.read()
    try:
        stored = await run_in_threadpool(store_photo, body, request.app.state.media_dir,
                                         max_bytes=limit)
    except PhotoError as exc:
        raise Invalid(exc.message, fields={"photo": exc.code}) from None
    return stored.name


def _apply(request: Request, case_id: int, trigger: str, actor: Actor, version: int,
           data: dict[str, Any]) -> tuple[str, bool]:
    """service.act in one write transaction: (case number, may this person still see
    the case). A sealed case's refusal is logged and committed before the 404."""
    app = request.app
    refused, outcome = False, ("", False)
    with db.transaction(app.state.engine) as s:
        case = s.get(Case, case_id)
        if case is None:
            raise StaffError(404, "case_not_found")
        moment = now()
        if not access.look(s, case, actor, moment, "staff:act"):
            refused = True
        else:
            service.act(s, app.state.cfg, case, trigger, by=actor, now=moment,
                        expected_version=version, **data)
            outcome = (case.number, access.in_scope(case, actor))
    if refused:
        raise StaffError(404, "case_not_found")
    return outcome


@router.get("/staff/media/{name:path}", include_in_schema=False)
def media(request: Request, name: str,
          actor: Actor = Depends(require(*PAGES["case"]))) -> Response:
    """A photo or thumbnail of a case this person may see (sealed cases' too, for
    integrity), never cached by shared caches."""
    try:
        path = media_path(request.app.state.media_dir, name)
    except PhotoError:
        raise StaffError(404, "not_found") from None
    with db.reading(request.app.state.engine) as s:
        owners = s.exec(select(Case).join(CasePhoto, col(CasePhoto.case_id) == col(Case.id))
                        .where((col(CasePhoto.name) == name) | (col(CasePhoto.thumb) == name))
                        .limit(20)).all()
    if not any(access.in_scope(c, actor) for c in owners):
        raise StaffError(404, "not_found")
    return FileResponse(path, headers={"Cache-Control": "private, max-age=86400"})

