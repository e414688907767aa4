"""create_app(settings): the FastAPI application. No work happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from casework import config as config_mod
from casework import db
from casework.errors import CaseworkError
from casework.photos import MAX_BEFORE
from web import workspace
from web.pages import Pages
from web.routes import api, case_page, complaint, open311, public, survey
from web.routes import stats as stats_routes
from web.security import BodyLimit, Csrf, RateLimiter, Refused, SecurityHeaders
from web.settings import Settings
from web.suggestions import Suggest

HERE = Path(__file__).resolve().parent


def _lifespan(settings: Settings, engine: sa.Engine,
              cfg: config_mod.Config) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Runs the scheduler (SLA scan, outbox, digest) while the app serves, if enabled."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sched = None
        if settings.scheduler:
            from web import scheduler

            sched = scheduler.build(settings, engine, cfg)
            sched.start()
            app.state.scheduler = sched
        try:
            yield
        finally:
            if sched is not None:
                sched.shutdown(wait=False)
            engine.dispose()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    cfg = config_mod.load(settings.config_dir)  # refuses to start on a bad config
    engine = db.make_engine(settings.resolved_database_url())
    app = FastAPI(title="casework", docs_url=None, redoc_url=None,
                  lifespan=_lifespan(settings, engine, cfg))
    app.state.settings = settings
    app.state.cfg = cfg
    app.state.engine = engine
    _public_site(app, settings, cfg)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(public.router)
    app.include_router(complaint.router)
    app.include_router(case_page.router)
    app.include_router(survey.router)
    app.include_router(stats_routes.router)
    app.include_router(open311.router)  # /open311/v2: Open311 GeoReport v2
    app.include_router(api.router)  # /api/v1: the staff JSON API, docs at /api/v1/docs
    workspace.install(app, settings)  # /staff: sign-in, inbox, queues, case pages, admin
    # Outermost last: headers on every response; request bodies capped before parsing.
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes(settings))
    app.add_middleware(SecurityHeaders)

    # One place where errors become pages, in the visitor's language.
    def error_page(request: Request, status: int, code: str = "", detail: str = "",
                   **extra: Any) -> HTMLResponse:
        return request.app.state.pages.error(request, status, code, detail, **extra)

    @app.exception_handler(CaseworkError)
    def domain_error(request: Request, exc: CaseworkError) -> HTMLResponse:
        return error_page(request, exc.status, exc.code, exc.message)

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> HTMLResponse:
        return error_page(request, exc.status, exc.code, exc.message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    def bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return error_page(request, 422, "invalid", fields=fields)

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        code = "not_found" if exc.status_code == 404 else ""
        return error_page(request, exc.status_code, code, str(exc.detail),
                          headers=exc.headers)

    return app


def max_body_bytes(settings: Settings) -> int:
    """The largest request accepted: the photos of one complaint plus its text."""
    return settings.max_upload_bytes * MAX_BEFORE + 1024 * 1024


def _public_site(app: FastAPI, settings: Settings, cfg: config_mod.Config) -> None:
    """What the public pages share: the key that signs forms, CSRF tokens, rate limits,
    templates in Thai and English, the photo folder and the router's suggestions."""
    secret = settings.resolved_secret_key()
    csrf = Csrf(secret, secure=settings.base_url.startswith("https://"))
    app.state.secret_key = secret
    app.state.signers = {}  # itsdangerous serializers by purpose, made on first use
    app.state.csrf = csrf
    app.state.pages = Pages(cfg, csrf, max_upload_mb=settings.max_upload_bytes // 2**20)
    app.state.media_dir = settings.resolved_media_dir()
    app.state.limits = {
        "complaint": RateLimiter(settings.complaint_rate_limit, settings.complaint_rate_window),
        "dispute": RateLimiter(settings.dispute_rate_limit, settings.dispute_rate_window),
    }
    app.state.suggest = Suggest(settings.config_dir, settings.var_dir, cfg)
