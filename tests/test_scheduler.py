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
