"""Public pages: the home page with the complaint channels, the tracking table, and
the photos of published cases."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from casework import db, numbering, queries, states
from casework.errors import NotFound
from web.media import PhotoError, media_path

router = APIRouter()
LEGEND = [states.State.NOT_RECEIVED, states.State.RECEIVED, states.State.DISPATCHED,
          states.State.COMPLETED, states.State.REJECTED, states.State.REFERRED]
SYMBOLS = {s.value: states.symbol(s) for s in states.State}
# Photos are named by their content: a name never changes what it shows.
MEDIA_CACHE = "public, max-age=31536000, immutable"


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    return request.app.state.pages.render(request, "home.html")


@router.get("/corruption")
def corruption(request: Request) -> Response:
    """The separate channel for corruption complaints, with its guideline (config)."""
    return request.app.state.pages.render(request, "corruption.html", {
        "corruption": request.app.state.cfg.corruption})


@router.get("/track")
def tracking_table(
    request: Request,
    fy: int | None = Query(None, ge=2500, le=2700),
    first_name: str = Query("", max_length=100),
    surname: str = Query("", max_length=100),
    q: str = Query("", max_length=40),
    after: str | None = Query(None, max_length=40),
) -> Response:
    """The table as published, for one fiscal year. `q` is a case number (shows that
    row) or a tracking code (opens the case's page)."""
    app = request.app
    current = numbering.fiscal_year(dt.datetime.now(dt.UTC))
    year = fy or current
    code = q.strip().upper()
    number = numbering.normalise_number(q) if q.strip() else None
    with db.reading(app.state.engine) as s:
        if numbering.looks_like_tracking_code(code):
            try:
                queries.case_by_code(s, code)
            except NotFound:
                pass
            else:
                return RedirectResponse(f"/track/{code}", status_code=303)
        years = sorted(set(queries.fiscal_years(s)) | {current, year}, reverse=True)
        if q.strip() and number is None:
            page = queries.Page([], None)  # neither a number nor a known code
        else:
            page = queries.tracking_page(s, year, first_name=first_name, surname=surname,
                                         number=number, cursor=after)
    return app.state.pages.render(request, "track.html", {
        "year": year, "years": years, "page": page, "legend": LEGEND, "symbols": SYMBOLS,
        "first_name": first_name, "surname": surname, "q": q,
    })


@router.get("/media/{name:path}", include_in_schema=False)
def media(request: Request, name: str) -> Response:
    """A photo or thumbnail of a published case (never of a sealed or spam one)."""
    app = request.app
    try:
        path = media_path(app.state.media_dir, name)
    except PhotoError:
        raise NotFound("no such photo", code="not_found") from None
    with db.reading(app.state.engine) as s:
        if not queries.public_media(s, name):
            raise NotFound("no such photo", code="not_found")
    return FileResponse(path, headers={"Cache-Control": MEDIA_CACHE})
