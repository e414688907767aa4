"""Every staff route against every role: the roles it names get the page (or, for a
POST, reach the form's checks), every other role gets 403 — and nobody signed in is
sent to the sign-in page. A sealed corruption case is 404 to all but integrity."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from casework import db, service
from casework.config import Config
from tests.cases import case_in
from tests.conftest import COMPLAINT, NOW
from tests.staff_site import ACCOUNTS, add_accounts, client, signed_in, staff_app, token

ROLES = [name for name, _role, _dept in ACCOUNTS]
EVERYONE = set(ROLES)
CASE_ROLES = EVERYONE - {"admin1"}


@dataclass(frozen=True)
class Site:
    app: Any
    ids: dict[str, int]
    clients: dict[str, TestClient]

    def as_(self, name: str) -> TestClient:
        if name not in self.clients:
            self.clients[name] = signed_in(self.app, name)
        return self.clients[name]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
         cfg: Config) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("staff-routes")
    shutil.copy(sqlite_template, tmp / "casework.db")
    url = f"sqlite:///{tmp / 'casework.db'}"
    with staff_app(url, tmp) as app:
        engine = app.state.engine
        with db.transaction(engine) as s:
            db.sync_config(s, cfg)
        add_accounts(engine, cfg)
        with db.transaction(engine) as s:
            ids = {
                "eng": case_in(s, cfg, "dispatched").id,
                "inbox": case_in(s, cfg, "not_received").id,
                "sealed": service.file_case(s, cfg, {**COMPLAINT, "category": "corruption"},
                                            now=NOW).id,
            }
        yield Site(app, {k: int(v or 0) for k, v in ids.items()}, {})


# (method, path, roles that get through, what they get)
ROUTES: list[tuple[str, str, set[str], int]] = [
    ("GET", "/staff/inbox", {"officer1", "centerhead", "integrity1"}, 200),
    ("GET", "/staff/queue", CASE_ROLES, 200),
    ("GET", "/staff/queue?department=public_health", {"officer1", "health1", "centerhead"}, 200),
    ("GET", "/staff/search?q=ฟ./999", CASE_ROLES, 200),
    ("GET", "/staff/file", {"officer1", "integrity1"}, 200),
    ("POST", "/staff/file", {"officer1", "integrity1"}, 422),
    ("GET", "/staff/dashboard", {"enghead", "centerhead"}, 200),
    ("GET", "/staff/cases/{eng}", {"officer1", "eng1", "enghead", "centerhead"}, 200),
    ("GET", "/staff/cases/{inbox}", {"officer1", "centerhead"}, 200),
    ("POST", "/staff/cases/{eng}/act/progress", {"eng1", "enghead", "centerhead"}, 422),
    ("POST", "/staff/cases/{inbox}/act/receive", {"officer1"}, 422),
    ("GET", "/staff/admin", {"admin1"}, 303),
    ("GET", "/staff/admin/users", {"admin1"}, 200),
    ("POST", "/staff/admin/users", {"admin1"}, 422),
    ("POST", "/staff/admin/users/99999/active", {"admin1"}, 404),
    ("POST", "/staff/admin/users/99999/password", {"admin1"}, 404),
    ("GET", "/staff/admin/departments", {"admin1"}, 200),
    ("GET", "/staff/admin/router?text=ไฟฟ้าดับ", {"admin1"}, 200),
    ("GET", "/staff/admin/config", {"admin1"}, 200),
    ("GET", "/staff/stats", EVERYONE, 200),
]


def _request(site: Site, c: TestClient, method: str, path: str) -> Any:
    url = path.format(**site.ids)
    if method == "GET":
        return c.get(url, follow_redirects=False)
    data: dict[str, str] = {"csrf_token": token(c)}
    if url.endswith("/act/progress") or url.endswith("/act/receive"):
        data["version"] = "3" if "progress" in url else "1"
        data["category"] = "no_such_category"  # receive: refused by its guard (422)
    return c.post(url, data=data, follow_redirects=False)


@pytest.mark.parametrize("name", ROLES)
@pytest.mark.parametrize(("method", "path", "allowed", "status"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _a, _s in ROUTES])
def test_role_against_route(site: Site, name: str, method: str, path: str, allowed: set[str],
                            status: int) -> None:
    r = _request(site, site.as_(name), method, path)
    expected = status if name in allowed else 403
    assert r.status_code == expected, (name, method, path, r.text[:300])
    if expected == 403:
        assert "ไม่มีสิทธิ์เข้าถึง" in r.text
        assert "สมชาย" not in r.text  # no complainant's data on a refusal


@pytest.mark.parametrize("name", ROLES)
def test_sealed_case_is_404_to_all_but_integrity(site: Site, name: str) -> None:
    c = site.as_(name)
    r = c.get(f"/staff/cases/{site.ids['sealed']}")
    if name == "integrity1":
        assert r.status_code == 200
        assert "สมชาย" in r.text  # integrity sees who complained
    else:  # as if there were no such case (administrators read no case at all: 403)
        assert r.status_code == (403 if name == "admin1" else 404)
        assert "สมชาย" not in r.text and "ไฟฟ้าดับ" not in r.text
    r = c.get(f"/staff/cases/{site.ids['sealed'] + 1000}")
    assert r.status_code == (403 if name == "admin1" else 404)


@pytest.mark.parametrize(("method", "path", "_allowed", "_status"), [
    *ROUTES, ("GET", "/staff/media/ab/" + "ab" * 32 + ".jpg", set(), 0),
    ("POST", "/staff/cases/{eng}/act/complete", set(), 0)],
    ids=[f"{m} {p}" for m, p, _a, _s in ROUTES] + ["media", "complete"])
def test_nobody_signed_in_goes_to_sign_in(site: Site, method: str, path: str,
                                          _allowed: set[str], _status: int) -> None:
    c = client(site.app)
    url = path.format(**site.ids)
    r = (c.get(url, follow_redirects=False) if method == "GET"
         else c.post(url, data={"csrf_token": token(c)}, follow_redirects=False))
    assert r.status_code == 303
    # a page: back to it after signing in; a form: to the start page
    want = ("/staff/login?next=" + quote(quote(url, safe="/?="), safe="/%") if method == "GET"
            else "/staff/login")
    assert r.headers["location"] == want


def test_home_sends_each_role_to_its_page(site: Site) -> None:
    homes = {"officer1": "/staff/inbox", "eng1": "/staff/queue", "enghead": "/staff/dashboard",
             "integrity1": "/staff/inbox", "admin1": "/staff/admin/users"}
    for name, home in homes.items():
        r = site.as_(name).get("/staff", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, home)
