"""config/ loads into typed objects; broken files are reported with file, line and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casework import config as config_mod
from tests.conftest import CONFIG_DIR


def test_defaults_load(cfg: config_mod.Config) -> None:
    assert set(cfg.departments) >= {
        "engineering", "public_health", "finance", "social_welfare", "municipal_clerk",
        "city_law_enforcement", "strategy_budget", "education", "integrity", "external"}
    prefixes = {c.code: c.prefix for c in cfg.categories.values()}
    assert prefixes == {
        "lighting": "ฟ.", "drainage": "ท.", "road": "ถ.", "waste": "ข.", "nuisance": "ร.",
        "tree": "ต.", "animal": "ส.", "encroachment": "ก.", "tax": "ภ.", "welfare": "ว.",
        "building": "อ.", "flood": "น.", "traffic": "จ.", "corruption": "ทจ.", "other": "อ.ท."}
    assert cfg.departments["engineering"].name_th == "สำนักการช่าง"
    assert cfg.considerations["urgent"].label_th == "เร่งด่วน (1-7 วัน)"
    assert (cfg.considerations["urgent"].min_days, cfg.considerations["urgent"].max_days) == (1, 7)
    assert cfg.considerations["normal"].calendar == "working"
    assert any(ch.value == "043-271-261" for ch in cfg.channels)


def broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def line_of(folder: Path, file: str, needle: str) -> int:
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


@pytest.mark.parametrize(("file", "old", "new", "key", "needle"), [
    ("categories.toml", 'department = "public_health"', 'department = "sanitation"',
     "categories[3].department", 'department = "sanitation"'),
    ("categories.toml", 'prefix = "ท."', 'prefix = "ฟ."', "categories[1].prefix",
     'prefix = "ฟ."\nname_th = "ท่อ'),
    ("workflow.toml", "default_days = 3", "default_days = 9",
     "considerations.urgent.default_days", "default_days = 9"),
    ("workflow.toml", "warn_at = 0.75", "warn_at = 1.5", "clocks.warn_at", "warn_at = 1.5"),
    ("departments.toml", 'kind = "external"', 'kind = "outside"', "departments[9].kind",
     'kind = "outside"'),
    ("holidays.toml", 'date = "2026-01-02"', 'date = "2026-02-30"', "extra[0].date",
     'date = "2026-02-30"'),
])
def test_errors_name_file_line_and_key(tmp_path: Path, file: str, old: str, new: str,
                                       key: str, needle: str) -> None:
    folder = broken(tmp_path, file, old, new)
    with pytest.raises(config_mod.ConfigError) as exc:
        config_mod.load(folder)
    [problem] = exc.value.problems
    assert (problem.file, problem.key) == (file, key)
    first = needle.split("\n")[0]
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    candidates = [i for i, line in enumerate(lines, 1) if first in line]
    assert problem.line in candidates, (problem, candidates)
    assert f"{file}:{problem.line}: {key}" in str(exc.value)


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    folder = broken(tmp_path, "center.toml", 'timezone = "Asia/Bangkok"', "timezone = Asia/Bangkok")
    with pytest.raises(config_mod.ConfigError) as exc:
        config_mod.load(folder)
    [problem] = exc.value.problems
    assert problem.file == "center.toml"
    assert problem.line == line_of(folder, "center.toml", "timezone = Asia/Bangkok")


def test_missing_file(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "categories.toml").unlink()
    with pytest.raises(config_mod.ConfigError, match=r"categories\.toml: file is missing"):
        config_mod.load(folder)
