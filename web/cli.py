"""Entry point of the `casework` command: reads settings, then runs casework.cli's
commands, plus the ones that start servers."""

from __future__ import annotations

import datetime as dt

import typer

from casework import db, jobs
from casework.cli import Runtime, app, emit_json, friendly, rt
from casework.numbering import BANGKOK
from web.settings import Settings


@app.callback()
def _load_settings(ctx: typer.Context) -> None:
    settings = Settings()
    ctx.obj = Runtime(
        database_url=settings.resolved_database_url(),
        config_dir=settings.config_dir,
        var_dir=settings.var_dir,
        base_url=settings.base_url,
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


@app.command()
def worker(ctx: typer.Context) -> None:
    """Run the scheduler without the web site: SLA scan, outbox, daily digest."""
    import logging
    import signal
    import threading

    from web import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    r = rt(ctx)
    sched = scheduler.build(ctx.meta["settings"], r.engine, r.cfg)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    sched.start()
    typer.echo("casework worker: SLA scan every minute, outbox every 30 s; Ctrl-C stops")
    stop.wait()
    sched.shutdown()


sla_app = typer.Typer(help="SLA clocks: scan for due and overdue cases, the digest.",
                      no_args_is_help=True)
app.add_typer(sla_app, name="sla")


def _moment(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not an ISO date-time: {value!r}", param_hint="--now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BANGKOK)


@sla_app.command("scan")
@friendly
def sla_scan(ctx: typer.Context,
             at: str = typer.Option(None, "--now", help="ISO date-time (default: now; "
                                    "without a zone: Bangkok time)"),
             as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Flag clocks that warned, fell due or escalated; queue one notice for each."""
    r = rt(ctx)
    with db.transaction(r.engine) as s:
        result = jobs.scan(s, _moment(at)).as_dict()
    if as_json:
        emit_json(result)
    else:
        typer.echo(" ".join(f"{k}={v}" for k, v in result.items()))


@sla_app.command("digest")
@friendly
def sla_digest(ctx: typer.Context,
               at: str = typer.Option(None, "--now", help="ISO date-time (default: now)"),
               as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Queue today's digest for every supervisor with cases due soon or overdue."""
    r = rt(ctx)
    with db.transaction(r.engine) as s:
        queued = jobs.digest(s, r.cfg, _moment(at))
    if as_json:
        emit_json({"queued": queued})
    else:
        typer.echo(f"queued={queued}")


outbox_app = typer.Typer(help="The outbox of notices waiting to be mailed.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("send")
@friendly
def outbox_send(ctx: typer.Context,
                at: str = typer.Option(None, "--now", help="ISO date-time (default: now)"),
                as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Deliver every notice that is due now; prints sent, retried, dead, skipped."""
    import asyncio

    from web import mail

    r = rt(ctx)
    box = mail.outbox(ctx.meta["settings"], r.engine, r.cfg)
    result = asyncio.run(box.send_pending(_moment(at) if at else None)).as_dict()
    if as_json:
        emit_json(result)
    else:
        typer.echo(" ".join(f"{k}={v}" for k, v in result.items()))


@outbox_app.command("list")
@friendly
def outbox_list(ctx: typer.Context,
                status: str = typer.Option(None, "--status",
                                           help="pending, sending, sent, dead or skipped"),
                limit: int = typer.Option(50, "--limit", min=1, max=10_000),
                as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """The newest notices with their delivery state."""
    from notifications.outbox import listing

    r = rt(ctx)
    with db.reading(r.engine) as s:
        rows = listing(s, status=status, limit=limit)
    if as_json:
        emit_json([{"id": n.id, "key": n.key, "kind": n.kind, "status": n.status,
                    "attempts": n.attempts, "case_id": n.case_id,
                    "created_at": n.created_at.isoformat(), "sent_to": n.sent_to,
                    "last_error": n.last_error} for n in rows])
        return
    for n in rows:
        detail = n.sent_to or n.last_error or ""
        typer.echo(f"{n.id:>6}  {n.status:<8} {n.attempts:>2}  {n.kind:<10} {n.key:<40} {detail}")
    if not rows:
        typer.echo("no notices")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
