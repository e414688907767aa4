"""Shared helpers for the benchmarks: input data, fresh databases, actors, formatting."""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import pstats
import random
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from casework import config as config_mod
from casework import db
from casework.actors import Actor
from casework.config import Config
from casework.demo_data import synthetic_complaints

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NOW = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # Monday 10:00 in Bangkok, FY 2569
OFFICER = Actor("officer1", "officer")
ENG_STAFF = Actor("eng1", "staff", "engineering")


def load_config() -> Config:
    return config_mod.load(CONFIG_DIR)


def complaints(cfg: Config, n: int, *, seed: int = 1,
               department: str | None = None) -> list[dict[str, Any]]:
    """`n` realistic Thai complaints as `file_case` input dicts. Categories come from
    the config (general track only, optionally one department's); details carry a
    running reference so no two are identical."""
    pool = [code for code, c in cfg.categories.items()
            if c.track == "general" and (department is None or c.department == department)]
    rng = random.Random(seed)
    out = []
    for i, c in enumerate(synthetic_complaints(n, seed)):
        category = c.category if c.category in pool else rng.choice(pool)
        out.append({
            "first_name": c.first_name, "surname": c.surname, "phone": c.phone,
            "address": c.address, "email": c.email, "subject": c.subject,
            "details": f"{c.details} (อ้างอิง {seed}-{i + 1})", "category": category,
            "channel": c.channel if c.channel in cfg.intake_channels else "web",
            "location_text": c.location_text,
        })
    return out


def prepare(url: str, cfg: Config) -> None:
    """Migrate an empty database to head and load departments/categories."""
    db.migrate(url)
    engine = db.make_engine(url)
    try:
        with db.transaction(engine) as s:
            db.sync_config(s, cfg)
    finally:
        engine.dispose()


@contextmanager
def temp_dir(parent: str | None = None) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="casework-bench-", dir=parent) as tmp:
        yield Path(tmp)


@contextmanager
def sqlite_db(cfg: Config, folder: Path, name: str = "casework.db") -> Iterator[str]:
    url = f"sqlite:///{folder / name}"
    prepare(url, cfg)
    yield url


def pg_problem(server_url: str) -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    try:
        engine = sa.create_engine(server_url, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # any failure just means "skip PostgreSQL"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _admin(server_url: str, sql: str) -> None:
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


@contextmanager
def pg_db(server_url: str, cfg: Config) -> Iterator[str]:
    """A fresh, migrated database on the server, dropped afterwards."""
    name = f"casework_bench_{uuid.uuid4().hex[:10]}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        url = sa.engine.make_url(server_url).set(database=name)
        url_s = url.render_as_string(hide_password=False)
        prepare(url_s, cfg)
        yield url_s
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def at(i: int) -> dt.datetime:
    """The i-th moment of a benchmark run: one second apart from NOW."""
    return NOW + dt.timedelta(seconds=i)


def check_filed(url: str, expected: int) -> list[str]:
    """Problems with the filed cases: count, unique numbers, gap-free sequences."""
    problems: list[str] = []
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            q = conn.exec_driver_sql
            cases = q("SELECT count(*) FROM cases").scalar_one()
            distinct = q("SELECT count(*) FROM (SELECT DISTINCT fiscal_year, number FROM cases) t"
                         ).scalar_one()
            events = q("SELECT count(*) FROM case_events WHERE trigger = 'file'").scalar_one()
            seqs = q("SELECT prefix, count(*), min(seq), max(seq) FROM cases GROUP BY prefix").all()
            counters: dict[str, int] = dict(q("SELECT prefix, last FROM number_counters").all())
    finally:
        engine.dispose()
    if cases != expected:
        problems.append(f"{cases} cases stored, expected {expected}")
    if distinct != cases:
        problems.append(f"only {distinct} distinct numbers for {cases} cases")
    if events != cases:
        problems.append(f"{events} filing events for {cases} cases")
    for prefix, count, lo, hi in seqs:
        if lo != 1 or hi != count or counters.get(prefix) != count:
            problems.append(f"prefix {prefix}: {count} cases, seq {lo}..{hi}, "
                            f"counter {counters.get(prefix)}")
    return problems


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def verdict(value: float, target: float) -> str:
    return "meets target" if value >= target else "BELOW target"


@contextmanager
def profiled(enabled: bool, top: int = 25) -> Iterator[None]:
    """Print cProfile's top functions (by own time and cumulative) when enabled."""
    if not enabled:
        yield
        return
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        for key in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(top)
            print(f"\n--- cProfile, top {top} by {key} ---")
            print(buf.getvalue().rstrip())
