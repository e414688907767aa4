"""Helpers for the staff-workspace tests: an app on a test database with one account
per role, clients signed in through the real sign-in form, and reading forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from casework import db, users
from casework.config import Config
from casework.models import User
from tests.conftest import CONFIG_DIR
from tests.site import Page
from web.app import create_app
from web.settings import Settings

PASSWORD = "correct-horse-battery"
# username, role, department
ACCOUNTS = (
    ("officer1", "officer", None),
    ("eng1", "staff", "engineering"),
    ("health1", "staff", "public_health"),
    ("enghead", "supervisor", "engineering"),
    ("centerhead", "supervisor", None),
    ("integrity1", "integrity", None),
    ("admin1", "admin", None),
)
_HASH: list[str] = []


def password_hash() -> str:
    """One argon2 hash for every test account (hashing costs ~0.2 s each)."""
    if not _HASH:
        _HASH.append(users.hash_password(PASSWORD))
    return _HASH[0]


def add_accounts(engine: sa.Engine, cfg: Config) -> None:
    with db.transaction(engine) as s:
        for name, role, dept in ACCOUNTS:
            user = users.create_user(s, cfg, name, role, department=dept,
                                     email=f"{name}@example.org", full_name=name.upper())
            user.password_hash = password_hash()
            s.add(user)


@contextmanager
def staff_app(db_url: str, var_dir: Path, **overrides: Any) -> Iterator[Any]:
    settings = Settings(**{"database_url": db_url, "config_dir": CONFIG_DIR,
                           "var_dir": var_dir, "scheduler": False, **overrides})
    app = create_app(settings)
    try:
        yield app
    finally:
        app.state.engine.dispose()


def client(app: Any, **kwargs: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, **kwargs)


def token(c: TestClient, path: str = "/staff/login") -> str:
    r = c.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    return Page(r.text).fields["csrf_token"]


def sign_in(c: TestClient, username: str, password: str = PASSWORD,
            **extra: str) -> Any:
    return c.post("/staff/login", data={"username": username, "password": password,
                                        "csrf_token": token(c), **extra},
                  follow_redirects=False)


def signed_in(app: Any, username: str, password: str = PASSWORD) -> TestClient:
    c = client(app)
    r = sign_in(c, username, password)
    assert r.status_code == 303, (username, r.status_code, r.text[:500])
    return c


def user_row(engine: sa.Engine, username: str) -> User:
    with db.reading(engine) as s:
        return users.get_user(s, username)


class Fields(HTMLParser):
    """The values a browser would send for a form: inputs (checked boxes only), the
    selected option of each select (else its first), textareas."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first: bool = False
        self._textarea: str | None = None
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and "name" in a and a.get("type") != "file":
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select" and "name" in a:
            self._select, self._first = a["name"], True
        elif tag == "option" and self._select is not None:
            if self._first or "selected" in a:
                self.fields[self._select] = a.get("value", "")
            self._first = False
        elif tag == "textarea" and "name" in a:
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data


FORM = re.compile(r'<form method="post" action="(?P<action>[^"]+)"[^>]*>(?P<body>.*?)</form>',
                  re.S)


def every_form(html: str) -> list[tuple[str, dict[str, str]]]:
    """(action, fields) of every POST form of a page, in page order."""
    return [(m["action"], Fields(m["body"]).fields) for m in FORM.finditer(html)]


def forms_on(html: str) -> dict[str, dict[str, str]]:
    """Every POST form of a page: its action → its fields (hidden ones with values,
    selects with the selected option)."""
    out: dict[str, dict[str, str]] = {}
    for m in FORM.finditer(html):
        out.setdefault(m["action"], Fields(m["body"]).fields)
    return out


def act(c: TestClient, case_id: int, trigger: str, data: dict[str, Any] | None = None, *,
        page: str | None = None, files: Any = None, follow: bool = False) -> Any:
    """Submit the trigger's form as the case page (or `page`) shows it, with `data` over it."""
    html = c.get(page or f"/staff/cases/{case_id}").text
    action = f"/staff/cases/{case_id}/act/{trigger}"
    fields = forms_on(html).get(action)
    assert fields is not None, f"no {trigger} form on the page"
    fields = {**fields, **(data or {})}
    fields = {k: v for k, v in fields.items() if v is not None}
    return c.post(action, data=fields, files=files, follow_redirects=follow)
