"""Working cases in the workspace over HTTP, on SQLite and PostgreSQL: triage from the
inbox (the router's proposal, duplicates, accept, dispatch, merge), the case page's
forms built from the transition table, stale forms (409), bad input (422), photos,
returning a case, the sealed track, the department queue and filing for a caller."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from sqlmodel import select

from casework import db, queries, service
from casework.config import Config
from casework.models import Case, CaseEvent, CaseView
from casework.routing import Decision
from tests.cases import case_in
from tests.conftest import COMPLAINT, CONFIG_DIR, OFFICER
from tests.site import Page, image
from tests.staff_site import act, add_accounts, every_form, forms_on, signed_in, staff_app, token
from web.routes import staff as staff_routes

CONFLICT = "มีผู้อื่นดำเนินการกับเรื่องนี้ก่อนท่าน"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def app(db_url: str, tmp_path: Path, cfg: Config) -> Any:
    with staff_app(db_url, tmp_path) as app:
        add_accounts(app.state.engine, cfg)
        yield app


def file(app: Any, cfg: Config, state: str = "not_received", *, at: dt.datetime | None = None,
         **data: Any) -> Case:
    with db.transaction(app.state.engine) as s:
        return case_in(s, cfg, state, now=at or now() - dt.timedelta(hours=6), **data)


def load(app: Any, case_id: int) -> Case:
    with db.reading(app.state.engine) as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case


def events(app: Any, case_id: int) -> list[CaseEvent]:
    with db.reading(app.state.engine) as s:
        return queries.events(s, case_id)


def test_inbox_shows_proposal_duplicates_and_only_the_allowed_moves(app: Any,
                                                                    cfg: Config) -> None:
    first = file(app, cfg, "received", at=now() - dt.timedelta(days=2),
                 details="ไฟฟ้าส่องสว่างดับทั้งซอยเทพารักษ์ 11 มาสามคืนแล้ว")
    proposal = Decision("lighting", "engineering", urgent=True,
                        reasons=["lighting: “ไฟฟ้าส่องสว่าง”", "urgent: “มืดมาก”"],
                        decided_by="rules")
    with db.transaction(app.state.engine) as s:
        again = service.file_case(s, cfg, {**COMPLAINT, "phone": "089-999-1111",
                                           "details": "ไฟ ดับทั้ง ซอยเทพารักษ์๑๑ สามคืนแล้วค่ะ"},
                                  now=now() - dt.timedelta(hours=1), suggestion=proposal)
    c = signed_in(app, "officer1")
    html = c.get("/staff/inbox").text
    text = Page(html).text
    assert text.index(first.number) < text.index(again.number)  # oldest first
    assert "urgent: “มืดมาก”" in text and "ระบบเสนอ:" in text
    assert re.search(r"อาจซ้ำกับ:.*" + re.escape(first.number), text)
    moves = {a.rsplit("/", 1)[1] for a in forms_on(html) if f"/cases/{again.id}/" in a}
    assert moves == {"receive", "reject", "refer"}  # states.allowed for an officer, not_received
    moves = {a.rsplit("/", 1)[1] for a in forms_on(html) if f"/cases/{first.id}/" in a}
    assert moves == {"dispatch", "reject", "refer"}
    assert "089-999-1111" not in html and "0899991111" not in html  # no contact in lists
    assert COMPLAINT["address"] not in html
    engineer = signed_in(app, "eng1")
    page = engineer.get(f"/staff/cases/{again.id}")
    assert page.status_code == 403  # not the department's case (yet)


def test_officer_accepts_and_dispatches_from_the_inbox(app: Any, cfg: Config) -> None:
    case = file(app, cfg, category="road")
    c = signed_in(app, "officer1")
    r = act(c, case.id, "receive", {"category": "lighting"}, page="/staff/inbox")
    assert r.status_code == 303
    assert unquote(r.headers["location"]) == f"/staff/inbox?done=receive&n={case.number}"
    assert "รับเรื่องแล้ว" in c.get(r.headers["location"]).text
    r = act(c, case.id, "dispatch", {"department": "engineering", "consideration": "urgent",
                                     "days": "3"}, page="/staff/inbox")
    assert r.status_code == 303
    got = load(app, case.id)
    assert (got.state, got.category_code, got.department_code) == (
        "dispatched", "lighting", "engineering")
    assert (got.consideration, got.consideration_days) == ("urgent", 3)
    assert [e.actor for e in events(app, case.id)][1:] == ["officer1", "officer1"]
    assert f"/cases/{case.id}/" not in c.get("/staff/inbox").text  # off the inbox


def test_merge_into_a_duplicate(app: Any, cfg: Config) -> None:
    first = file(app, cfg, "received", details="ท่อระบายน้ำอุดตันหน้าตลาดบางลำภู น้ำเน่าส่งกลิ่น")
    second = file(app, cfg, details="ท่อระบายน้ำอุดตัน หน้าตลาดบางลำภู น้ำเน่าส่งกลิ่นมาก")
    c = signed_in(app, "officer1")
    html = c.get(f"/staff/cases/{second.id}").text
    assert "อาจซ้ำกับเรื่องเหล่านี้" in html
    merge = [f for a, f in every_form(html) if a.endswith("/act/reject")
             and f.get("duplicate_of") == first.number]
    assert merge, "no merge button"
    r = c.post(f"/staff/cases/{second.id}/act/reject", data=merge[0], follow_redirects=False)
    assert r.status_code == 303
    got = load(app, second.id)
    assert (got.state, got.reject_reason, got.duplicate_of_id) == ("rejected", "duplicate",
                                                                   first.id)


def test_a_stale_form_gets_409_and_the_case_as_it_is_now(app: Any, cfg: Config) -> None:
    case = file(app, cfg)
    c = signed_in(app, "officer1")
    stale = forms_on(c.get(f"/staff/cases/{case.id}").text)
    with db.transaction(app.state.engine) as s:  # another officer is quicker
        fresh = s.get(Case, case.id)
        assert fresh is not None
        service.act(s, cfg, fresh, "refer", by=OFFICER, now=now(), agency="กฟภ.",
                    note="ส่งต่อการไฟฟ้าส่วนภูมิภาค")
    before = len(events(app, case.id))
    r = c.post(f"/staff/cases/{case.id}/act/receive",
               data=stale[f"/staff/cases/{case.id}/act/receive"])
    assert r.status_code == 409
    assert CONFLICT in r.text and "ส่งต่อหน่วยงานภายนอก" in r.text
    assert len(events(app, case.id)) == before and load(app, case.id).state == "referred"
    assert f"/cases/{case.id}/act/" not in r.text  # nothing left to do on a closed case
    # two officers, the same form, at the same time: exactly one wins
    other = file(app, cfg)
    a, b = signed_in(app, "officer1"), c
    forms_a = forms_on(a.get(f"/staff/cases/{other.id}").text)
    forms_b = forms_on(b.get(f"/staff/cases/{other.id}").text)
    action = f"/staff/cases/{other.id}/act/receive"
    results = [a.post(action, data=forms_a[action], follow_redirects=False).status_code,
               b.post(action, data=forms_b[action], follow_redirects=False).status_code]
    assert sorted(results) == [303, 409]
    assert [e.trigger for e in events(app, other.id)] == ["file", "receive"]


def test_bad_input_shows_the_form_again_with_its_message(app: Any, cfg: Config) -> None:
    case = file(app, cfg, "received")
    c = signed_in(app, "officer1")
    r = act(c, case.id, "dispatch", {"consideration": "urgent", "days": "9",
                                     "note": "โปรดเร่งดำเนินการ"})
    assert r.status_code == 422
    assert "จำนวนวันไม่ถูกต้อง" in r.text
    assert "โปรดเร่งดำเนินการ" in r.text  # what was typed is kept
    assert load(app, case.id).state == "received"
    r = act(c, case.id, "reject", {"reason": "duplicate", "duplicate_of": "ฟ./999"})
    assert r.status_code == 422 and "ไม่พบเรื่องเลขที่นี้" in r.text
    r = act(c, case.id, "refer", {"agency": "", "note": "<script>alert(1)</script>"})
    assert r.status_code == 422 and "&lt;script&gt;" in r.text and "<script>" not in r.text
    r = c.post(f"/staff/cases/{case.id}/act/receive",
               data={"csrf_token": token(c, "/staff/inbox"), "version": "x"})
    assert r.status_code == 400
    r = c.post(f"/staff/cases/{case.id}/act/teleport",
               data={"csrf_token": token(c, "/staff/inbox"), "version": "1"})
    assert r.status_code == 404


def test_progress_with_a_photo_and_completion_with_an_after_photo(app: Any,
                                                                  cfg: Config) -> None:
    case = file(app, cfg, "dispatched")
    c = signed_in(app, "eng1")
    r = act(c, case.id, "progress", {"note": "ลงพื้นที่สำรวจแล้ว"},
            files={"photo": ("site.jpg", image("JPEG", (640, 480)), "image/jpeg")})
    assert r.status_code == 303, r.text[:500]
    html = c.get(r.headers["location"]).text
    assert "บันทึกความคืบหน้าแล้ว" in html and "ลงพื้นที่สำรวจแล้ว" in html
    thumbs = [i["src"] for i in Page(html).images if i["src"].startswith("/staff/media/")]
    assert len(thumbs) == 1
    assert c.get(thumbs[0]).headers["content-type"] == "image/jpeg"
    assert signed_in(app, "health1").get(thumbs[0]).status_code == 404  # not their case
    r = act(c, case.id, "progress", {"note": "ภาพ"},
            files={"photo": ("x.jpg", b"not an image", "image/jpeg")})
    assert r.status_code == 422 and "ไม่ใช่รูปภาพ" in r.text
    r = act(c, case.id, "complete", {"note": "เปลี่ยนหลอดไฟใหม่แล้ว"},
            files={"photo": ("after.png", image("PNG", (800, 600)), "image/png")})
    assert r.status_code == 303
    got = load(app, case.id)
    assert got.state == "completed" and got.resolution_note == "เปลี่ยนหลอดไฟใหม่แล้ว"
    public = Page(c.get(f"/track/{got.tracking_code}").text)
    assert "เปลี่ยนหลอดไฟใหม่แล้ว" in public.text
    assert any(i["src"].startswith("/media/") for i in public.images)


def test_an_after_photo_is_required_where_the_category_says(db_url: str, tmp_path: Path,
                                                            cfg: Config) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    cats = config / "categories.toml"
    cats.write_text(cats.read_text(encoding="utf-8").replace(
        'department = "engineering"\n', 'department = "engineering"\nafter_photo = true\n', 1),
        encoding="utf-8")
    with staff_app(db_url, tmp_path, config_dir=config) as app:
        add_accounts(app.state.engine, cfg)
        case = file(app, cfg, "dispatched")  # lighting: the first engineering category
        c = signed_in(app, "eng1")
        r = act(c, case.id, "complete", {"note": "ซ่อมแล้ว"})
        assert r.status_code == 422 and "ต้องแนบภาพหลังดำเนินการ" in r.text
        assert load(app, case.id).state == "dispatched"


def test_returning_a_case_sends_it_back_to_the_center(app: Any, cfg: Config) -> None:
    case = file(app, cfg, "dispatched")
    c = signed_in(app, "eng1")
    r = act(c, case.id, "return_to_center", {"reason": "เป็นงานของการไฟฟ้า ไม่ใช่ของสำนักการช่าง"})
    assert r.status_code == 303
    assert unquote(r.headers["location"]) == (
        f"/staff/queue?done=return_to_center&n={case.number}")
    got = load(app, case.id)
    assert (got.state, got.department_code) == ("received", None)
    officer = signed_in(app, "officer1")
    page = officer.get(f"/staff/cases/{case.id}").text
    assert "บันทึกภายใน" in page and "เป็นงานของการไฟฟ้า" in page
    public = officer.get(f"/track/{got.tracking_code}").text
    assert "เป็นงานของการไฟฟ้า" not in public
    assert f"/cases/{case.id}/act/dispatch" in officer.get("/staff/inbox").text


def test_a_supervisor_reassigns(app: Any, cfg: Config) -> None:
    case = file(app, cfg, "dispatched")
    c = signed_in(app, "enghead")
    html = c.get(f"/staff/cases/{case.id}").text
    moves = {a.rsplit("/", 1)[1] for a in forms_on(html)
             if a.startswith(f"/staff/cases/{case.id}/act/")}
    assert moves == {"reassign", "return_to_center", "complete", "progress"}
    r = act(c, case.id, "reassign", {"department": "public_health", "reason": "เรื่องกลิ่น"})
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/dashboard?done=")
    assert load(app, case.id).department_code == "public_health"
    health = signed_in(app, "health1")
    assert case.number in health.get("/staff/queue").text


def test_the_sealed_track_is_for_integrity_only_and_every_look_is_logged(
        app: Any, cfg: Config) -> None:
    bribe = file(app, cfg, category="corruption", details="เจ้าหน้าที่เรียกรับเงินค่าน้ำร้อนน้ำชา")
    officer = signed_in(app, "officer1")
    assert "ค่าน้ำร้อนน้ำชา" not in officer.get("/staff/inbox").text
    assert officer.get(f"/staff/cases/{bribe.id}").status_code == 404
    r = officer.post(f"/staff/cases/{bribe.id}/act/receive",
                     data={"csrf_token": token(officer, "/staff/inbox"), "version": "1"})
    assert r.status_code == 404 and load(app, bribe.id).state == "not_received"
    r = officer.get(f"/staff/search?q={bribe.tracking_code}")
    assert r.status_code == 200 and "ไม่พบเรื่องที่ท่านเปิดดูได้" in r.text
    integrity = signed_in(app, "integrity1")
    assert "ค่าน้ำร้อนน้ำชา" in integrity.get("/staff/inbox").text
    page = integrity.get(f"/staff/cases/{bribe.id}")
    assert page.status_code == 200 and COMPLAINT["first_name"] in page.text
    r = act(integrity, bribe.id, "receive")
    assert r.status_code == 303
    dispatch = forms_on(integrity.get(f"/staff/cases/{bribe.id}").text)[
        f"/staff/cases/{bribe.id}/act/dispatch"]
    assert dispatch["department"] == "integrity"  # the only desk a sealed case goes to
    with db.reading(app.state.engine) as s:
        looks = [(v.username, v.where, v.allowed) for v in s.exec(
            select(CaseView).order_by(CaseView.id))]  # type: ignore[arg-type]
    assert looks[:2] == [("officer1", "staff:case", False), ("officer1", "staff:act", False)]
    assert ("integrity1", "staff:case", True) in looks
    assert ("integrity1", "staff:act", True) in looks


def test_the_queue_is_by_due_date_with_badges_filters_and_pages(
        app: Any, cfg: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    moment = now() - dt.timedelta(days=2)
    numbers = {}
    with db.transaction(app.state.engine) as s:
        for days in (7, 1, 3, 5):
            c = case_in(s, cfg, "received", now=moment)
            service.act(s, cfg, c, "dispatch", by=OFFICER, now=moment + dt.timedelta(hours=3),
                        consideration="urgent", days=days)
            numbers[days] = c.number
        other = case_in(s, cfg, "received", now=moment, category="waste")
        service.act(s, cfg, other, "dispatch", by=OFFICER, now=moment, consideration="normal")
    c = signed_in(app, "eng1")
    text = Page(c.get("/staff/queue").text).text
    order = [numbers[d] for d in (1, 3, 5, 7)]
    assert [text.index(n) for n in order] == sorted(text.index(n) for n in order)
    assert other.number not in text  # public health's
    assert "เกินกำหนด" in text and "ตามกำหนด" in text
    overdue = Page(c.get("/staff/queue?badge=overdue").text).text
    assert numbers[1] in overdue and numbers[7] not in overdue
    monkeypatch.setattr(staff_routes, "QUEUE_PAGE", 3)
    first = c.get("/staff/queue")
    nxt = [h for h in Page(first.text).links if "after=" in h]
    assert len(nxt) == 1
    rest = Page(c.get(nxt[0]).text).text
    assert numbers[7] in rest and numbers[1] not in rest
    assert COMPLAINT["address"] not in first.text
    assert c.get("/staff/queue?after=garbage").status_code == 200


def test_filing_for_a_caller(app: Any, cfg: Config) -> None:
    c = signed_in(app, "officer1")
    data = {"csrf_token": token(c, "/staff/file"), "channel": "phone", "first_name": "บุญมี",
            "surname": "พรหมมา", "address": "12 ถ.ศรีจันทร์", "phone": "086-222-3344",
            "details": "ไฟฟ้าสาธารณะดับหน้าบ้าน ซอยศรีจันทร์ 3 มืดมาก", "category": ""}
    r = c.post("/staff/file", data={**data, "phone": "12"})
    assert r.status_code == 422 and "เบอร์โทรศัพท์" in r.text and "บุญมี" in r.text
    r = c.post("/staff/file", data={**data, "channel": "web"})
    assert r.status_code == 422
    r = c.post("/staff/file", data=data, files={"photos": ("a.jpg", image("JPEG"), "image/jpeg")},
               follow_redirects=False)
    assert r.status_code == 303
    case_id = int(r.headers["location"].split("/")[3].split("?")[0])
    got = load(app, case_id)
    assert (got.channel, got.filed_by, got.phone) == ("phone", "officer1", "0862223344")
    assert got.suggestion is not None and got.category_code == got.suggestion["category"]
    page = c.get(r.headers["location"]).text
    assert "บันทึกเรื่องร้องทุกข์แทนผู้ร้องแล้ว" in page and got.tracking_code in page
    bribe = {**data, "details": "เจ้าหน้าที่เทศบาลเรียกรับเงินใต้โต๊ะเพื่อออกใบอนุญาตก่อสร้าง"}
    r = c.post("/staff/file", data=bribe, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/inbox?done=sealed")
    assert "เจ้าหน้าที่ป้องกันการทุจริต" in c.get(r.headers["location"]).text
    # the integrity desk files corruption complaints only, whatever the text says
    integrity = signed_in(app, "integrity1")
    r = integrity.post("/staff/file", data={**data, "csrf_token": token(integrity, "/staff/file"),
                                            "channel": "letter"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=file")
    sealed = load(app, int(r.headers["location"].split("/")[3].split("?")[0]))
    assert (sealed.track, sealed.category_code, sealed.channel) == (
        "corruption", "corruption", "letter")


def test_case_page_shows_the_whole_story(app: Any, cfg: Config) -> None:
    case = file(app, cfg, "dispatched")
    with db.transaction(app.state.engine) as s:
        got = s.get(Case, case.id)
        assert got is not None
        service.act(s, cfg, got, "progress", by=OFFICER.__class__("eng1", "staff", "engineering"),
                    now=now(), note="รอวัสดุจากคลัง", internal=True)
    c = signed_in(app, "officer1")
    text = Page(c.get(f"/staff/cases/{case.id}").text).text
    for word in ("ยื่นเรื่องร้องทุกข์", "รับเรื่อง", "ส่งการ", "บันทึกภายใน", "รอวัสดุจากคลัง",
                 "ตอบรับเรื่อง", "ดำเนินการแล้วเสร็จ", "ยกระดับเมื่อ", COMPLAINT["address"],
                 "0812345678", "สำนักการช่าง"):
        assert word in text, word
    english = c.get(f"/staff/cases/{case.id}?lang=en").text
    assert "Full history" in english and "Internal note" in english


def test_search_opens_a_case_by_number_or_code(app: Any, cfg: Config) -> None:
    case = file(app, cfg, "received")
    c = signed_in(app, "officer1")
    for q in (case.number, case.number.replace("/", " "), case.tracking_code.lower()):
        r = c.get("/staff/search", params={"q": q}, follow_redirects=False)
        assert (r.status_code, r.headers.get("location")) == (303, f"/staff/cases/{case.id}"), q
    assert "ไม่พบ" in c.get("/staff/search", params={"q": "ไม่ใช่เลขที่"}).text


def test_dashboard_counts_compliance_due_list_and_digest(app: Any, cfg: Config) -> None:
    late = now() - dt.timedelta(days=10)
    with db.transaction(app.state.engine) as s:
        overdue = case_in(s, cfg, "received", now=late)
        service.act(s, cfg, overdue, "dispatch", by=OFFICER, now=late, consideration="urgent",
                    days=1)
        health = case_in(s, cfg, "received", now=late, category="waste")
        service.act(s, cfg, health, "dispatch", by=OFFICER, now=late, consideration="urgent",
                    days=1)
    head = signed_in(app, "enghead")
    page = Page(head.get("/staff/dashboard").text)
    assert overdue.number in page.text and health.number not in page.text
    assert "สำนักการสาธารณสุขและสิ่งแวดล้อม" not in page.text  # their own department only
    assert "สรุปเรื่องร้องทุกข์ที่ต้องติดตาม" in page.text and "enghead@example.org" in page.text
    assert "ยกระดับแล้ว" in page.text or "เกินกำหนด" in page.text
    year = re.search(r'id="compliance-year-resolution">([^<]+)<', page.source)
    assert year is not None and year.group(1) == "0 %"
    center = Page(signed_in(app, "centerhead").get("/staff/dashboard").text)
    assert health.number in center.text and overdue.number in center.text
    assert "compliance-month-ack" in center.source


def test_admin_users_departments_router_and_config(db_url: str, tmp_path: Path,
                                                   cfg: Config) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    with staff_app(db_url, tmp_path, config_dir=config) as app:
        add_accounts(app.state.engine, cfg)
        c = signed_in(app, "admin1")
        data = {"csrf_token": token(c, "/staff/admin/users"), "username": "somsri",
                "full_name": "สมศรี มีสุข", "role": "staff", "department": "finance",
                "email": "somsri@example.org", "password": "first-password"}
        r = c.post("/staff/admin/users", data={**data, "department": ""})
        assert r.status_code == 422 and "ต้องมีหน่วยงาน" in r.text
        r = c.post("/staff/admin/users", data={**data, "username": "Bad Name!"})
        assert r.status_code == 422
        r = c.post("/staff/admin/users", data=data, follow_redirects=False)
        assert r.status_code == 303
        assert "สมศรี มีสุข" in c.get(r.headers["location"]).text
        assert signed_in(app, "somsri", "first-password").get("/staff/queue").status_code == 200
        departments = Page(c.get("/staff/admin/departments").text).text
        assert all(d.name_th in departments for d in cfg.departments.values())
        assert "ดูได้อย่างเดียว" in departments
        router = Page(c.get("/staff/admin/router", params={
            "text": "ไฟฟ้าสาธารณะดับทั้งซอย มืดมาก อันตราย"}).text).text
        assert "ไฟฟ้าสาธารณะ" in router and "lighting" in router and "เหตุผล" in router
        ok = c.get("/staff/admin/config").text
        assert "การตั้งค่าถูกต้อง" in ok and "ตรงกับที่ระบบกำลังใช้อยู่" in ok
        (config / "workflow.toml").write_text("[clocks]\nwarn_at = 2\n", encoding="utf-8")
        broken = Page(c.get("/staff/admin/config").text).text
        assert "พบปัญหา" in broken and "workflow.toml" in broken
        assert c.get("/staff/stats").status_code == 200
        assert c.get("/staff/cases/1").status_code == 403  # administrators read no cases


def test_pages_are_fast_enough_to_work_in(app: Any, cfg: Config) -> None:
    """Not a timing assertion: the inbox's queries are bounded by its page size."""
    for _ in range(30):
        file(app, cfg)
    c = signed_in(app, "officer1")
    statements: list[str] = []
    engine = app.state.engine
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        assert c.get("/staff/inbox").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    # the user, one page of the inbox, and for each case shown one duplicate search
    # (plus one load of the few it found): bounded by the page, whatever the table holds
    assert len(statements) <= 4 + 2 * staff_routes.INBOX_PAGE
