"""create_app(settings): the FastAPI application. No work happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from casework import config as config_mod
from casework import db
from casework.errors import CaseworkError
from web.routes import public
from web.settings import Settings

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
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(public.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/track", status_code=303)

    def error_page(request: Request, status: int, message: str) -> HTMLResponse:
        return request.app.state.templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message,
                                    "center": request.app.state.cfg.center},
            status_code=status,
        )

    @app.exception_handler(CaseworkError)
    def domain_error(request: Request, exc: CaseworkError) -> HTMLResponse:
        return error_page(request, exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    def bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        return error_page(request, 422, ", ".join(str(e["loc"][-1]) for e in exc.errors()))

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        return error_page(request, exc.status_code, "" if exc.status_code == 404 else
                          str(exc.detail))

    return app
