"""The scheduler as `casework serve` runs it: started with the app, it scans the SLA
clocks and mails what is overdue (file backend), without anyone calling a command."""

from __future__ import annotations

import email
import email.policy
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from casework import db, users
from tests.cases import case_in
from tests.conftest import CONFIG_DIR
from web.app import create_app
from web.settings import Settings


def test_app_runs_the_scan_and_the_outbox(engine: sa.Engine, db_url: str, cfg: Any,
                                          tmp_path: Path) -> None:
    with db.transaction(engine) as s:
        users.create_user(s, cfg, "enghead", "supervisor", department="engineering",
                          email="eng-head@example.org")
        number = case_in(s, cfg, "dispatched").number  # dispatched in March 2026: overdue
    mail_dir = tmp_path / "mail"
    settings = Settings(database_url=db_url, config_dir=CONFIG_DIR, var_dir=tmp_path,
                        mail_dir=mail_dir, scheduler=True)
    app = create_app(settings)
    with TestClient(app):
        deadline = time.monotonic() + 20
        subjects: list[str] = []
        while time.monotonic() < deadline:
            files = sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []
            subjects = [str(email.message_from_bytes(f.read_bytes(),
                                                     policy=email.policy.default)["Subject"])
                        for f in files]
            if any("เกินกำหนด" in s for s in subjects):
                break
            time.sleep(0.2)
        jobs = {j.id for j in app.state.scheduler.get_jobs()}
    assert any("เกินกำหนด" in s and number in s for s in subjects), subjects
    assert {"sla_scan", "outbox", "digest"} <= jobs
    assert not app.state.scheduler.running


def test_two_workers_mail_each_notice_once(engine: sa.Engine, db_url: str, cfg: Any,
                                           tmp_path: Path) -> None:
    """Two `casework worker` processes on one database, as two app instances would
    run: every notice reaches the SMTP server once."""
    import os
    import signal
    import subprocess
    import sys

    from sqlmodel import select

    from casework.models import Notice
    from tests.smtp import SmtpServer

    with db.transaction(engine) as s:
        users.create_user(s, cfg, "enghead", "supervisor", department="engineering",
                          email="eng-head@example.org")
        for _ in range(15):
            case_in(s, cfg, "dispatched")  # all overdue long ago
    server = SmtpServer().start()
    env = {**os.environ, "CASEWORK_DATABASE_URL": db_url, "CASEWORK_CONFIG_DIR": str(CONFIG_DIR),
           "CASEWORK_VAR_DIR": str(tmp_path), "CASEWORK_MAIL_BACKEND": "smtp",
           "CASEWORK_SMTP_HOST": server.host, "CASEWORK_SMTP_PORT": str(server.port)}
    workers = [subprocess.Popen([sys.executable, "-m", "web.cli", "worker"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
               for _ in range(2)]
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            with db.reading(engine) as s:
                states = [n.status for n in s.exec(select(Notice)).all()]
            if len(states) >= 45 and all(st in ("sent", "skipped") for st in states):
                break
            time.sleep(0.3)
        time.sleep(1)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        outputs = [w.communicate(timeout=20)[0].decode() for w in workers]
        server.stop()
    assert all(w.returncode == 0 for w in workers), outputs
    with db.reading(engine) as s:
        sent = [n for n in s.exec(select(Notice)).all() if n.status == "sent"]
    # per case: the assignment, overdue resolution, overdue first reply
    assert len(sent) >= 45, [n.status for n in sent]
    ids = [m["Message-ID"] for m in server.messages]
    assert len(ids) == len(set(ids)) == len(sent)
