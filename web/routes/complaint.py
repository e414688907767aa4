"""The complaint form: show it, check what was sent, store the photos, file the case,
then show the number and tracking code (post/redirect/get: reloading the result never
files twice)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from casework import db, service
from casework.photos import MAX_BEFORE, PhotoRef
from casework.schemas import CaseCreate
from web import forms, security
from web.media import PhotoError, store_photo

router = APIRouter()
TEXT_FIELDS = ("first_name", "surname", "address", "phone", "email", "category", "subject",
               "details", "location_text")
DONE_COOKIE = "filed"
DONE_MAX_AGE = 24 * 3600
MAX_FILES = 10  # more than this many file parts is not a form a person sent


@dataclass(frozen=True)
class Kept:
    """A photo stored with an earlier, refused submission of the form: offered again
    (signed, for this visitor only) so that it need not be uploaded twice."""

    token: str
    filename: str
    ref: PhotoRef


def _signer(request: Request, purpose: str) -> URLSafeTimedSerializer:
    signers = request.app.state.signers
    if purpose not in signers:
        signers[purpose] = URLSafeTimedSerializer(request.app.state.secret_key,
                                                  salt=f"casework.{purpose}")
    return signers[purpose]


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: forms.text(form, name) for name in TEXT_FIELDS}
    values["copy_to_email"] = bool(forms.text(form, "copy_to_email"))
    values["consent"] = bool(forms.text(form, "consent"))
    return values


def _render(request: Request, values: dict[str, Any] | None = None,
            errors: dict[str, str] | None = None, kept: list[Kept] | None = None,
            status: int = 200) -> Response:
    app = request.app
    return app.state.pages.render(request, "complaint.html", {
        "form": values or {}, "errors": errors or {}, "kept_photos": kept or [],
        "categories": list(app.state.cfg.categories),
        "max_upload_mb": app.state.settings.max_upload_bytes // (1024 * 1024),
    }, status=status, private=True)


@router.get("/complaint")
def complaint_form(request: Request, category: str = "") -> Response:
    """The form; `?category=` preselects a category (the corruption page links here
    with category=corruption)."""
    known = category in request.app.state.cfg.categories
    return _render(request, {"category": category} if known else None)


@router.post("/complaint")
async def file_complaint(request: Request) -> Response:
    app = request.app
    app.state.limits["complaint"].hit(security.client_key(request))
    form = await forms.read_form(request, max_files=MAX_FILES)
    try:
        app.state.csrf.check(request, form.get(security.CSRF_FIELD))
        security.check_honeypot(form)
        return await _file(request, form)
    finally:
        await form.close()


async def _file(request: Request, form: FormData) -> Response:
    app = request.app
    values = _form_values(form)
    data = {k: (v or None) for k, v in values.items() if k in TEXT_FIELDS}
    data["copy_to_email"] = values["copy_to_email"]
    errors: dict[str, str] = {}
    complaint: CaseCreate | None = None
    try:
        complaint = CaseCreate.model_validate(data)
    except ValidationError as exc:
        errors.update(service.invalid_from(exc).fields)
    if data["category"] and data["category"] not in app.state.cfg.categories:
        errors["category"] = "unknown"
    if not values["consent"]:
        errors["consent"] = "required"
    kept = _kept(request, form)
    files = forms.uploads(form, "photos")
    status = 422
    if len(kept) + len(files) > MAX_BEFORE:
        errors["photos"], files = "too_many", []
    for upload in files:
        try:
            kept.append(await _store(request, upload))
        except PhotoError as exc:
            errors["photos"], status = exc.code, exc.status
    if errors or complaint is None:
        return _render(request, values, errors, kept, status=status)
    text = f"{complaint.subject or ''} {complaint.details}"
    suggestion = app.state.suggest(text, {"category": complaint.category})
    case = _file_case(request, complaint, suggestion, [k.ref for k in kept])
    done = _signer(request, "filed").dumps({
        "number": case.number, "code": case.tracking_code, "fy": case.fiscal_year,
        "sealed": case.track != "general", "email": bool(case.copy_to_email and case.email)})
    response = RedirectResponse("/complaint/done", status_code=303)
    response.set_cookie(DONE_COOKIE, done, max_age=DONE_MAX_AGE, httponly=True,
                        samesite="lax", secure=app.state.csrf.secure, path="/complaint/done")
    return response


def _file_case(request: Request, complaint: CaseCreate, suggestion: Any,
               photos: list[PhotoRef]) -> Any:
    """One short write transaction, on the event loop: SQLite writes are serialised
    anyway, and a worker thread measured no faster (SPEC B2)."""
    app = request.app
    with db.transaction(app.state.engine) as s:
        return service.file_case(s, app.state.cfg, complaint, now=dt.datetime.now(dt.UTC),
                                 suggestion=suggestion, photos=photos)


async def _store(request: Request, upload: UploadFile) -> Kept:
    """Check, clean and store one uploaded photo (in a worker thread: Pillow is slow)."""
    settings = request.app.state.settings
    if upload.size is not None and upload.size > settings.max_upload_bytes:
        raise PhotoError(413, "too_large", "the photo is too large")
    body = await upload.read()
    stored = await run_in_threadpool(store_photo, body, request.app.state.media_dir,
                                     max_bytes=settings.max_upload_bytes)
    ref = PhotoRef(stored.name, stored.thumb, stored.width, stored.height)
    filename = (upload.filename or "photo")[-80:]
    token = _signer(request, "photo").dumps(
        [request.app.state.csrf.token(request), ref.name, ref.thumb, ref.width, ref.height,
         filename])
    return Kept(token, filename, ref)


def _kept(request: Request, form: FormData) -> list[Kept]:
    """Photos kept from an earlier submission by this visitor (forged or foreign
    tokens are ignored)."""
    out: list[Kept] = []
    for token in form.getlist("photo_keep"):
        if not isinstance(token, str):
            continue
        try:
            csrf, name, thumb, width, height, filename = _signer(request, "photo").loads(
                token, max_age=DONE_MAX_AGE)
            request.app.state.csrf.check(request, csrf)
        except (BadSignature, ValueError, TypeError, security.CsrfFailed):
            continue
        if all(k.ref.name != name for k in out):
            out.append(Kept(token, str(filename), PhotoRef(name, thumb, width, height)))
    return out[:MAX_BEFORE]


@router.get("/complaint/done")
def complaint_done(request: Request) -> Response:
    """The number and tracking code of the complaint just filed (from a signed cookie
    set by the form, so a reload shows it again and files nothing)."""
    app = request.app
    try:
        filed = _signer(request, "filed").loads(request.cookies.get(DONE_COOKIE, ""),
                                                max_age=DONE_MAX_AGE)
    except BadSignature:
        return RedirectResponse("/complaint", status_code=303)
    return app.state.pages.render(request, "filed.html", {
        "filed": filed, "base_url": str(request.base_url).rstrip("/")}, private=True)
