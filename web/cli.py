"""Entry point of the `casework` command: reads settings, then runs casework.cli's
commands, plus the ones that start servers."""

from __future__ import annotations

import typer

from casework.cli import Runtime, app
from web.settings import Settings


@app.callback()
def _load_settings(ctx: typer.Context) -> None:
    settings = Settings()
    ctx.obj = Runtime(
        database_url=settings.resolved_database_url(),
        config_dir=settings.config_dir,
        var_dir=settings.var_dir,
    )
    ctx.meta["settings"] = settings


@app.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option(None, "--host", help="default CASEWORK_HOST or 127.0.0.1"),
    port: int = typer.Option(None, "--port", help="default CASEWORK_PORT or 8000"),
) -> None:
    """Serve the web site."""
    import uvicorn

    from web.app import create_app

    settings: Settings = ctx.meta["settings"]
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                log_level="info")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
