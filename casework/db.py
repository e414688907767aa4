"""Engine, sessions and transactions; migrations; loading config into reference tables.

SQLite: WAL, synchronous=FULL, a busy timeout, and every write transaction opened with
BEGIN IMMEDIATE (the pysqlite "serializable" recipe), so no read-modify-write is ever
lost. Within one process, write transactions also take a lock, which keeps latency
flat under contention instead of leaving it to SQLite's busy-wait sleeps.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session, select

from casework import models
from casework.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_READ = "casework_read_only"
_WRITE_LOCKS: weakref.WeakKeyDictionary[sa.Engine, threading.RLock] = weakref.WeakKeyDictionary()


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> sa.Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo)
    return sa.create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True,
                            echo=echo)


def _sqlite_engine(url: str, echo: bool) -> sa.Engine:
    db_path = sa.engine.make_url(url).database
    if db_path and db_path != ":memory:":
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, echo=echo, connect_args={"check_same_thread": False,
                                                             "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        read_only = conn.get_execution_options().get(_READ, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    _WRITE_LOCKS[engine] = threading.RLock()
    return engine


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[Session]:
    """One write transaction: commits on success, rolls back on any exception."""
    lock = _WRITE_LOCKS.get(engine)
    if lock is not None:
        lock.acquire()
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        if lock is not None:
            lock.release()


@contextmanager
def reading(engine: sa.Engine) -> Iterator[Session]:
    """A read-only session (on SQLite a deferred transaction that takes no write lock)."""
    ro = engine.__dict__.get(_READ)  # made once per engine: lists read often
    if ro is None:
        ro = engine.__dict__[_READ] = engine.execution_options(**{_READ: True})
    with Session(ro, expire_on_commit=False) as session:
        yield session


def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (SQLite and PostgreSQL)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
    finally:
        engine.dispose()


def sync_config(session: Session, cfg: Config) -> None:
    """Upsert departments and categories from config; ones no longer there are
    deactivated, never deleted (old cases still point at them)."""
    depts = {d.code: d for d in session.exec(select(models.Department)).all()}
    for code, d in cfg.departments.items():
        row = depts.pop(code, None) or models.Department(code=code, name_th="", name_en="")
        row.name_th, row.name_en, row.kind, row.active = d.name_th, d.name_en, d.kind, True
        session.add(row)
    for row in depts.values():
        row.active = False
        session.add(row)
    session.flush()
    cats = {c.code: c for c in session.exec(select(models.Category)).all()}
    for code, c in cfg.categories.items():
        crow = cats.pop(code, None) or models.Category(
            code=code, prefix=c.prefix, name_th="", name_en="", department_code=c.department
        )
        crow.prefix, crow.name_th, crow.name_en = c.prefix, c.name_th, c.name_en
        crow.department_code, crow.track, crow.after_photo = c.department, c.track, c.after_photo
        crow.active = True
        session.add(crow)
    for crow in cats.values():
        crow.active = False
        session.add(crow)
    session.flush()
