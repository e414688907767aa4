"""Rendering pages in the visitor's language.

Thai is the default and the source language: templates are written in Thai exactly
as the municipality publishes its pages, and `web/locale/en/LC_MESSAGES/messages.po`
translates them to English. The .po files are compiled in memory when the app starts
(Babel), so a fresh clone needs no build step and no compiled file can go stale.

`?lang=en` (or `lang=th`) on any page switches the language and keeps it in a cookie;
links do it, so no JavaScript is needed. Dates: Buddhist era in Thai (08 ต.ค. 2563),
Gregorian in English (08 Oct 2020); fiscal years likewise (2564 / FY 2021)."""

from __future__ import annotations

import datetime as dt
import gettext
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from casework import numbering
from casework.config import Config
from casework.states import STATE_INFO, State
from web.security import Csrf

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
LOCALES = HERE / "locale"
LANGS = ("th", "en")
DEFAULT_LANG = "th"
LANG_COOKIE = "lang"
LANG_MAX_AGE = 365 * 24 * 3600


def language(request: Request) -> str:
    """The visitor's language: ?lang=…, else the cookie, else Thai."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGS else DEFAULT_LANG


def catalog(lang: str, locales: Path = LOCALES) -> gettext.NullTranslations:
    """The compiled message catalog of a language (Thai, the source, needs none)."""
    po = locales / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANG or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        parsed = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, parsed)  # fuzzy entries are left out
    buf.seek(0)
    return Translations(fp=buf)


def translator(translations: gettext.NullTranslations) -> Callable[..., Markup]:
    """`_("ข้อความ %(name)s", name=value)` for templates, like Jinja's "newstyle" gettext:
    the message is trusted markup, the values are escaped. Translations are looked up
    once per message and kept (pages call this some 30 times each)."""
    known: dict[str, Markup] = {}

    def _(message: str, **values: Any) -> Markup:
        text = known.get(message)
        if text is None:
            text = known[message] = Markup(translations.gettext(message))
        return text % values if values else text

    return _


def _dates(lang: str) -> tuple[Callable[[Any], str], Callable[[Any], str]]:
    if lang == "th":
        return numbering.thai_date, numbering.thai_datetime

    def en_datetime(moment: dt.datetime) -> str:
        return f"{numbering.english_date(moment)} {numbering.local(moment):%H:%M}"

    return numbering.english_date, en_datetime


def environment(lang: str, cfg: Config) -> jinja2.Environment:
    """The template environment of one language: its catalog, date style and the
    words for the codes of config (states, departments, considerations, categories)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        trim_blocks=True, lstrip_blocks=True, auto_reload=False,
    )
    env.globals["_"] = translator(catalog(lang))
    thai = lang == "th"
    date, datetime = _dates(lang)

    def named(table: Mapping[str, Any], th: str, en: str) -> Callable[[str | None], str]:
        def name(code: str | None) -> str:
            item = table.get(code or "")
            return str(getattr(item, th if thai else en)) if item is not None else ""
        return name

    env.filters.update(
        date=lambda m: date(m) if m else "",
        datetime=lambda m: datetime(m) if m else "",
        fy=lambda y: str(y) if thai else str(int(y) - numbering.BE_OFFSET),
        state=lambda s: STATE_INFO[State(s)][0 if thai else 1],
        department=named(cfg.departments, "name_th", "name_en"),
        consideration=named(cfg.considerations, "label_th", "label_en"),
        category=named(cfg.categories, "name_th", "name_en"),
        reject_reason=named(cfg.reject_reasons, "label_th", "label_en"),
    )
    env.globals.update(lang=lang, center=cfg.center, channels=cfg.channels,
                       municipality=cfg.center.municipality_th if thai
                       else cfg.center.municipality_en,
                       center_name=cfg.center.name_th if thai else cfg.center.name_en)
    return env


class Pages:
    """Renders a template for a request: picks the language, adds what every page
    needs (CSRF token, the language switch), sets the cookies it implies."""

    def __init__(self, cfg: Config, csrf: Csrf, *, max_upload_mb: int = 8) -> None:
        self.envs = {lang: environment(lang, cfg) for lang in LANGS}
        for env in self.envs.values():
            env.globals["max_upload_mb"] = max_upload_mb
        self.csrf = csrf

    def render(self, request: Request, name: str, context: Mapping[str, Any] | None = None,
               *, status: int = 200, headers: Mapping[str, str] | None = None,
               private: bool = False) -> HTMLResponse:
        lang = language(request)
        other = "en" if lang == "th" else "th"
        query = {k: v for k, v in request.query_params.items() if k != "lang"}
        switch = f"{request.url.path}?{urlencode({**query, 'lang': other})}"
        html = self.envs[lang].get_template(name).render(
            request=request, csrf_token=lambda: self.csrf.token(request),
            switch_url=switch, switch_lang=other, **(context or {}))
        response = HTMLResponse(html, status_code=status, headers=headers)
        if private:  # carries a tracking code or a form token: no caching anywhere
            response.headers["Cache-Control"] = "no-store"
        if request.query_params.get("lang") in LANGS:
            response.set_cookie(LANG_COOKIE, lang, max_age=LANG_MAX_AGE, httponly=True,
                                samesite="lax", secure=self.csrf.secure)
        self.csrf.set_cookie(request, response)
        return response

    def error(self, request: Request, status: int, code: str = "", detail: str = "", *,
              fields: str = "", headers: Mapping[str, str] | None = None) -> HTMLResponse:
        """An error page in the visitor's language: a title for the status, a message
        for the error's code (see error.html), the fields at fault, or `detail` when
        there is no message for the code."""
        return self.render(request, "error.html", {
            "status": status, "code": code, "detail": detail, "fields": fields,
        }, status=status, headers=headers)
