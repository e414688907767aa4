"""The sealed corruption track outside the web: the command line and the service layer
show and act on such a case for the integrity role only, and every look is logged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select
from typer.testing import CliRunner

from casework import db, service, users
from casework.errors import NotFound
from casework.models import CaseView
from tests.conftest import COMPLAINT, CONFIG_DIR, NOW, OFFICER

runner = CliRunner()
BRIBE = {**COMPLAINT, "category": "corruption",
         "details": "เจ้าหน้าที่เทศบาลเรียกรับเงินค่าน้ำร้อนน้ำชาเพื่อออกใบอนุญาตก่อสร้าง"}


@pytest.fixture
def sealed(engine: sa.Engine, cfg: Any) -> str:
    with db.transaction(engine) as s:
        for name, role, dept in (("somchai", "officer", None), ("wichai", "staff", "engineering"),
                                 ("head", "supervisor", None), ("root", "admin", None),
                                 ("nok", "integrity", None)):
            users.create_user(s, cfg, name, role, department=dept)
        case = service.file_case(s, cfg, BRIBE, now=NOW)
        assert case.track == "corruption"
        return case.number


def cli(db_url: str, tmp_path: Path, *args: str) -> Any:
    import web.cli  # noqa: F401

    env = {"CASEWORK_DATABASE_URL": db_url, "CASEWORK_CONFIG_DIR": str(CONFIG_DIR),
           "CASEWORK_VAR_DIR": str(tmp_path)}
    from casework.cli import app
    return runner.invoke(app, list(args), env=env)


def views(engine: sa.Engine) -> list[tuple[str, bool]]:
    with db.reading(engine) as s:
        return [(v.username, v.allowed) for v in s.exec(select(CaseView).order_by(CaseView.id))]  # type: ignore[arg-type]


def test_cli_show_is_integrity_only_and_logged(sealed: str, engine: sa.Engine, db_url: str,
                                                tmp_path: Path) -> None:
    for who in ("somchai", "wichai", "head", "root"):
        result = cli(db_url, tmp_path, "show", sealed, "--as", who)
        assert result.exit_code == 1 and "no such case" in result.output
        assert "ค่าน้ำร้อนน้ำชา" not in result.output
    result = cli(db_url, tmp_path, "show", sealed)  # no user named: refused too
    assert result.exit_code == 1
    result = cli(db_url, tmp_path, "show", sealed, "--as", "nok", "--json")
    assert result.exit_code == 0, result.output
    assert "ค่าน้ำร้อนน้ำชา" in json.loads(result.output)["details"]
    assert views(engine) == [("somchai", False), ("wichai", False), ("head", False),
                             ("root", False), ("command-line", False), ("nok", True)]


def test_service_refuses_anyone_but_integrity(sealed: str, engine: sa.Engine, cfg: Any) -> None:
    from casework import queries
    with db.transaction(engine) as s:
        case = queries.case_by_number(s, sealed)
        with pytest.raises(NotFound):
            service.act(s, cfg, case, "receive", by=OFFICER, now=NOW)
        assert case.state == "not_received"
