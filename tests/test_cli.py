"""The `casework` command line, as an officer would use it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casework.cli import app
from tests.conftest import CONFIG_DIR, ROOT

runner = CliRunner()


@pytest.fixture
def cli(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {"CASEWORK_DATABASE_URL": db_url, "CASEWORK_CONFIG_DIR": str(CONFIG_DIR),
           "CASEWORK_VAR_DIR": str(tmp_path / "var")}
    import web.cli  # noqa: F401  (registers the settings callback and serve)

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, (args, result.output, result.exception)
        return result.output

    return run


def test_officer_session_in_thai(cli) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    cli("user", "add", "somchai", "--role", "officer", "--password", "secret-123")
    cli("user", "add", "wichai", "--role", "staff", "--department", "engineering")
    filed = json.loads(cli("file", "--first-name", "สมชาย", "--surname", "ใจดี",
                           "--phone", "081-234-5678", "--address", "12 ถ.มิตรภาพ",
                           "--details", "ไฟฟ้าดับ ทั้งซอย เทพารักษ์ 11",
                           "--category", "lighting", "--json"))
    assert filed["number"] == "ฟ./001" and filed["state"] == "not_received"
    assert len(filed["tracking_code"]) == 10 and filed["fiscal_year"] >= 2569
    assert "☺" in cli("act", "ฟ./001", "receive", "--as", "somchai")
    cli("act", "ฟ./001", "dispatch", "--as", "somchai", "--consideration", "urgent",
        "--days", "3")
    done = json.loads(cli("act", "ฟ./001", "complete", "--as", "wichai", "--note",
                          "เปลี่ยนหลอดไฟแล้ว", "--json"))
    assert done["state"] == "completed" and done["event"]["from"] == "dispatched"
    shown = json.loads(cli("show", "ฟ./001", "--json"))
    assert [e["trigger"] for e in shown["events"]] == ["file", "receive", "dispatch", "complete"]
    assert shown["department"] == "engineering" and shown["consideration"] == "urgent"
    assert shown["due"]["resolution"] and shown["due"]["acknowledge"]
    text = cli("show", "ฟ./001")
    for expected in ("☼ เสร็จเรียบร้อยแล้ว", "สำนักการช่าง", "เร่งด่วน (1-7 วัน)",
                     "somchai (officer)", "ส่งการ", "เปลี่ยนหลอดไฟแล้ว"):
        assert expected in text


def test_refused_moves_exit_1_with_one_line(cli) -> None:  # type: ignore[no-untyped-def]
    cli("user", "add", "somchai", "--role", "officer")
    cli("user", "add", "wichai", "--role", "staff", "--department", "engineering")
    cli("file", "--first-name", "ก", "--surname", "ข", "--phone", "0812345678",
        "--address", "x", "--details", "ถนนเป็นหลุม", "--category", "road")
    for args in (["act", "ถ./001", "complete", "--as", "wichai", "--note", "x"],   # state
                 ["act", "ถ./001", "receive", "--as", "wichai"],                   # role
                 ["act", "ถ./404", "receive", "--as", "somchai"],                  # number
                 ["act", "ถ./001", "receive", "--as", "nobody"],                   # user
                 ["act", "ถ./001", "fly", "--as", "somchai"]):                     # trigger
        out = cli(*args, code=1)
        assert out.count("\n") == 1 and out.startswith("error: "), out
    assert "ยังไม่รับเรื่อง" in cli("show", "ถ./001")


def test_bad_complaint_is_refused(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("file", "--first-name", "ก", "--surname", "ข", "--phone", "12", "--address", "x",
              "--details", "y", code=1)
    assert "phone" in out
    out = cli("file", "--first-name", "ก", "--surname", "ข", "--phone", "0812345678",
              "--address", "x", "--details", "y", "--category", "unicorns", code=1)
    assert "unknown category" in out
    cli("show", "อ.ท./001", code=1)  # nothing was filed


def test_config_check(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "OK" in cli("config", "check")
    bad = tmp_path / "bad"
    shutil.copytree(CONFIG_DIR, bad)
    path = bad / "categories.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'department = "finance"', 'department = "treasury"'), encoding="utf-8")
    result = runner.invoke(app, ["config", "check"], env={"CASEWORK_CONFIG_DIR": str(bad)})
    assert result.exit_code == 1
    assert "categories.toml:" in result.output and "department" in result.output
    assert "treasury" in result.output


def test_entry_point_runs_as_a_program(tmp_path: Path) -> None:
    env = {"CASEWORK_DATABASE_URL": f"sqlite:///{tmp_path / 'cw.db'}",
           "CASEWORK_CONFIG_DIR": str(CONFIG_DIR), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "web.cli"]
    out = subprocess.run([*run, "init"], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    assert "15 categories" in out
    demo = subprocess.run([*run, "demo", "--cases", "30"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)
    assert "added 30 demo cases" in demo.stdout and "officer" in demo.stdout
    # what `make run` prints: where to sign in, and with which password
    assert "staff sign-in: http://127.0.0.1:8000/staff/login" in demo.stdout
    assert "casework-demo" in demo.stdout


def test_route_text_eval_and_train(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    decision = json.loads(cli("route", "ไฟฟ้าดับทั้งซอย", "เทพารักษ์", "11", "--json"))
    assert (decision["category"], decision["department"]) == ("lighting", "engineering")
    # the starter model of config/routing_examples.csv takes part; --no-model: rules only
    assert any(r.startswith("model: lighting") for r in decision["reasons"])
    rules_only = json.loads(cli("route", "ไฟฟ้าดับทั้งซอย", "--json", "--no-model"))
    assert rules_only["decided_by"] == "rules"
    assert not any(r.startswith("model") for r in rules_only["reasons"])
    assert "สำนักการช่าง" in cli("route", "ไฟฟ้าดับทั้งซอย")
    sample = tmp_path / "sample.csv"
    sample.write_text(
        "text,category,department\n"
        "ไฟฟ้าดับทั้งซอย,lighting,engineering\n"
        "\"ท่อระบายน้ำอุดตัน, น้ำเน่า\",drainage,engineering\n"
        "เจ้าหน้าที่เรียกค่าน้ำร้อนน้ำชา,corruption,integrity\n", encoding="utf-8")
    report = json.loads(cli("route", "eval", str(sample), "--json"))
    assert report["category"]["n"] == 3 and 0 <= report["category"]["accuracy"] <= 1
    assert report["track"]["corruption_cases"] == 1
    assert "accuracy" in cli("route", "eval", str(sample))
    missing = cli("route", "eval", str(tmp_path / "none.csv"), code=1)
    assert "no such file" in " ".join(missing.split())  # the console may wrap a long path
    training = tmp_path / "train.csv"
    training.write_text("text,category\n" + "".join(
        f"ขยะไม่มาเก็บ {i},waste\nหมาจรจัด {i},animal\n" for i in range(5)), encoding="utf-8")
    assert "trained on 10 examples" in cli("route", "train", "--from-csv", str(training))
    assert "model:" in cli("route", "ขยะไม่มาเก็บเลย")


def test_route_train_from_confirmed_cases(cli) -> None:  # type: ignore[no-untyped-def]
    cli("user", "add", "somchai", "--role", "officer")
    for details in ("ถนนเป็นหลุมเป็นบ่อ", "ไฟฟ้าดับทั้งซอย", "ถนนพัง", "ไฟถนนไม่ติด"):
        filed = json.loads(cli("file", "--first-name", "ก", "--surname", "ข", "--phone",
                               "0812345678", "--address", "x", "--details", details, "--json"))
        assert filed["suggestion"]["category"] in ("road", "lighting")
        cli("act", filed["number"], "receive", "--as", "somchai")
    assert "trained on 4 examples" in cli("route", "train", "--no-examples")
    both = cli("route", "train")
    assert "from 4 officer-confirmed cases and" in both and "routing_examples.csv" in both
