"""The case page (/track/<code>) and the public site around it, over HTTP on SQLite and
PostgreSQL: the home page, searching the table by number or tracking code, the case's
public history, confirming, rating and disputing a fix, photos, English, and errors."""

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
from casework.models import Case, Feedback
from tests.cases import case_in
from tests.conftest import ENG_STAFF, OFFICER
from tests.site import Page, filed, image, send, site_client, token

NOW = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)  # the clock the pages read is real
FY = (NOW.astimezone(dt.timezone(dt.timedelta(hours=7))).year + 543
      + (1 if NOW.astimezone(dt.timezone(dt.timedelta(hours=7))).month >= 10 else 0))


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with site_client(db_url, tmp_path) as c:
        yield c


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()


def make(engine: sa.Engine, cfg: Config, state: str, *, now: dt.datetime = NOW,
         **overrides: Any) -> Case:
    with db.transaction(engine) as s:
        return case_in(s, cfg, state, now=now, **overrides)


def reload(engine: sa.Engine, case: Case) -> Case:
    with db.reading(engine) as s:
        got = s.get(Case, case.id)
        assert got is not None
        return got


def answer(engine: sa.Engine) -> list[Feedback]:
    with db.reading(engine) as s:
        return list(s.exec(select(Feedback)).all())


def post(client: TestClient, path: str, data: dict[str, str] | None = None, *,
         csrf: bool = True) -> Any:
    fields = dict(data or {})
    if csrf:
        fields["csrf_token"] = token(client)  # one token serves every form of a visitor
    return client.post(path, data=fields, follow_redirects=False)


# ---------------------------------------------------------------- home and table

def test_home_lists_the_channels_from_config(client: TestClient, cfg: Config) -> None:
    r = client.get("/")
    page = Page(r.text)
    assert cfg.center.name_th in page.h1
    assert "ช่องทางการติดต่อเพื่อแจ้งปัญหาข้อร้องเรียนและขอคำปรึกษา" in page.text
    for ch in cfg.channels:
        assert ch.label_th in page.text and ch.value in page.text
    assert "tel:043271261" in page.links and "/complaint" in page.links
    assert "script" not in page.tags


def test_search_by_tracking_code_opens_the_case(client: TestClient, engine: sa.Engine,
                                                cfg: Config) -> None:
    case = make(engine, cfg, "received")
    r = client.get("/track", params={"q": case.tracking_code.lower()}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/track/{case.tracking_code}"


def test_search_by_number(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    first = make(engine, cfg, "received")
    make(engine, cfg, "received", now=NOW + dt.timedelta(minutes=1))
    for typed in (first.number, first.number.replace("./", " "), " ฟ./1 "):
        page = Page(client.get("/track", params={"fy": FY, "q": typed}).text)
        assert first.number in page.text, typed
        assert "ฟ./002" not in page.text
    for typed in ("ฟ./999", "hello", "ABCDEFGHJK"):
        page = Page(client.get("/track", params={"fy": FY, "q": typed}).text)
        assert "ไม่พบคำร้อง" in page.text and "ฟ./001" not in page.text


def test_sealed_case_code_finds_nothing(client: TestClient, engine: sa.Engine,
                                        cfg: Config) -> None:
    sealed = make(engine, cfg, "not_received", category="corruption")
    r = client.get("/track", params={"q": sealed.tracking_code}, follow_redirects=False)
    assert r.status_code == 200 and "ไม่พบคำร้อง" in r.text


def test_table_in_english(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    case = make(engine, cfg, "dispatched")
    r = client.get("/track", params={"fy": FY, "lang": "en"})
    page = Page(r.text)
    assert page.h1 == f"Complaint tracking, fiscal year {FY - 543}"
    assert "☻ = Dispatched" in page.text and "No." in page.text
    assert r.cookies.get("lang") == "en"
    assert case.filed_at.strftime("%b") in page.text  # Gregorian month, English
    assert str(FY - 543) in page.text and "สำนักการช่าง" not in page.text
    assert "Engineering" in page.text or cfg.departments["engineering"].name_en in page.text
    # the cookie keeps English; ?lang=th switches back
    assert "Complaint tracking" in client.get("/track").text
    back = Page(client.get("/track?lang=th").text)
    assert back.h1.startswith("ติดตามผลการดำเนินงาน ประจำปีงบประมาณ")


# ---------------------------------------------------------------- the case page

def test_case_page_shows_the_public_record(client: TestClient, engine: sa.Engine,
                                           cfg: Config) -> None:
    case = make(engine, cfg, "dispatched", details="ไฟดับ ติดต่อ 081-111-2222 ได้")
    with db.transaction(engine) as s:
        c = s.merge(case)
        service.act(s, cfg, c, "progress", by=ENG_STAFF, now=NOW + dt.timedelta(hours=5),
                    note="ผู้ร้องเป็นญาติของนายก", internal=True)
        service.act(s, cfg, c, "progress", by=ENG_STAFF, now=NOW + dt.timedelta(hours=6),
                    note="สั่งซื้อหลอดไฟแล้ว")
    r = client.get(f"/track/{case.tracking_code}")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    page = Page(r.text)
    assert case.number in page.h1
    assert "☻ ส่งการแล้ว" in page.text
    assert "สำนักการช่าง" in page.text and "เร่งด่วน (1-7 วัน)" in page.text
    assert "กำหนดแล้วเสร็จ" in page.text
    assert "สั่งซื้อหลอดไฟแล้ว" in page.text and "ญาติของนายก" not in page.text
    assert "081-111-2222" not in page.text
    for secret in ("สมชาย", "ใจดี", "0812345678", "081-234-5678", "ถ.มิตรภาพ"):
        assert secret not in r.text
    assert f"{NOW.astimezone(dt.timezone(dt.timedelta(hours=7))).year + 543}" in page.text
    assert "ยืนยันว่าได้รับการแก้ไขแล้ว" not in page.text  # not completed yet


@pytest.mark.parametrize("code", ["NOSUCHCODE", "ABC", "x" * 50, "%3Cscript%3E"])
def test_unknown_code_is_404_page(client: TestClient, code: str) -> None:
    r = client.get(f"/track/{code}")
    assert r.status_code == 404
    page = Page(r.text)
    assert "ไม่พบหน้าหรือเรื่องที่ต้องการ" in page.h1
    assert "ไม่พบเรื่องร้องทุกข์ตามรหัสที่ระบุ" in page.text


def test_sealed_and_spam_cases_are_404(client: TestClient, engine: sa.Engine,
                                       cfg: Config) -> None:
    sealed = make(engine, cfg, "not_received", category="corruption")
    spam = make(engine, cfg, "rejected")  # the test path rejects as spam
    for case in (sealed, spam):
        assert client.get(f"/track/{case.tracking_code}").status_code == 404


def test_unknown_page_is_404_in_english_too(client: TestClient) -> None:
    r = client.get("/no/such/page?lang=en")
    assert r.status_code == 404
    assert "Page or complaint not found" in Page(r.text).h1


def test_before_and_after_photos(client: TestClient, engine: sa.Engine, cfg: Config,
                                 tmp_path: Path) -> None:
    number, code = filed(send(client, photos=[("a.png", image("PNG"), "image/png")]))
    assert code is not None
    from web.media import store_photo
    after = store_photo(image("JPEG", (200, 150)), tmp_path / "media")
    with db.transaction(engine) as s:
        case = s.exec(select(Case).where(Case.tracking_code == code)).one()
        service.act(s, cfg, case, "receive", by=OFFICER, now=NOW)
        service.act(s, cfg, case, "dispatch", by=OFFICER, now=NOW, consideration="normal")
        service.act(s, cfg, case, "complete", by=ENG_STAFF, now=NOW, note="เปลี่ยนหลอดแล้ว",
                    photo=after.name)
    page = Page(client.get(f"/track/{code}").text)
    srcs = [img["src"] for img in page.images]
    assert f"/media/{after.thumb}" in srcs and len(srcs) == 2  # before and after
    assert client.get(f"/media/{after.thumb}").status_code == 200
    row = Page(client.get("/track", params={"q": number}).text)
    assert f"/media/{after.thumb}" in [img["src"] for img in row.images]


@pytest.mark.parametrize("name", ["../secret.key", "ab/../../secret.key", "nothing.jpg",
                                  "ab/" + "0" * 64 + ".jpg", ""])
def test_media_outside_published_photos_is_404(client: TestClient, name: str) -> None:
    assert client.get(f"/media/{name}").status_code == 404


def test_pages_send_security_headers(client: TestClient) -> None:
    r = client.get("/")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


# ---------------------------------------------------------------- after completion

def test_confirm_the_fix(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    case = make(engine, cfg, "completed")
    page = Page(client.get(f"/track/{case.tracking_code}").text)
    assert "ยืนยันว่าได้รับการแก้ไขแล้ว" in page.text and "ให้คะแนนการให้บริการ" in page.text
    r = post(client, f"/track/{case.tracking_code}/confirm")
    assert r.status_code == 303
    assert r.headers["location"].startswith(f"/track/{case.tracking_code}?done=confirmed")
    page = Page(client.get(r.headers["location"]).text)
    assert "ขอบคุณที่ยืนยันผลการดำเนินงาน" in page.text
    assert "ท่านยืนยันแล้วว่าได้รับการแก้ไข" in page.text
    assert [f.confirmed for f in answer(engine)] == [True]


def test_confirm_needs_a_completed_case(client: TestClient, engine: sa.Engine,
                                        cfg: Config) -> None:
    case = make(engine, cfg, "dispatched")
    r = post(client, f"/track/{case.tracking_code}/confirm")
    assert r.status_code == 409
    assert "ยืนยันผลได้เฉพาะเรื่องที่ดำเนินการเสร็จเรียบร้อยแล้ว" in r.text
    assert answer(engine) == []


def test_rate_once(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    case = make(engine, cfg, "completed")
    path = f"/track/{case.tracking_code}/rate"
    r = post(client, path, {"rating": "4", "comment": "<b>รวดเร็ว</b> ดีมาก"})
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "ท่านให้คะแนน 4 จาก 5" in page and "<b>รวดเร็ว</b>" not in page
    again = post(client, path, {"rating": "1"})
    assert again.status_code == 409 and "ท่านได้ให้คะแนนเรื่องนี้ไว้แล้ว" in again.text
    assert [(f.rating, f.comment) for f in answer(engine)] == [(4, "<b>รวดเร็ว</b> ดีมาก")]


@pytest.mark.parametrize("data", [{"rating": "7"}, {"rating": "0"}, {"rating": "abc"}, {},
                                  {"rating": "3", "comment": "ก" * 2001}])
def test_bad_rating_is_422(client: TestClient, engine: sa.Engine, cfg: Config,
                           data: dict[str, str]) -> None:
    case = make(engine, cfg, "completed")
    r = post(client, f"/track/{case.tracking_code}/rate", data)
    assert r.status_code == 422
    assert 'id="rate-error"' in r.text and case.number in Page(r.text).h1
    assert answer(engine) == []


def test_feedback_forms_need_csrf(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    case = make(engine, cfg, "completed")
    client.get(f"/track/{case.tracking_code}")
    for action, data in (("confirm", {}), ("rate", {"rating": "5"}),
                         ("dispute", {"phone": "081-234-5678", "reason": "ยังดับอยู่"})):
        r = post(client, f"/track/{case.tracking_code}/{action}", data, csrf=False)
        assert r.status_code == 403, action
    assert answer(engine) == [] and reload(engine, case).state == "completed"


def test_dispute_with_the_phone_on_file_reopens(client: TestClient, engine: sa.Engine,
                                                cfg: Config) -> None:
    case = make(engine, cfg, "completed")
    path = f"/track/{case.tracking_code}/dispute"
    wrong = post(client, path, {"phone": "089-999-9999", "reason": "ไฟยังดับอยู่"})
    assert wrong.status_code == 403
    assert "เบอร์โทรศัพท์ไม่ตรงกับที่ให้ไว้ตอนแจ้งเรื่อง" in wrong.text
    assert Page(wrong.text).fields["reason"] == "ไฟยังดับอยู่"  # kept for the next try
    assert reload(engine, case).state == "completed"
    no_reason = post(client, path, {"phone": "081-234-5678", "reason": ""})
    assert no_reason.status_code == 422
    r = post(client, path, {"phone": "๐๘๑ ๒๓๔ ๕๖๗๘", "reason": "ไฟยังดับอยู่ 089-111-2222"})
    assert r.status_code == 303
    now = reload(engine, case)
    assert (now.state, now.reopen_count) == ("dispatched", 1)
    assert [f.confirmed for f in answer(engine)] == [False]
    page = Page(client.get(r.headers["location"]).text)
    assert "เปิดเรื่องของท่านใหม่แล้ว" in page.text and "☻ ส่งการแล้ว" in page.text
    assert "ไฟยังดับอยู่" in page.text and "089-111-2222" not in page.text
    twice = post(client, path, {"phone": "081-234-5678", "reason": "อีกครั้ง"})
    assert twice.status_code == 409


def test_dispute_after_the_window_is_refused(client: TestClient, engine: sa.Engine,
                                             cfg: Config) -> None:
    case = make(engine, cfg, "completed", now=NOW - dt.timedelta(days=40))
    page = Page(client.get(f"/track/{case.tracking_code}").text)
    assert "เลยกำหนดเวลาที่จะโต้แย้งผลการดำเนินงานแล้ว" in page.text
    assert "phone" not in page.field_attrs
    r = post(client, f"/track/{case.tracking_code}/dispute",
             {"phone": "081-234-5678", "reason": "ยังไม่ได้ซ่อม"})
    assert r.status_code == 403
    assert reload(engine, case).state == "completed"


def test_dispute_attempts_are_limited_per_case(db_url: str, tmp_path: Path,
                                               engine: sa.Engine, cfg: Config) -> None:
    case = make(engine, cfg, "completed")
    with site_client(db_url, tmp_path, dispute_rate_limit=3) as client:
        path = f"/track/{case.tracking_code}/dispute"
        for guess in ("0800000001", "0800000002", "0800000003"):
            assert post(client, path, {"phone": guess, "reason": "x"}).status_code == 403
        r = post(client, path, {"phone": "081-234-5678", "reason": "x"})
        assert r.status_code == 429 and "retry-after" in r.headers
    assert reload(engine, case).state == "completed"


def test_case_page_in_english_uses_gregorian_dates(client: TestClient, engine: sa.Engine,
                                                   cfg: Config) -> None:
    case = make(engine, cfg, "completed")
    page = Page(client.get(f"/track/{case.tracking_code}?lang=en").text)
    local = case.filed_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert f"Complaint {case.number}" in page.h1
    assert f"{local.day:02d} {local:%b} {local.year}" in page.text
    assert str(local.year + 543) not in page.text
    assert "Confirm that it is fixed" in page.text and "Rate our service" in page.text
