"""Statistics pages (ITA items: service statistics, complaint statistics, satisfaction,
corruption complaints as counts only): the public summary at /stats, the staff page at
/staff/stats with its CSV export, and the printable 6- and 12-month report."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from casework import db, numbering, queries, stats
from casework.actors import Actor
from casework.config import Config
from web import charts, pages
from web.auth import require

router = APIRouter()
STAFF = ("officer", "staff", "supervisor", "integrity", "admin")


def _period(fy: int | None, months: int) -> stats.Period:
    year = fy or numbering.fiscal_year(dt.datetime.now(dt.UTC))
    return stats.Period(year, 6 if months == 6 else 12)


def _figures(request: Request, period: stats.Period) -> tuple[stats.Stats, list[int]]:
    app = request.app
    now = dt.datetime.now(dt.UTC)
    with db.reading(app.state.engine) as s:
        figures = stats.compute(s, period, now)
        years = sorted(set(queries.fiscal_years(s)) | {numbering.fiscal_year(now),
                                                       period.fiscal_year}, reverse=True)
    return figures, years


def _name(cfg: Config, lang: str, kind: str, code: str) -> str:
    thai = lang == "th"
    if kind == "department":
        if code == "center":
            return cfg.center.name_th if thai else cfg.center.name_en
        d = cfg.departments.get(code)
        return (d.name_th if thai else d.name_en) if d else code
    if kind == "category":
        c = cfg.categories.get(code)
        return (c.name_th if thai else c.name_en) if c else code
    ch = cfg.intake_channels.get(code)
    return (ch.label_th if thai else ch.label_en) if ch else code


def _context(request: Request, figures: stats.Stats, years: list[int]) -> dict[str, Any]:
    cfg: Config = request.app.state.cfg
    lang = pages.language(request)
    months = list(figures.by_month.items())
    month_names = numbering.month_names(lang)
    by_dept = sorted(figures.by_department.items(), key=lambda kv: -kv[1])
    by_cat = sorted(figures.by_category.items(), key=lambda kv: -kv[1])
    named = {
        "department": [(_name(cfg, lang, "department", k), v) for k, v in by_dept],
        "category": [(_name(cfg, lang, "category", k), v) for k, v in by_cat],
        "channel": [(_name(cfg, lang, "channel", k), v)
                    for k, v in sorted(figures.by_channel.items(), key=lambda kv: -kv[1])],
    }
    month_points = [(month_names[int(m[5:])], v) for m, v in months]
    return {
        "figures": figures, "d": figures.as_dict(), "years": years, "named": named,
        "months": [(m, month_names[int(m[5:])], v) for m, v in months],
        "month_points": month_points,
        # the SVG escapes every label itself: safe to place as markup
        "columns": lambda points, title: Markup(charts.columns(points, title=title)),
        "bars": lambda items, title: Markup(charts.bars(items, title=title)),
    }


@router.get("/stats")
def public_stats(request: Request, fy: int | None = Query(None, ge=2500, le=2700),
                 months: int = Query(12)) -> Response:
    figures, years = _figures(request, _period(fy, months))
    return request.app.state.pages.render(request, "stats.html", {
        **_context(request, figures, years), "staff": False})


@router.get("/staff/stats")
def staff_stats(request: Request, fy: int | None = Query(None, ge=2500, le=2700),
                months: int = Query(12), actor: Actor = Depends(require(*STAFF))) -> Response:
    figures, years = _figures(request, _period(fy, months))
    return request.app.state.pages.render(request, "stats.html", {
        **_context(request, figures, years), "staff": True, "actor": actor}, private=True)


@router.get("/staff/report")
def report(request: Request, fy: int | None = Query(None, ge=2500, le=2700),
           months: int = Query(6), actor: Actor = Depends(require(*STAFF))) -> Response:
    """The 6- or 12-month complaint summary as a printable page (ITA)."""
    figures, years = _figures(request, _period(fy, months))
    return request.app.state.pages.render(request, "report.html", {
        **_context(request, figures, years), "printed": dt.datetime.now(dt.UTC),
        "actor": actor}, private=True)


@router.get("/staff/stats.csv")
def stats_csv(request: Request, fy: int | None = Query(None, ge=2500, le=2700),
              months: int = Query(12), actor: Actor = Depends(require(*STAFF))) -> Response:
    """Every figure as rows of (section, item, value), UTF-8 with a BOM for Excel."""
    period = _period(fy, months)
    figures, _years = _figures(request, period)
    cfg: Config = request.app.state.cfg
    d = figures.as_dict()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "item", "value"])
    w.writerow(["period", "fiscal_year", period.fiscal_year])
    w.writerow(["period", "months", period.months])
    w.writerow(["total", "complaints", d["total"]])
    for section, key, kind in (("state", "by_state", None), ("department", "by_department",
                               "department"), ("category", "by_category", "category"),
                               ("channel", "by_channel", "channel"), ("month", "by_month", None)):
        for code, n in d[key].items():
            w.writerow([section, _name(cfg, "th", kind, code) if kind else code, n])
    for clock, c in d["compliance"].items():
        for k in ("met", "breached", "running", "rate"):
            w.writerow([f"compliance_{clock}", k, "" if c[k] is None else c[k]])
    for step, t in d["times"].items():
        for k in ("count", "median_hours", "p90_hours"):
            w.writerow([f"time_to_{step}", k, "" if t[k] is None else t[k]])
    w.writerow(["reopen", "completed", d["completed"]])
    w.writerow(["reopen", "reopened", d["reopened"]])
    w.writerow(["reopen", "rate", "" if d["reopen_rate"] is None else d["reopen_rate"]])
    sat = d["satisfaction"]
    for k in ("responses", "mean", "response_rate"):
        w.writerow(["satisfaction", k, "" if sat[k] is None else sat[k]])
    for k, n in sat["distribution"].items():
        w.writerow(["satisfaction_rating", k, n])
    w.writerow(["corruption", "total", d["corruption"]["total"]])
    name = f"casework-stats-{period.fiscal_year}-{period.months}m.csv"
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})
