"""The `casework` command line (Typer). Settings arrive in a `Runtime` put on the
Typer context by the entry point (web/cli.py), so this module never reads the
environment."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
import typer
from rich.console import Console

from casework import config as config_mod
from casework import db, numbering, queries, routing, service, states, users
from casework.errors import CaseworkError
from casework.models import Case, CaseEvent

app = typer.Typer(help="casework: complaint case management", no_args_is_help=True,
                  pretty_exceptions_enable=False)
user_app = typer.Typer(help="Staff accounts", no_args_is_help=True)
config_app = typer.Typer(help="Configuration files", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(config_app, name="config")
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Runtime:
    database_url: str
    config_dir: Path
    var_dir: Path
    base_url: str = "http://127.0.0.1:8000"
    _engine: sa.Engine | None = field(default=None, repr=False)
    _cfg: config_mod.Config | None = field(default=None, repr=False)

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = db.make_engine(self.database_url)
        return self._engine

    @property
    def cfg(self) -> config_mod.Config:
        if self._cfg is None:
            self._cfg = config_mod.load(self.config_dir)
        return self._cfg

    @property
    def rules_path(self) -> Path:
        return self.config_dir / "routing.toml"

    @property
    def model_path(self) -> Path:
        return self.var_dir / "models" / "router.joblib"

    def model(self) -> Any:
        """The trained model (`casework route train`), else the starter model, else None."""
        from casework import suggester

        cats = self.cfg.categories
        return suggester.load_model(self.config_dir, self.var_dir,
                                    {c.code: c.department for c in cats.values()}, cats)

    def suggest(self, text: str, hints: dict[str, Any]) -> routing.Decision | None:
        """The router's decision, with the model; None when no routing rules are
        configured."""
        if not self.rules_path.exists():
            return None
        rules = routing.load_rules(self.rules_path, self.cfg)
        return routing.route(text, hints, rules=rules, model=self.model())


def rt(ctx: typer.Context) -> Runtime:
    obj = ctx.find_root().obj
    if not isinstance(obj, Runtime):
        raise RuntimeError("the casework CLI must be started through its entry point")
    return obj


def friendly(fn: F) -> F:
    """Domain and config errors end the command with exit code 1 and one line."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CaseworkError as exc:
            err.print(f"error: {exc.message}", markup=False)
            raise typer.Exit(1) from None
        except config_mod.ConfigError as exc:
            err.print(f"configuration error:\n{exc}", markup=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def emit_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


@app.command()
@friendly
def init(ctx: typer.Context) -> None:
    """Create or upgrade the database and load departments and categories from config."""
    r = rt(ctx)
    cfg = r.cfg
    db.migrate(r.database_url)
    with db.transaction(r.engine) as s:
        db.sync_config(s, cfg)
    out.print(f"database ready: {len(cfg.departments)} departments, "
              f"{len(cfg.categories)} categories")


@config_app.command("check")
def config_check(ctx: typer.Context) -> None:
    """Validate the files in config/; list every problem with file, line and key."""
    r = rt(ctx)
    try:
        cfg = config_mod.load(r.config_dir)
    except config_mod.ConfigError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(1) from None
    try:
        rules = routing.load_rules(r.rules_path, cfg)
    except config_mod.ConfigError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(1) from None
    out.print(f"{r.config_dir}: OK ({len(cfg.departments)} departments, "
              f"{len(cfg.categories)} categories, {len(cfg.considerations)} considerations, "
              f"{len(rules.rules)} routing rules)")


@user_app.command("add")
@friendly
def user_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="user name for signing in"),
    role: str = typer.Option(..., "--role", help=", ".join(users.STAFF_ROLES)),
    department: str | None = typer.Option(None, "--department"),
    email: str | None = typer.Option(None, "--email"),
    password: str | None = typer.Option(None, "--password"),
    full_name: str = typer.Option("", "--full-name"),
) -> None:
    """Add a staff account."""
    r = rt(ctx)
    with db.transaction(r.engine) as s:
        u = users.create_user(s, r.cfg, name, role, department=department, email=email,
                              password=password, full_name=full_name)
    scope = f", {u.department_code}" if u.department_code else ""
    out.print(f"added {u.username} ({u.role}{scope})")


def case_json(case: Case, cfg: config_mod.Config, evts: list[CaseEvent] | None = None) -> dict:
    def iso(v: dt.datetime | None) -> str | None:
        return v.isoformat() if v else None

    obj: dict[str, Any] = {
        "number": case.number, "fiscal_year": case.fiscal_year,
        "tracking_code": case.tracking_code, "state": case.state,
        "state_label": states.label_th(case.state), "symbol": states.symbol(case.state),
        "track": case.track, "category": case.category_code,
        "department": case.department_code, "consideration": case.consideration,
        "consideration_days": case.consideration_days, "channel": case.channel,
        "subject": case.subject, "details": case.details,
        "filed_at": iso(case.filed_at), "filed_date_th": numbering.thai_date(case.filed_at),
        "due": {"acknowledge": iso(case.ack_due_at), "first_reply": iso(case.reply_due_at),
                "resolution": iso(case.resolution_due_at)},
        "reopen_count": case.reopen_count, "version": case.version,
        "suggestion": case.suggestion,
    }
    if evts is not None:
        obj["events"] = [
            {"at": iso(e.at), "actor": e.actor, "role": e.actor_role, "trigger": e.trigger,
             "from": e.from_state, "to": e.to_state, "public_note": e.public_note,
             "internal_note": e.internal_note, "data": e.data} for e in evts
        ]
    return obj


@app.command("file")
@friendly
def file_cmd(
    ctx: typer.Context,
    first_name: str = typer.Option(..., "--first-name"),
    surname: str = typer.Option(..., "--surname"),
    phone: str = typer.Option(..., "--phone"),
    address: str = typer.Option(..., "--address"),
    details: str = typer.Option(..., "--details"),
    subject: str | None = typer.Option(None, "--subject"),
    email: str | None = typer.Option(None, "--email"),
    category: str | None = typer.Option(None, "--category"),
    channel: str = typer.Option("phone", "--channel"),
    location: str | None = typer.Option(None, "--location"),
    by: str | None = typer.Option(None, "--as", help="the officer filing it"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """File a complaint (an officer filing for a caller, or an import)."""
    r = rt(ctx)
    data = {"first_name": first_name, "surname": surname, "phone": phone, "address": address,
            "details": details, "subject": subject, "email": email, "category": category,
            "channel": channel, "location_text": location, "copy_to_email": bool(email)}
    suggestion = r.suggest(f"{subject or ''} {details}", {"category": category})
    with db.transaction(r.engine) as s:
        actor = users.actor(users.get_user(s, by)) if by else None
        case = service.file_case(s, r.cfg, data, now=now(), by=actor, suggestion=suggestion)
    if as_json:
        emit_json(case_json(case, r.cfg))
    else:
        out.print(f"{case.number}  {states.symbol(case.state)} {states.label_th(case.state)}  "
                  f"tracking code {case.tracking_code}  (FY {case.fiscal_year})")


@app.command()
@friendly
def show(
    ctx: typer.Context,
    number: str,
    fy: int | None = typer.Option(None, "--fy", help="fiscal year (BE); default newest"),
    as_user: str | None = typer.Option(None, "--as", help="the staff user looking (needed "
                                       "for corruption cases: integrity only, logged)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show a case with its whole history."""
    from casework import access
    from casework.actors import Actor

    r = rt(ctx)
    with db.transaction(r.engine) as s:
        case = queries.case_by_number(s, number, fy)
        who = (users.actor(users.get_user(s, as_user)) if as_user
               else Actor("command-line", "admin"))
        allowed = access.look(s, case, who, now(), "cli show")
        evts = queries.events(s, case.id or 0) if allowed else []
    if not allowed:
        raise access.refused()
    if as_json:
        emit_json(case_json(case, r.cfg, evts))
        return
    print_case(case, evts, r.cfg)


def print_case(case: Case, evts: list[CaseEvent], cfg: config_mod.Config) -> None:
    klass = cfg.considerations.get(case.consideration or "")
    out.print(f"[bold]{case.number}[/bold] (ปีงบประมาณ {case.fiscal_year})  "
              f"{states.symbol(case.state)} {states.label_th(case.state)}")
    out.print(f"เรื่อง: {case.subject}", markup=False)
    out.print(f"หมวด: {cfg.categories[case.category_code].name_th}   "
              f"หน่วยงาน: {cfg.department_name(case.department_code) or '-'}   "
              f"พิจารณา: {klass.label_th if klass else '-'}", markup=False)
    dues = [("รับเรื่องภายใน", case.ack_due_at), ("ตอบผู้ร้องภายใน", case.reply_due_at),
            ("แล้วเสร็จภายใน", case.resolution_due_at)]
    out.print("   ".join(f"{k}: {numbering.thai_date(v)}" for k, v in dues if v), markup=False)
    out.print("ประวัติการดำเนินการ:")
    for e in evts:
        moved = f"{states.symbol(e.from_state)} → " if e.from_state else ""
        label = (states.BY_TRIGGER[e.trigger].label_th if e.trigger in states.BY_TRIGGER
                 else "ยื่นเรื่อง")
        line = (f"  {numbering.thai_datetime(e.at)}  {e.actor} ({e.actor_role})  {label}  "
                f"{moved}{states.symbol(e.to_state)} {states.label_th(e.to_state)}")
        if e.public_note:
            line += f"\n      บันทึก: {e.public_note}"
        if e.internal_note:
            line += f"\n      บันทึกภายใน: {e.internal_note}"
        out.print(line, markup=False)


@app.command("act")
@friendly
def act_cmd(
    ctx: typer.Context,
    number: str,
    trigger: str = typer.Argument(..., help=", ".join(states.TRIGGERS)),
    by: str = typer.Option(..., "--as", help="user name of the person acting"),
    fy: int | None = typer.Option(None, "--fy"),
    category: str | None = typer.Option(None, "--category"),
    department: str | None = typer.Option(None, "--department"),
    consideration: str | None = typer.Option(None, "--consideration"),
    days: int | None = typer.Option(None, "--days"),
    note: str | None = typer.Option(None, "--note"),
    reason: str | None = typer.Option(None, "--reason"),
    agency: str | None = typer.Option(None, "--agency"),
    duplicate_of: str | None = typer.Option(None, "--duplicate-of"),
    internal: bool = typer.Option(False, "--internal", help="the note is for staff only"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Act on a case: receive, dispatch, complete, reject, refer, reopen, …"""
    r = rt(ctx)
    data: dict[str, Any] = {
        "category": category, "department": department, "consideration": consideration,
        "days": days, "note": note, "reason": reason, "agency": agency,
        "duplicate_of": duplicate_of, "internal": internal or None}
    with db.transaction(r.engine) as s:
        actor = users.actor(users.get_user(s, by))
        case = queries.case_by_number(s, number, fy)
        event = service.act(s, r.cfg, case, trigger, by=actor, now=now(), **data)
    if as_json:
        emit_json({**case_json(case, r.cfg), "event": {"trigger": event.trigger,
                   "from": event.from_state, "to": event.to_state, "data": event.data}})
    else:
        out.print(f"{case.number}: {trigger}  {states.symbol(event.from_state or '')} → "
                  f"{states.symbol(case.state)} {states.label_th(case.state)}")


@app.command()
@friendly
def demo(
    ctx: typer.Context,
    cases: int = typer.Option(400, "--cases", min=0, max=1_000_000),
    seed: int = typer.Option(2563, "--seed"),
    if_empty: bool = typer.Option(False, "--if-empty", help="do nothing if cases exist"),
) -> None:
    """Create demo staff accounts and N synthetic Thai cases over two fiscal years."""
    from rich.progress import Progress

    from casework import demo as demo_mod

    r = rt(ctx)
    with db.transaction(r.engine) as s:
        accounts = demo_mod.ensure_users(s, r.cfg)
        existing = s.scalar(sa.select(sa.func.count()).select_from(Case)) or 0
    if if_empty and existing:
        out.print(f"{existing} cases already in the database: no demo cases added")
    elif cases:
        with Progress(console=err) as bar:
            task = bar.add_task("filing demo cases", total=cases)
            demo_mod.populate(lambda: db.transaction(r.engine), r.cfg, cases, now=now(),
                              seed=seed, progress=lambda k: bar.advance(task, k))
        out.print(f"added {cases} demo cases")
    out.print(f"staff sign-in: {r.base_url.rstrip('/')}/staff/login", markup=False)
    out.print("demo sign-ins (password for all: "
              f"[bold]{demo_mod.DEMO_PASSWORD}[/bold]):")
    for name, role, dept, _created in accounts:
        out.print(f"  {name:<12} {role:<10} {dept or ''}", markup=False)


@app.command("route")
@friendly
def route_cmd(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar='TEXT | eval FILE.csv | train',
                                     help='a complaint text; "eval FILE.csv"; or "train"'),
    as_json: bool = typer.Option(False, "--json"),
    from_csv: Path | None = typer.Option(None, "--from-csv",
                                         help="train from a CSV with text and category"),
    no_model: bool = typer.Option(False, "--no-model", help="rules only"),
    no_examples: bool = typer.Option(
        False, "--no-examples",
        help="train on the officers' cases only, without config/routing_examples.csv"),
) -> None:
    """Suggest where a complaint goes, measure the router, or train its model."""
    from casework import evaluation

    r = rt(ctx)
    rules = routing.load_rules(r.rules_path, r.cfg)
    if args[0] == "train" and len(args) == 1:
        _train(r, from_csv, with_examples=not no_examples)
        return
    model = None if no_model else r.model()
    if args[0] == "eval" and len(args) == 2:
        rows = evaluation.read_csv(Path(args[1]))
        from rich.progress import Progress

        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("routing", total=len(rows))
            report = evaluation.evaluate(
                rows, lambda t: routing.route(t, rules=rules, model=model),
                progress=lambda k: bar.advance(task, k))
        if as_json:
            emit_json(report)
        else:
            for line in evaluation.format_report(report):
                out.print(line, markup=False)
        return
    decision = routing.route(" ".join(args), rules=rules, model=model)
    if as_json:
        emit_json(decision.as_dict())
        return
    cfg = r.cfg
    where = decision.agency or cfg.department_name(decision.department)
    out.print(f"{decision.category} ({cfg.categories[decision.category].name_th}) → {where}  "
              f"[{decision.decided_by}, confidence {decision.confidence:.2f}]"
              + ("  corruption track" if decision.track == "corruption" else "")
              + ("  urgent" if decision.urgent else "")
              + ("  procurement" if decision.procurement else ""), markup=False)
    for reason in decision.reasons:
        out.print(f"  - {reason}", markup=False)


def _train(r: Runtime, from_csv: Path | None, with_examples: bool) -> None:
    from casework import evaluation, suggester

    defaults = {c.code: c.department for c in r.cfg.categories.values()}
    examples: list[tuple[str, str]] = []
    if from_csv:
        rows = evaluation.read_csv(from_csv)
        examples = [(row["text"], suggester.label((row.get("category") or "").strip(),
                                                  (row.get("department") or "").strip(), defaults))
                    for row in rows if (row.get("category") or "").strip() in r.cfg.categories]
        source = str(from_csv)
    else:
        with db.reading(r.engine) as s:
            examples = [(t, suggester.label(c, d, defaults))
                        for t, c, d in queries.training_examples(s)]
        source = f"{len(examples)} officer-confirmed cases"
        path = r.config_dir / suggester.EXAMPLES_FILE
        if with_examples and path.exists():
            texts, labels = suggester.read_examples(path, defaults, r.cfg.categories)
            examples += zip(texts, labels, strict=True)
            source += f" and {len(texts)} examples of {path.name}"
    if len({lab.split(suggester.SEP)[0] for _, lab in examples}) < 2:
        err.print(f"error: not enough labelled examples in {source} "
                  f"({len(examples)}, need two categories or more)", markup=False)
        raise typer.Exit(1)
    with err.status(f"training on {len(examples)} examples"):
        model = suggester.Suggester.train([t for t, _ in examples], [c for _, c in examples])
    model.save(r.model_path)
    cats = {c.split(suggester.SEP)[0] for c in model.classes}
    out.print(f"trained on {len(examples)} examples ({len(cats)} categories) "
              f"from {source}; saved {r.model_path}")


@app.command("stats")
@friendly
def stats_cmd(
    ctx: typer.Context,
    fy: int = typer.Option(None, "--fy", help="Thai fiscal year, e.g. 2569 (default: current)"),
    months: int = typer.Option(12, "--months", help="12 (the year) or 6 (October–March)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Complaint statistics for a fiscal year (the ITA's service and complaint figures)."""
    from casework import stats

    r = rt(ctx)
    if months not in (6, 12):
        raise typer.BadParameter("6 or 12", param_hint="--months")
    period = stats.Period(fy or numbering.fiscal_year(now()), months)
    with db.reading(r.engine) as s:
        figures = stats.compute(s, period, now())
    if as_json:
        emit_json(figures.as_dict())
        return
    d = figures.as_dict()
    out.print(f"สถิติเรื่องร้องทุกข์ ปีงบประมาณ {period.fiscal_year}"
              + (" (6 เดือนแรก)" if months == 6 else "") + f": {d['total']} เรื่อง")
    for st, n in sorted(d["by_state"].items(), key=lambda kv: -kv[1]):
        out.print(f"  {states.symbol(st)} {states.label_th(st)}: {n}", markup=False)
    for title, key, name in (("หน่วยงาน", "by_department", r.cfg.department_name),
                             ("ประเภท", "by_category",
                              lambda c: r.cfg.categories[c].name_th
                              if c in r.cfg.categories else c)):
        out.print(f"{title}:")
        for code, n in sorted(d[key].items(), key=lambda kv: -kv[1]):
            out.print(f"  {name(code) or 'ศูนย์รับเรื่องร้องทุกข์'}: {n}", markup=False)
    clocks = {"ack": "รับเรื่อง", "reply": "แจ้งผลผู้ร้อง", "resolution": "แก้ไขแล้วเสร็จ"}
    for clock, c in d["compliance"].items():
        rate = f"{c['rate']:.1%}" if c["rate"] is not None else "–"
        out.print(f"ทันกำหนด{clocks[clock]}: {rate}  (ทัน {c['met']}, เกิน {c['breached']}, "
                  f"ยังไม่ครบกำหนด {c['running']})")
    steps = {"receive": "รับเรื่อง", "dispatch": "ส่งการ", "complete": "แล้วเสร็จ"}
    for name, t in d["times"].items():
        if t["count"]:
            out.print(f"เวลาจนถึง{steps[name]}: มัธยฐาน {t['median_hours']:.1f} ชม., "
                      f"P90 {t['p90_hours']:.1f} ชม. ({t['count']} เรื่อง)")
    sat = d["satisfaction"]
    out.print(f"ความพึงพอใจ: เฉลี่ย {sat['mean'] or '–'} จาก {sat['responses']} คำตอบ; "
              f"เปิดเรื่องใหม่ {d['reopened']} จาก {d['completed']} เรื่องที่เสร็จ")
    out.print(f"เรื่องร้องเรียนการทุจริต: {d['corruption']['total']} เรื่อง")


@app.command("import")
@friendly
def import_cmd(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="UTF-8 CSV: first_name, surname, phone, address, "
                                "details; optional subject, email, category, channel, "
                                "location_text, filed_at (ISO; Bangkok time if no zone)"),
    by: str | None = typer.Option(None, "--as", help="the officer importing"),
    channel: str = typer.Option("letter", "--channel", help="channel of rows without one"),
    check: bool = typer.Option(False, "--check", help="only validate; import nothing"),
) -> None:
    """Import complaints from a CSV file: all rows or, if any is bad, none."""
    from rich.progress import Progress

    from casework import importer

    r = rt(ctx)
    rows, problems = importer.read(path, r.cfg, default_channel=channel)
    if problems:
        for problem in problems[:50]:
            err.print(str(problem), markup=False)
        more = " (first 50 shown)" if len(problems) > 50 else ""
        err.print(f"error: {len(problems)} bad rows{more}; nothing imported", markup=False)
        raise typer.Exit(1)
    if check:
        out.print(f"{len(rows)} rows are fine; nothing imported (--check)")
        return
    with db.reading(r.engine) as s:
        actor = users.actor(users.get_user(s, by)) if by else None
    rules = routing.load_rules(r.rules_path, r.cfg) if r.rules_path.exists() else None
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("importing", total=len(rows))
        numbers = importer.load(lambda: db.transaction(r.engine), r.cfg, rows, now=now(),
                                by=actor, rules=rules,
                                progress=lambda n: bar.advance(task, n))
    out.print(f"imported {len(numbers)} complaints"
              + (f": {numbers[0]} … {numbers[-1]}" if numbers else ""))


@app.command("backup")
@friendly
def backup_cmd(
    ctx: typer.Context,
    to: Path | None = typer.Option(None, "--to", help="file to write (default "
                                   "var/backups/casework-<UTC time>.db or .dump)"),
) -> None:
    """Copy the database while the app runs (SQLite backup API, or pg_dump)."""
    from casework import backup

    r = rt(ctx)
    target = to or backup.default_target(r.var_dir / "backups", r.database_url, now())
    try:
        written = backup.backup(r.database_url, target)
    except backup.BackupError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    out.print(f"backup written: {written} ({written.stat().st_size:,} bytes); copy "
              f"{r.var_dir / 'media'} alongside it for the photos")
