"""Filing a complaint for a caller: an officer takes it down from the phone, a visit,
LINE, Facebook or a letter. The same service as the web form (number, tracking code,
the router's proposal), with the channel and the officer recorded on the case."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from casework import access, db, service
from casework.actors import Actor
from casework.config import Config
from casework.errors import Invalid
from casework.photos import MAX_BEFORE, PhotoRef
from casework.schemas import CaseCreate
from web import forms, security
from web.auth import current_actor, require
from web.media import PhotoError, store_photo
from web.workspace import PAGES, now, render

# Channels citizens use by themselves: an officer never files through them.
SELF_SERVICE = ("web", "open311")
router = APIRouter()
TEXT_FIELDS = ("channel", "first_name", "surname", "address", "phone", "email", "category",
               "subject", "details", "location_text")


def _channels(cfg: Config) -> list[str]:
    """Channels an officer files from: every intake channel but the web form itself."""
    return [c for c in cfg.intake_channels if c not in SELF_SERVICE]


def _sealed_category(cfg: Config) -> str | None:
    return next((c for c, cat in cfg.categories.items() if cat.track == "corruption"), None)


def _is_integrity(request: Request) -> bool:
    actor = current_actor(request)
    return actor is not None and actor.role == "integrity"


def _page(request: Request, values: dict[str, Any] | None = None,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    cfg: Config = request.app.state.cfg
    return render(request, "staff/file.html", {
        "section": "file", "form": values or {"channel": "phone"}, "errors": errors or {},
        "channels": _channels(cfg), "categories": list(cfg.categories),
        "sealed_category": _sealed_category(cfg) if _is_integrity(request) else None,
    }, status=status)


@router.get("/staff/file")
def file_form(request: Request, actor: Actor = Depends(require(*PAGES["file"]))) -> Response:
    return _page(request)


@router.post("/staff/file")
async def file_for_caller(request: Request,
                          actor: Actor = Depends(require(*PAGES["file"]))) -> Response:
    form = await forms.read_form(request, max_files=MAX_BEFORE + 2, max_fields=30)
    try:
        request.app.state.csrf.check(request, form.get(security.CSRF_FIELD))
        return await _file(request, form, actor)
    finally:
        await form.close()


async def _file(request: Request, form: FormData, actor: Actor) -> Response:
    app = request.app
    cfg: Config = app.state.cfg
    values: dict[str, Any] = {name: forms.text(form, name) for name in TEXT_FIELDS}
    values["copy_to_email"] = bool(forms.text(form, "copy_to_email"))
    data: dict[str, Any] = {k: (v or None) for k, v in values.items() if k in TEXT_FIELDS}
    data["copy_to_email"] = values["copy_to_email"]
    if actor.role == "integrity":  # the integrity desk takes corruption complaints only
        data["category"] = _sealed_category(cfg)
    errors: dict[str, str] = {}
    complaint: CaseCreate | None = None
    if data["channel"] not in _channels(cfg):
        errors["channel"] = "unknown"
    try:
        complaint = CaseCreate.model_validate(data)
    except ValidationError as exc:
        errors.update(service.invalid_from(exc).fields)
    if data["category"] and data["category"] not in cfg.categories:
        errors["category"] = "unknown"
    refs: list[PhotoRef] = []
    files = forms.uploads(form, "photos")
    if len(files) > MAX_BEFORE:
        errors["photos"] = "too_many"
    elif not errors:
        for upload in files:
            try:
                stored = await run_in_threadpool(
                    store_photo, await upload.read(), app.state.media_dir,
                    max_bytes=app.state.settings.max_upload_bytes)
            except PhotoError as exc:
                errors["photos"] = exc.code
                break
            refs.append(PhotoRef(stored.name, stored.thumb, stored.width, stored.height))
    if errors or complaint is None:
        return _page(request, values, errors, status=422)
    suggestion = app.state.suggest(f"{complaint.subject or ''} {complaint.details}",
                                   {"category": complaint.category})
    try:
        with db.transaction(app.state.engine) as s:
            case = service.file_case(s, cfg, complaint, now=now(), by=actor,
                                     suggestion=suggestion, photos=refs)
            case_id, number, visible = case.id, case.number, access.in_scope(case, actor)
    except Invalid as exc:
        return _page(request, values, exc.fields, status=422)
    if not visible:  # the router put it on the sealed track: it went to integrity
        return RedirectResponse(f"/staff/inbox?{urlencode({'done': 'sealed', 'n': number})}",
                                status_code=303)
    return RedirectResponse(f"/staff/cases/{case_id}?done=file", status_code=303)
