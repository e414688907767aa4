"""The dependency direction of ARCHITECTURE.md: web → notifications → casework.
The domain never imports the web or mail layers and never reads the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "casework": {"web", "notifications", "fastapi", "starlette", "jinja2", "aiosmtplib",
                 "uvicorn", "pydantic_settings", "apscheduler"},
    "notifications": {"web", "fastapi", "starlette", "uvicorn"},
}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "__import__" and node.args
              and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def reads_environment(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            found.append(f"line {node.lineno}: os.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"line {node.lineno}: from os import {a.name}" for a in node.names
                      if a.name in ("environ", "getenv")]
        if isinstance(node, ast.keyword) and node.arg in ("envvar", "auto_envvar_prefix"):
            found.append(f"line {node.lineno}: {node.arg}=")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_arrow_points_back(package: str) -> None:
    bad = {}
    for path in modules(package):
        hits = imported(ast.parse(path.read_text(encoding="utf-8"))) & FORBIDDEN[package]
        if hits:
            bad[str(path.relative_to(ROOT))] = sorted(hits)
    assert bad == {}


def test_domain_does_not_read_the_environment() -> None:
    bad = {}
    for path in modules("casework"):
        hits = reads_environment(ast.parse(path.read_text(encoding="utf-8")))
        if hits:
            bad[str(path.relative_to(ROOT))] = hits
    assert bad == {}


def test_the_checks_catch_violations() -> None:
    tree = ast.parse("import os\nfrom fastapi import FastAPI\nx = os.environ['A']\n"
                     "y = __import__('web.app')\n")
    assert {"fastapi", "web"} <= imported(tree)
    assert reads_environment(tree) == ["line 3: os.environ"]


def test_no_casework_variable_below_the_web_layer() -> None:
    readers = [str(p.relative_to(ROOT)) for pkg in ("casework", "notifications")
               for p in modules(pkg) if "CASEWORK_" in p.read_text(encoding="utf-8")]
    assert readers == []
