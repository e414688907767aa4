"""Issue 8's seal, tried from every side a staff member has: for each role, every page,
search, export, statistic and API route that could reveal a corruption complaint.
Only the integrity role sees it, and each look it takes is added to the access log."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from casework import db, service
from casework.config import Config
from casework.models import CaseView
from tests.cases import case_in
from tests.conftest import COMPLAINT, NOW
from tests.staff_site import ACCOUNTS, add_accounts, signed_in, staff_app

SECRET = "ค่าน้ำร้อนน้ำชาสองหมื่นบาท"
NAME = ("วิรุฬห์", "กล้าหาญ")
BRIBE = {**COMPLAINT, "first_name": NAME[0], "surname": NAME[1], "category": "corruption",
         "details": f"เจ้าหน้าที่กองช่างเรียก{SECRET}เพื่อเร่งออกใบอนุญาต"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
         cfg: Config) -> Iterator[tuple[Any, Any]]:
    tmp = tmp_path_factory.mktemp("sealed-matrix")
    shutil.copy(sqlite_template, tmp / "casework.db")
    with staff_app(f"sqlite:///{tmp / 'casework.db'}", tmp) as app:
        engine = app.state.engine
        with db.transaction(engine) as s:
            db.sync_config(s, cfg)
        add_accounts(engine, cfg)
        with db.transaction(engine) as s:
            case_in(s, cfg, "dispatched")
            sealed = service.file_case(s, cfg, BRIBE, now=NOW)
            service.act(s, cfg, sealed, "receive", by=_integrity(), now=NOW)
        yield app, sealed


def _integrity() -> Any:
    from casework.actors import Actor
    return Actor("integrity1", "integrity")


def urls(case: Any) -> list[str]:
    return [
        f"/staff/cases/{case.id}",
        f"/staff/search?q={case.number}",
        f"/staff/search?q={NAME[0]}",
        f"/staff/search?q={NAME[1]}",
        f"/staff/search?q={case.tracking_code}",
        "/staff/inbox",
        "/staff/queue?department=integrity",
        "/staff/dashboard",
        "/staff/stats?fy=2569",
        "/staff/stats.csv?fy=2569",
        "/staff/report?fy=2569&months=6",
        "/api/v1/cases",
        f"/api/v1/cases/{case.id}",
        f"/api/v1/cases/{case.id}/actions",
        "/api/v1/stats?fy=2569",
        f"/track/{case.tracking_code}",
        "/open311/v2/requests.json?start_date=2026-02-01T00:00:00%2B07:00",
        f"/open311/v2/requests/{case.fiscal_year}-{case.number}.json",
    ]


@pytest.mark.parametrize("username", [a[0] for a in ACCOUNTS])
def test_only_integrity_sees_the_sealed_case(site: tuple[Any, Any], username: str) -> None:
    app, case = site
    c = signed_in(app, username)
    with db.reading(app.state.engine) as s:
        before = len(s.exec(select(CaseView)).all())
    seen = []
    for url in urls(case):
        r = c.get(url)
        assert r.status_code in (200, 303, 403, 404), (url, r.status_code)
        # the details (also the start of the subject every list shows); the name is not a
        # marker, since a search page repeats the words that were searched for
        if SECRET in r.text:
            seen.append(url)
    if username == "integrity1":
        assert f"/staff/cases/{case.id}" in seen and f"/api/v1/cases/{case.id}" in seen
        assert "/staff/inbox" in seen and f"/staff/search?q={case.number}" in seen
        assert not [u for u in seen if u.startswith(("/track", "/open311", "/staff/stats",
                                                      "/staff/report", "/api/v1/stats"))]
    else:
        assert seen == [], (username, seen)
    with db.reading(app.state.engine) as s:
        views = s.exec(select(CaseView).where(CaseView.username == username)).all()
        after = len(s.exec(select(CaseView)).all())
    if username == "admin1":  # refused by role before any case is even looked up
        assert after == before
    else:  # every look at the case page and its API is logged, allowed or not
        assert after > before
        assert {v.allowed for v in views} == {username == "integrity1"}
