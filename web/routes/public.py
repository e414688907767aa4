"""Public pages: the tracking table."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from casework import db, numbering, queries, states

router = APIRouter()
LEGEND = [states.State.NOT_RECEIVED, states.State.RECEIVED, states.State.DISPATCHED,
          states.State.COMPLETED, states.State.REJECTED, states.State.REFERRED]


@router.get("/track", response_class=HTMLResponse)
def tracking_table(
    request: Request,
    fy: int | None = Query(None, ge=2500, le=2700),
    first_name: str = Query("", max_length=100),
    surname: str = Query("", max_length=100),
    after: str | None = Query(None, max_length=40),
) -> HTMLResponse:
    app = request.app
    current = numbering.fiscal_year(dt.datetime.now(dt.UTC))
    with db.reading(app.state.engine) as s:
        years = sorted(set(queries.fiscal_years(s)) | {current}, reverse=True)
        year = fy or current
        page = queries.tracking_page(s, app.state.cfg, year, first_name=first_name,
                                     surname=surname, cursor=after)
    legend = [(states.symbol(st), states.label_th(st)) for st in LEGEND]
    return app.state.templates.TemplateResponse(request, "track.html", {
        "year": year, "years": years, "page": page, "legend": legend,
        "first_name": first_name, "surname": surname, "center": app.state.cfg.center,
    })
