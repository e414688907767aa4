"""`casework sla scan|digest` and `casework outbox send|list` as an operator runs them,
with the SMTP backend against a real server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from casework.cli import app
from tests import smtp as smtp_fixtures
from tests.conftest import CONFIG_DIR
from tests.smtp import SmtpServer

runner = CliRunner()
smtp_server = smtp_fixtures.smtp_server


@pytest.fixture
def cli(db_url: str, tmp_path: Path, smtp_server: SmtpServer):  # type: ignore[no-untyped-def]
    env = {"CASEWORK_DATABASE_URL": db_url, "CASEWORK_CONFIG_DIR": str(CONFIG_DIR),
           "CASEWORK_VAR_DIR": str(tmp_path / "var"), "CASEWORK_MAIL_BACKEND": "smtp",
           "CASEWORK_SMTP_HOST": smtp_server.host, "CASEWORK_SMTP_PORT": str(smtp_server.port),
           "CASEWORK_BASE_URL": "https://complaints.example.org"}
    import web.cli  # noqa: F401  (registers the settings callback and these commands)

    def run(*args: str, code: int = 0, **extra: str) -> str:
        result = runner.invoke(app, list(args), env={**env, **extra})
        assert result.exit_code == code, (args, result.output, result.exception)
        return result.output

    return run


def test_scan_then_send_mails_the_supervisor(cli: Any, smtp_server: SmtpServer) -> None:
    cli("init")
    cli("user", "add", "somchai", "--role", "officer")
    cli("user", "add", "enghead", "--role", "supervisor", "--department", "engineering",
        "--email", "eng-head@example.org")
    cli("file", "--first-name", "สมชาย", "--surname", "ใจดี", "--phone", "081-234-5678",
        "--address", "12 ถ.มิตรภาพ", "--details", "ไฟฟ้าดับทั้งซอย", "--category", "lighting")
    cli("act", "ฟ./001", "receive", "--as", "somchai")
    cli("act", "ฟ./001", "dispatch", "--as", "somchai", "--consideration", "urgent",
        "--days", "1")
    assert json.loads(cli("sla", "scan", "--json")) == {"warned": 0, "breached": 0,
                                                        "escalated": 0}
    late = "2099-01-01T09:00"
    assert json.loads(cli("sla", "scan", "--now", late, "--json"))["breached"] >= 1
    assert json.loads(cli("sla", "scan", "--now", late, "--json"))["breached"] == 0
    sent = json.loads(cli("outbox", "send", "--now", late, "--json"))
    assert sent["sent"] >= 2 and sent["dead"] == 0  # assignment and overdue
    subjects = [str(m["Subject"]) for m in smtp_server.wait_for(sent["sent"])]
    assert any("เกินกำหนด" in s and "ฟ./001" in s for s in subjects)
    assert json.loads(cli("outbox", "send", "--now", late, "--json"))["sent"] == 0
    listed = json.loads(cli("outbox", "list", "--status", "sent", "--json"))
    assert {n["kind"] for n in listed} >= {"assignment", "sla"}
    assert "eng-head@example.org" in cli("outbox", "list")


def test_bad_now_is_a_clear_error(cli: Any) -> None:
    cli("init")
    out = cli("sla", "scan", "--now", "next tuesday", code=2)
    assert "not an ISO date-time" in out


def test_digest_command(cli: Any) -> None:
    cli("init")
    assert cli("sla", "digest").strip() == "queued=0"
