"""`casework import FILE.csv` (all rows or none) and `casework backup`."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from casework.cli import app
from tests.conftest import CONFIG_DIR

runner = CliRunner()
HEADER = "first_name,surname,phone,address,details,category,channel,filed_at\n"
GOOD = ("สมชาย,ใจดี,081-234-5678,12 ถ.มิตรภาพ,ไฟฟ้าดับทั้งซอย,lighting,phone,"
        "2025-11-03T09:15\n"
        "สมหญิง,รักดี,0899998888,\"5/1 ถ.ศรีจันทร์, ต.ในเมือง\",\"ท่อระบายน้ำตัน, น้ำเน่า\",,,\n")


@pytest.fixture
def cli(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {"CASEWORK_DATABASE_URL": db_url, "CASEWORK_CONFIG_DIR": str(CONFIG_DIR),
           "CASEWORK_VAR_DIR": str(tmp_path / "var")}
    import web.cli  # noqa: F401

    def run(*args: str, code: int = 0) -> Any:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, (args, result.output, result.exception)
        return result.output

    run("init")
    return run


def test_import_files_every_row(cli: Any, tmp_path: Path) -> None:
    src = tmp_path / "old.csv"
    src.write_text(HEADER + GOOD, encoding="utf-8")
    assert "2 rows are fine" in cli("import", str(src), "--check")
    out = cli("import", str(src))
    assert "imported 2 complaints" in out
    first = json.loads(cli("show", "ฟ./001", "--fy", "2569", "--json"))
    assert first["channel"] == "phone" and first["filed_at"].startswith("2025-11-03T02:15")
    second = json.loads(cli("show", "ท./001", "--json"))  # routed: a drain complaint
    assert second["channel"] == "letter" and "น้ำเน่า" in second["details"]


def test_one_bad_row_imports_nothing(cli: Any, tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(HEADER + GOOD + "นก,,12,ที่อยู่,รายละเอียด,nonsense,,yesterday\n"
                   "แดง,ดำ,0812345678,ที่อยู่,ถนนพัง,roads,pigeon,\n", encoding="utf-8")
    out = cli("import", str(src), code=1)
    assert "line 4" in out and "filed_at" in out and "line 5" in out and "pigeon" in out
    assert "nothing imported" in out
    cli("show", "ฟ./001", code=1)


def test_wrong_columns_are_named(cli: Any, tmp_path: Path) -> None:
    src = tmp_path / "cols.csv"
    src.write_text("name,phone,details\nก,1,ข\n", encoding="utf-8")
    out = cli("import", str(src), code=1)
    assert "missing columns: first_name, surname, address" in out and "unknown columns: name" in out


def test_backup_is_a_working_copy(cli: Any, tmp_path: Path, db_url: str) -> None:
    src = tmp_path / "one.csv"
    src.write_text(HEADER + GOOD, encoding="utf-8")
    cli("import", str(src))
    if db_url.startswith("sqlite"):
        target = tmp_path / "copy.db"
        assert "backup written" in cli("backup", "--to", str(target))
        con = sqlite3.connect(target)
        assert con.execute("SELECT count(*) FROM cases").fetchone() == (2,)
        con.close()
    else:
        if shutil.which("pg_dump") is None:
            pytest.skip("pg_dump is not installed")
        target = tmp_path / "copy.dump"
        assert "backup written" in cli("backup", "--to", str(target))
        listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True,
                                 text=True, check=True).stdout
        assert "TABLE DATA public cases" in listing and "case_events" in listing
    assert "exists already" in cli("backup", "--to", str(target), code=1)
