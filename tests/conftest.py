"""Fixtures: a migrated database per test on SQLite (file in tmp_path) and, when a
server is available, on PostgreSQL (one fresh database per test run)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from casework import config as config_mod
from casework import db
from casework.actors import Actor

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TABLES = ("notices", "case_views", "case_photos", "feedback", "case_events", "cases",
          "number_counters", "users", "categories", "departments")


def _pg_server_url() -> str | None:
    """CASEWORK_TEST_PG_URL when set (then it must work), else a local server if one
    answers, else None."""
    url = os.environ.get("CASEWORK_TEST_PG_URL")
    if url:
        return url
    try:
        engine = sa.create_engine(LOCAL_PG, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return LOCAL_PG
    except Exception:
        return None


PG_SERVER = _pg_server_url()
BACKENDS = ["sqlite", "postgresql"]


def _admin_exec(server_url: str, sql: str) -> None:
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


@pytest.fixture(scope="session")
def cfg() -> config_mod.Config:
    return config_mod.load(CONFIG_DIR)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if PG_SERVER is None:
        pytest.skip("no PostgreSQL server (set CASEWORK_TEST_PG_URL or run one on :5432)")
    name = f"casework_test_{uuid.uuid4().hex[:10]}"
    _admin_exec(PG_SERVER, f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    db.migrate(url)
    yield url
    _admin_exec(PG_SERVER, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db.migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, cfg: config_mod.Config) -> str:
    """URL of a freshly migrated, empty database with config loaded."""
    if request.param == "sqlite":
        path = tmp_path / "casework.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        engine.dispose()
    engine = db.make_engine(url)
    with db.transaction(engine) as s:
        db.sync_config(s, cfg)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()


# People used across tests
OFFICER = Actor("officer1", "officer")
ENG_STAFF = Actor("eng1", "staff", "engineering")
HEALTH_STAFF = Actor("health1", "staff", "public_health")
ENG_HEAD = Actor("enghead", "supervisor", "engineering")
CENTER_HEAD = Actor("centerhead", "supervisor", None)
INTEGRITY = Actor("integrity1", "integrity")
ADMIN = Actor("admin1", "admin")
NOW = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # Monday 10:00 in Bangkok, FY 2569

COMPLAINT = {
    "first_name": "สมชาย", "surname": "ใจดี", "phone": "081-234-5678",
    "address": "12/3 ถ.มิตรภาพ ต.ในเมือง อ.เมือง จ.ขอนแก่น",
    "details": "ไฟฟ้าดับทั้งซอย เทพารักษ์ 11 มาสามวันแล้วครับ", "category": "lighting",
}
