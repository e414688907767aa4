"""The staff JSON API at /api/v1 over HTTP, on SQLite and PostgreSQL: signing in with
the workspace's session, who sees which cases (the role matrix), the sealed track and
its access log, actions with versions (409 on a stale one), the header every POST
needs, statistics, and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from casework import db, service
from casework.config import Config
from casework.models import Case, CaseEvent, CaseView
from tests import staff_site
from tests.cases import case_in
from tests.conftest import COMPLAINT
from tests.site import Page, site_client

API = "/api/v1"
SAME_SITE = {"X-Requested-With": "casework"}
BRIBE = {**COMPLAINT, "category": "corruption", "first_name": "สุจริต", "surname": "กล้าแจ้ง",
         "details": "เจ้าหน้าที่เรียกรับเงินใต้โต๊ะ 5,000 บาท เพื่อเร่งออกใบอนุญาต"}


def sign_in(client: TestClient, username: str | None) -> None:
    """Sign in through the workspace's own sign-in form (None: stay anonymous)."""
    client.cookies.clear()
    if username is not None:
        r = staff_site.sign_in(client, username)
        assert r.status_code == 303, r.text


def act(client: TestClient, case_id: int, trigger: str, body: dict[str, Any],
        headers: dict[str, str] | None = None) -> Any:
    return client.post(f"{API}/cases/{case_id}/actions/{trigger}", json=body,
                       headers=SAME_SITE if headers is None else headers)


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with site_client(db_url, tmp_path) as c:
        yield c


@pytest.fixture
def cases(engine: sa.Engine, cfg: Config) -> dict[str, Case]:
    """Staff accounts, and a case of each kind the scopes tell apart."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    staff_site.add_accounts(engine, cfg)  # officer1, eng1, health1, enghead, centerhead, …
    with db.transaction(engine) as s:
        made = {
            "inbox": case_in(s, cfg, "not_received", now=now),
            "eng": case_in(s, cfg, "dispatched", now=now + dt.timedelta(minutes=1)),
            "health": case_in(s, cfg, "dispatched", now=now + dt.timedelta(minutes=2),
                              category="waste", details="ขยะไม่เก็บมาสามวัน"),
            "sealed": service.file_case(s, cfg, BRIBE, now=now + dt.timedelta(minutes=3)),
        }
    health = made["health"]
    assert health.department_code == "public_health"
    return made


def listed(client: TestClient, **params: Any) -> list[int]:
    r = client.get(f"{API}/cases", params=params)
    assert r.status_code == 200, r.text
    return [row["id"] for row in r.json()["items"]]


def views(engine: sa.Engine) -> list[tuple[str, str, bool]]:
    with db.reading(engine) as s:
        return [(v.username, v.where, v.allowed)
                for v in s.exec(select(CaseView).order_by(CaseView.id))]  # type: ignore[arg-type]


# ---------------------------------------------------------------- who sees what

def test_role_matrix(client: TestClient, cases: dict[str, Case]) -> None:
    ids = {k: c.id for k, c in cases.items()}
    # per role: the cases listed, and which single cases open (the others: 404)
    expected = {
        "officer1": {"inbox", "eng", "health"},
        "centerhead": {"inbox", "eng", "health"},
        "eng1": {"eng"},
        "enghead": {"eng"},
        "health1": {"health"},
        "integrity1": {"sealed"},
    }
    for user, sees in expected.items():
        sign_in(client, user)
        assert set(listed(client)) == {ids[k] for k in sees}, user
        for key, case_id in ids.items():
            r = client.get(f"{API}/cases/{case_id}")
            if key in sees:
                assert r.status_code == 200, (user, key, r.text)
                assert r.json()["contact"]["phone"] == cases[key].phone
            else:
                assert r.status_code == 404, (user, key)
                assert r.json()["code"] == "case_not_found"
            assert client.get(f"{API}/cases/{case_id}/actions").status_code == (
                200 if key in sees else 404)
    sign_in(client, "admin1")  # administrators read no cases
    for path in ("/cases", f"/cases/{ids['eng']}", f"/cases/{ids['sealed']}/actions"):
        r = client.get(API + path)
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert act(client, ids["inbox"], "receive", {"version": 1}).status_code == 403
    sign_in(client, None)  # nobody signed in: 401, never a redirect to a page
    for path in ("/cases", f"/cases/{ids['eng']}", f"/cases/{ids['eng']}/actions", "/stats"):
        r = client.get(API + path, follow_redirects=False)
        assert r.status_code == 401 and r.json()["code"] == "sign_in_required"
    r = act(client, ids["inbox"], "receive", {"version": 1})
    assert r.status_code == 401


def test_case_detail(client: TestClient, cases: dict[str, Case]) -> None:
    sign_in(client, "eng1")
    case = cases["eng"]
    r = client.get(f"{API}/cases/{case.id}")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["number"] == case.number and body["state"] == "dispatched"
    assert body["contact"] == {"first_name": "สมชาย", "surname": "ใจดี", "phone": "0812345678",
                               "address": COMPLAINT["address"], "email": None,
                               "copy_to_email": False}
    assert [e["trigger"] for e in body["events"]] == ["file", "receive", "dispatch"]
    assert body["actions"] == ["return_to_center", "complete", "progress"]
    assert body["version"] == case.version and body["tracking_code"] == case.tracking_code
    assert body["badge"] in ("on_time", "due_soon", "overdue", "escalated")
    r = client.get(f"{API}/cases/{case.id}/actions")
    assert r.json()["version"] == case.version
    assert [a["trigger"] for a in r.json()["actions"]] == ["return_to_center", "complete",
                                                           "progress"]
    assert r.json()["actions"][1]["requires"] == ["note"]
    assert client.get(f"{API}/cases/999999").status_code == 404
    assert client.get(f"{API}/cases/abc").status_code == 422
    assert client.get(f"{API}/nothing").status_code == 404


def test_sealed_case_only_for_integrity_and_every_look_is_logged(
        client: TestClient, cases: dict[str, Case], engine: sa.Engine) -> None:
    sealed = cases["sealed"]
    for user in ("officer1", "centerhead", "eng1"):
        sign_in(client, user)
        assert client.get(f"{API}/cases/{sealed.id}").status_code == 404
        r = act(client, sealed.id or 0, "receive", {"version": sealed.version})
        assert r.status_code == 404
        for params in ({}, {"category": "corruption"}, {"state": "not_received"}):
            assert sealed.id not in listed(client, **params)
    sign_in(client, "integrity1")
    r = client.get(f"{API}/cases/{sealed.id}")
    assert r.status_code == 200
    body = r.json()
    assert body["track"] == "corruption" and body["contact"]["first_name"] == "สุจริต"
    assert body["tracking_code"] is None
    assert body["actions"] == ["receive", "reject", "refer"]
    r = act(client, sealed.id or 0, "receive", {"version": sealed.version})
    assert r.status_code == 200 and r.json()["state"] == "received"
    assert views(engine) == [
        ("officer1", "api:case", False), ("officer1", "api:act", False),
        ("centerhead", "api:case", False), ("centerhead", "api:act", False),
        ("eng1", "api:case", False), ("eng1", "api:act", False),
        ("integrity1", "api:case", True), ("integrity1", "api:act", True)]


def test_listing_filters_and_keyset_pages(client: TestClient, cases: dict[str, Case],
                                          engine: sa.Engine, cfg: Config) -> None:
    with db.transaction(engine) as s:
        base = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
        extra = [case_in(s, cfg, "received", now=base + dt.timedelta(minutes=i)).id
                 for i in range(5)]
    sign_in(client, "officer1")
    everyone = listed(client, limit=200)
    assert set(everyone) == {*extra, cases["inbox"].id, cases["eng"].id, cases["health"].id}
    pages, after = [], None
    while True:
        r = client.get(f"{API}/cases", params={"limit": 3, **({"after": after} if after else {})})
        pages.append([row["id"] for row in r.json()["items"]])
        after = r.json()["next"]
        if after is None:
            break
    assert [i for page in pages for i in page] == everyone and len(pages) == 3
    assert set(listed(client, state="received")) == set(extra)
    assert set(listed(client, state="dispatched", department="public_health")) == {
        cases["health"].id}
    assert listed(client, category="waste") == [cases["health"].id]
    r = client.get(f"{API}/cases", params={"state": "lost"})
    assert r.status_code == 422 and r.json()["fields"] == {"state": "lost"}
    r = client.get(f"{API}/cases", params={"limit": 1000})
    assert r.status_code == 422 and r.json()["code"] == "invalid" and "limit" in r.json()["fields"]


# ---------------------------------------------------------------- acting

def test_actions_with_versions(client: TestClient, cases: dict[str, Case],
                               engine: sa.Engine) -> None:
    case = cases["inbox"]
    sign_in(client, "officer1")
    r = act(client, case.id or 0, "receive", {"version": case.version, "note": "รับเรื่องแล้วครับ"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "received" and body["version"] == case.version + 1
    assert body["case"]["events"][-1]["public_note"] == "รับเรื่องแล้วครับ"
    # the same form again (stale version): 409, nothing written
    r = act(client, case.id or 0, "receive", {"version": case.version})
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = act(client, case.id or 0, "dispatch", {"version": case.version,
                                               "consideration": "normal"})
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    # a move the state does not allow: 409 with its own code
    r = act(client, case.id or 0, "complete", {"version": body["version"], "note": "x"})
    assert r.status_code == 409 and r.json()["code"] == "bad_state"
    # missing data: 422 naming the field
    r = act(client, case.id or 0, "dispatch", {"version": body["version"],
                                               "consideration": "urgent"})
    assert r.status_code == 422 and "days" in r.json()["fields"]
    r = act(client, case.id or 0, "reject", {"version": body["version"]})
    assert r.status_code == 422 and "reason" in r.json()["fields"]
    r = act(client, case.id or 0, "reject", {"version": body["version"], "photo": "x.jpg"})
    assert r.status_code == 422 and "photo" in r.json()["fields"]  # no such field here
    r = act(client, case.id or 0, "receive", {"note": "no version"})
    assert r.status_code == 422 and "version" in r.json()["fields"]
    assert act(client, case.id or 0, "teleport", {"version": 1}).status_code == 404
    r = act(client, case.id or 0, "dispatch", {"version": body["version"],
                                               "consideration": "urgent", "days": 2})
    assert r.status_code == 200 and r.json()["case"]["department"] == "engineering"
    with db.reading(engine) as s:
        triggers = [e.trigger for e in s.exec(select(CaseEvent)
                                              .where(CaseEvent.case_id == case.id))]
        assert triggers == ["file", "receive", "dispatch"]


def test_scope_and_role_refusals(client: TestClient, cases: dict[str, Case]) -> None:
    eng = cases["eng"]
    sign_in(client, "officer1")  # the center may not complete a department's work
    r = act(client, eng.id or 0, "complete", {"version": eng.version, "note": "เสร็จ"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    sign_in(client, "health1")  # another department's case does not exist for them
    r = act(client, eng.id or 0, "complete", {"version": eng.version, "note": "เสร็จ"})
    assert r.status_code == 404
    sign_in(client, "eng1")  # handing it back takes it out of this person's scope
    r = act(client, eng.id or 0, "return_to_center", {"version": eng.version,
                                                      "reason": "ไม่ใช่งานของกองช่าง"})
    assert r.status_code == 200 and r.json()["state"] == "received" and r.json()["case"] is None
    assert client.get(f"{API}/cases/{eng.id}").status_code == 404


def test_posts_need_the_same_site_header_and_json(client: TestClient,
                                                  cases: dict[str, Case]) -> None:
    case = cases["inbox"]
    sign_in(client, "officer1")
    url = f"{API}/cases/{case.id}/actions/receive"
    r = act(client, case.id or 0, "receive", {"version": case.version}, headers={})
    assert r.status_code == 403 and r.json()["code"] == "csrf"
    r = act(client, case.id or 0, "receive", {"version": case.version},
            headers={"X-Requested-With": "XMLHttpRequest"})
    assert r.status_code == 403
    # what a form on another site could send: refused even with the header
    r = client.post(url, data={"version": str(case.version)}, headers=SAME_SITE)
    assert r.status_code == 415
    r = client.post(url, content=f'{{"version": {case.version}}}',
                    headers={"content-type": "text/plain"})
    assert r.status_code == 403
    r = client.get(f"{API}/cases/{case.id}")
    assert r.json()["state"] == "not_received" and r.json()["version"] == case.version
    assert act(client, case.id or 0, "receive", {"version": case.version}).status_code == 200


# ---------------------------------------------------------------- statistics and docs

def test_stats(client: TestClient, cases: dict[str, Case]) -> None:
    for user in ("officer1", "eng1", "integrity1", "admin1"):
        sign_in(client, user)
        r = client.get(f"{API}/stats")
        assert r.status_code == 200, user
        body = r.json()
        assert body["months"] == 12 and body["total"] == 3
        assert body["corruption"]["total"] == 1
        assert "ใต้โต๊ะ" not in r.text and "สุจริต" not in r.text
    assert client.get(f"{API}/stats", params={"months": 6}).json()["months"] == 6
    assert client.get(f"{API}/stats", params={"fy": 2563}).json()["total"] == 0
    assert client.get(f"{API}/stats", params={"months": 7}).status_code == 422
    assert client.get(f"{API}/stats", params={"fy": 99}).status_code == 422


def test_openapi_document_and_docs(client: TestClient) -> None:
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.") and set(schema["paths"]) == {
        "/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/actions",
        "/api/v1/cases/{case_id}/actions/{trigger}", "/api/v1/stats"}
    assert "CaseStaff" in schema["components"]["schemas"]
    schemes = schema["components"]["securitySchemes"]
    assert {s["in"] for s in schemes.values()} == {"cookie", "header"}
    assert "X-Requested-With" in r.text
    post = schema["paths"]["/api/v1/cases/{case_id}/actions/{trigger}"]["post"]
    assert post["security"] == [{"sameSiteHeader": [], "session": []}]  # both at once
    assert schema["paths"]["/api/v1/cases"]["get"]["security"] == [{"session": []}]
    page = client.get(f"{API}/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = Page(page.text).text
    assert "POST /api/v1/cases/{case_id}/actions/{trigger}" in text
    assert "X-Requested-With: casework" in text and "/track" not in text
