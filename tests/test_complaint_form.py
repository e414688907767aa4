"""The complaint form (/complaint) over HTTP on SQLite and PostgreSQL: what it asks,
filing with and without photos, and everything it refuses — missing or bad fields,
fake and oversized images, script in text, missing CSRF tokens, the honeypot, floods."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from casework import db
from casework.models import Case, CasePhoto, Notice
from tests.site import FORM, Page, filed, image, jpeg_with_gps, send, site_client, token

REQUIRED = ("first_name", "surname", "address", "phone", "details")


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with site_client(db_url, tmp_path, max_upload_bytes=200_000) as c:
        yield c


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()


def cases(engine: sa.Engine) -> list[Case]:
    with db.reading(engine) as s:
        return list(s.exec(select(Case).order_by(Case.id)).all())  # type: ignore[arg-type]


def photos_of(engine: sa.Engine) -> list[CasePhoto]:
    with db.reading(engine) as s:
        return list(s.exec(select(CasePhoto).order_by(CasePhoto.id)).all())  # type: ignore[arg-type]


# ---------------------------------------------------------------- the form

def test_form_asks_what_the_municipality_publishes(client: TestClient) -> None:
    r = client.get("/complaint")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    page = Page(r.text)
    assert "แบบฟอร์มคำร้อง Online" in page.h1
    assert ("ใช้ชื่อเป็นนามแฝง ที่อยู่/เบอร์โทรศัพท์ไม่ถูกต้อง เทศบาลนครขอนแก่น "
            "จะไม่สามารถนำเรื่องของท่านไปดำเนินการได้") in page.text
    assert "ข้อมูลของท่านจะถูกเก็บไว้เป็นความลับ" in page.text
    assert "สำเนาข้อความนี้ไปยังอีเมลของคุณ" in page.text
    for name in (*REQUIRED, "email", "category", "subject", "location_text", "photos",
                 "csrf_token", "website"):
        assert name in page.field_attrs, name
    for name in (*REQUIRED, "consent"):
        assert "required" in page.field_attrs[name], name
    assert page.field_attrs["copy_to_email"]["type"] == "checkbox"
    assert page.field_attrs["photos"]["accept"] == "image/jpeg,image/png,image/webp"
    assert 'enctype="multipart/form-data"' in r.text
    assert '<option value="">ไม่ทราบ' in r.text and 'value="lighting"' in r.text
    assert page.fields["csrf_token"] and "csrf" in r.cookies
    assert "script" not in page.tags  # works without JavaScript


def test_filing_shows_number_code_and_link(client: TestClient, engine: sa.Engine) -> None:
    r = send(client, {"copy_to_email": "1"})
    assert r.url.path == "/complaint/done"
    number, code = filed(r)
    assert number == "ฟ./001" and code is not None
    assert f"/track/{code}" in Page(r.text).links
    assert "ส่งสำเนาคำร้องและลิงก์ติดตามเรื่องไปยังอีเมลของท่าน" in r.text
    assert r.headers["cache-control"] == "no-store"
    again = client.get("/complaint/done")  # a reload shows it again, files nothing
    assert filed(again) == (number, code)
    [case] = cases(engine)
    assert (case.number, case.tracking_code, case.state, case.channel) == (
        number, code, "not_received", "web")
    assert (case.first_name, case.surname, case.phone, case.email) == (
        "มาลัย", "ศรีสุข", "0897654321", "malai.s@example.com")
    assert case.copy_to_email and case.suggestion and case.filed_by is None
    with db.reading(engine) as s:
        acks = [n.key for n in s.exec(select(Notice)).all() if n.kind == "ack"]
    assert acks == [f"case:{case.id}:ack"]  # the acknowledgement waits in the outbox


def test_no_copy_without_the_tick(client: TestClient, engine: sa.Engine) -> None:
    r = send(client)  # email given, box not ticked
    assert "ส่งสำเนาคำร้อง" not in r.text
    [case] = cases(engine)
    assert not case.copy_to_email
    with db.reading(engine) as s:
        assert [n for n in s.exec(select(Notice)).all() if n.kind == "ack"] == []


def test_done_page_without_a_filing_goes_to_the_form(client: TestClient) -> None:
    r = client.get("/complaint/done", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/complaint"
    client.cookies.set("filed", "forged.value")
    assert client.get("/complaint/done", follow_redirects=False).status_code == 303


def test_urlencoded_form_without_photos_works_too(client: TestClient) -> None:
    r = client.post("/complaint", data={**FORM, "csrf_token": token(client)})
    assert filed(r)[0] == "ฟ./001"


def test_unknown_category_lets_the_router_choose(client: TestClient,
                                                  engine: sa.Engine) -> None:
    r = send(client, {"category": "", "details": "ท่อระบายน้ำอุดตัน น้ำเน่าเอ่อล้นถนน"})
    assert filed(r)[0].startswith("ท./")
    assert cases(engine)[0].category_code == "drainage"


def test_corruption_complaint_is_sealed(client: TestClient, engine: sa.Engine) -> None:
    r = send(client, {"category": "corruption", "details": "เจ้าหน้าที่เรียกรับเงินใต้โต๊ะ"},
             photos=[("bribe.jpg", jpeg_with_gps(), "image/jpeg")])
    number, code = filed(r)
    assert number.startswith("ทจ./") and code is None  # no tracking link for sealed cases
    assert "เก็บเป็นความลับ" in r.text
    [case] = cases(engine)
    assert case.track == "corruption"
    assert client.get(f"/track/{case.tracking_code}").status_code == 404
    [photo] = photos_of(engine)
    assert client.get(f"/media/{photo.name}").status_code == 404
    assert client.get(f"/media/{photo.thumb}").status_code == 404
    assert number not in client.get("/track").text


# ---------------------------------------------------------------- photos

def test_photo_is_stored_clean_with_thumbnail(client: TestClient, engine: sa.Engine,
                                              tmp_path: Path) -> None:
    raw = jpeg_with_gps()
    assert b"PhoneMaker" in raw
    r = send(client, photos=[("IMG_0001.JPG", raw, "image/jpeg"),
                             ("second.png", image("PNG"), "image/png")])
    filed(r)
    stored = photos_of(engine)
    assert [p.kind for p in stored] == ["before", "before"]
    first = stored[0]
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{64}\.jpg", first.name)
    assert (first.width, first.height) == (640, 480)
    body = (tmp_path / "media" / first.name).read_bytes()
    assert b"PhoneMaker" not in body
    with Image.open(io.BytesIO(body)) as im:
        assert im.format == "JPEG" and not im.getexif()
    assert (tmp_path / "media" / first.thumb).is_file()
    got = client.get(f"/media/{first.name}")
    assert got.status_code == 200 and got.content == body
    assert got.headers["content-type"] == "image/jpeg"
    assert "immutable" in got.headers["cache-control"]
    thumbs = [img["src"] for img in Page(client.get("/track").text).images]
    assert f"/media/{first.thumb}" in thumbs


def test_webp_is_accepted(client: TestClient, engine: sa.Engine) -> None:
    filed(send(client, photos=[("p.webp", image("WEBP"), "image/webp")]))
    assert len(photos_of(engine)) == 1


@pytest.mark.parametrize(("name", "body", "ctype"), [
    ("fake.jpg", b"<?php echo 'not a photo'; ?>" * 20, "image/jpeg"),
    ("virus.exe", b"MZ\x90\x00" + b"\x00" * 200, "image/png"),
    ("anim.gif", image("GIF"), "image/gif"),
    ("cut.jpg", jpeg_with_gps()[:600], "image/jpeg"),
])
def test_fake_or_other_images_are_refused(client: TestClient, engine: sa.Engine,
                                          name: str, body: bytes, ctype: str) -> None:
    r = send(client, photos=[(name, body, ctype)])
    assert r.status_code == 422
    page = Page(r.text)
    assert "JPEG, PNG หรือ WebP" in page.text
    assert page.fields["details"] == FORM["details"]  # what was typed is kept
    assert page.fields["surname"] == FORM["surname"]
    assert cases(engine) == [] and photos_of(engine) == []


def test_oversized_photo_is_413_and_files_nothing(client: TestClient,
                                                 engine: sa.Engine) -> None:
    big = jpeg_with_gps((2400, 1800))
    big += b"\x00" * max(0, 200_001 - len(big))  # trailing bytes: over the 200 kB limit
    r = send(client, photos=[("big.jpg", big, "image/jpeg")])
    assert r.status_code == 413
    assert "รูปภาพแต่ละรูปต้องมีขนาดไม่เกิน" in Page(r.text).text
    assert cases(engine) == []


def test_body_over_the_limit_is_413_page(client: TestClient, engine: sa.Engine) -> None:
    huge = b"\xff" * (200_000 * 3 + 1024 * 1024 + 10)
    r = send(client, photos=[("huge.jpg", huge, "image/jpeg")])
    assert r.status_code == 413
    assert "ไฟล์หรือข้อมูลมีขนาดใหญ่เกินกำหนด" in Page(r.text).h1
    assert cases(engine) == []


def test_more_than_three_photos_is_422(client: TestClient, engine: sa.Engine) -> None:
    four = [(f"p{i}.png", image("PNG", (10 + i, 10)), "image/png") for i in range(4)]
    r = send(client, photos=four)
    assert r.status_code == 422
    assert "แนบรูปภาพได้ไม่เกิน 3 รูป" in r.text
    assert cases(engine) == []


def test_photos_of_a_refused_form_are_kept_for_the_next_try(client: TestClient,
                                                            engine: sa.Engine) -> None:
    r = send(client, {"phone": "12"}, photos=[("street.jpg", jpeg_with_gps(), "image/jpeg")])
    assert r.status_code == 422
    page = Page(r.text)
    assert "แนบไว้แล้ว: street.jpg" in page.text
    keep = page.fields["photo_keep"]
    r = send(client, {"photo_keep": keep, "csrf_token": page.fields["csrf_token"]})
    filed(r)
    assert [p.kind for p in photos_of(engine)] == ["before"]
    # a forged keep token is ignored
    filed(send(client, {"photo_keep": keep[:-4] + "AAAA"}))
    assert len(photos_of(engine)) == 1


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("missing", REQUIRED)
def test_missing_required_field_is_422(client: TestClient, engine: sa.Engine,
                                       missing: str) -> None:
    r = send(client, {missing: ""})
    assert r.status_code == 422
    page = Page(r.text)
    assert "ยังส่งคำร้องไม่ได้" in page.text
    assert page.field_attrs[missing].get("aria-invalid") == "true"
    assert cases(engine) == []


@pytest.mark.parametrize(("field", "value"), [
    ("phone", "12345"), ("phone", "โทรหาฉัน"), ("email", "not-an-email"),
    ("details", "ก" * 5001), ("first_name", "x" * 101), ("category", "nonsense"),
    ("details", "มีอักขระ\x00ต้องห้าม"), ("subject", "s" * 201),
])
def test_bad_values_are_422(client: TestClient, engine: sa.Engine, field: str,
                            value: str) -> None:
    r = send(client, {field: value})
    assert r.status_code == 422
    assert Page(r.text).field_attrs[field].get("aria-invalid") == "true"
    assert cases(engine) == []


def test_consent_is_required(client: TestClient, engine: sa.Engine) -> None:
    r = send(client, {"consent": None})
    assert r.status_code == 422
    assert "กรุณาให้ความยินยอมก่อนส่งคำร้อง" in r.text
    assert cases(engine) == []


def test_script_in_text_is_stored_literally_and_shown_escaped(
    client: TestClient, engine: sa.Engine,
) -> None:
    evil = "<script>alert('x')</script> <img src=x onerror=alert(1)> ' OR 1=1; DROP TABLE cases;--"
    number, code = filed(send(client, {"details": evil, "subject": "<b>หัวข้อ</b>",
                                       "location_text": "<i>ซอย</i>"}))
    assert cases(engine)[0].details == evil
    assert number in client.get("/track").text
    for path in ("/track", f"/track/{code}", "/complaint/done"):
        r = client.get(path)
        assert "<script>alert" not in r.text and "<img src=x" not in r.text
        assert "<b>หัวข้อ</b>" not in r.text and "<i>ซอย</i>" not in r.text
    shown = client.get(f"/track/{code}").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in shown


def test_text_that_is_not_utf8_is_400(client: TestClient, engine: sa.Engine) -> None:
    csrf = token(client)
    boundary = "----casework"
    parts = [("csrf_token", csrf.encode()), *((k, v.encode()) for k, v in FORM.items()
                                               if k != "details"),
             ("details", "ไฟดับ".encode() + b"\xff\xfe broken")]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
        + v + b"\r\n" for k, v in parts) + f"--{boundary}--\r\n".encode()
    r = client.post("/complaint", content=body,
                    headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 400
    assert cases(engine) == []


def test_over_long_text_field_is_413(client: TestClient, engine: sa.Engine) -> None:
    r = send(client, {"details": "ก" * 30_000})  # 90 kB of UTF-8
    assert r.status_code == 413
    assert cases(engine) == []


def test_garbled_multipart_is_400(client: TestClient, engine: sa.Engine) -> None:
    body = (f'--x\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f'{token(client)}\r\n--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x--\r\n')
    r = client.post("/complaint", content=body.encode(),
                    headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 400
    assert "แบบฟอร์มที่ส่งมาไม่สมบูรณ์" in r.text
    assert cases(engine) == []


# ---------------------------------------------------------------- CSRF, honeypot, floods

def test_missing_csrf_token_is_403(client: TestClient, engine: sa.Engine) -> None:
    r = send(client, csrf="")
    assert r.status_code == 403
    page = Page(r.text)
    assert "ไม่มีสิทธิ์เข้าถึง" in page.h1 and "แบบฟอร์มหมดอายุ" in page.text
    assert cases(engine) == []


def test_token_of_another_visitor_or_no_cookie_is_403(db_url: str, tmp_path: Path,
                                                      engine: sa.Engine) -> None:
    with site_client(db_url, tmp_path) as mine, site_client(db_url, tmp_path) as theirs:
        their_token = token(theirs)
        token(mine)
        assert send(mine, csrf=their_token).status_code == 403
        mine.cookies.clear()
        assert send(mine, csrf=their_token).status_code == 403
        assert send(mine, csrf="garbage.token.value").status_code == 403
    assert cases(engine) == []


def test_token_signed_with_another_key_is_403(db_url: str, tmp_path: Path) -> None:
    with site_client(db_url, tmp_path / "a") as a, site_client(db_url, tmp_path / "b") as b:
        foreign = token(a)  # valid for site a, whose key differs from site b's
        b.cookies.set("csrf", a.cookies["csrf"])
        assert send(b, csrf=foreign).status_code == 403


def test_honeypot_is_400(client: TestClient, engine: sa.Engine) -> None:
    r = send(client, {"website": "http://spam.example"})
    assert r.status_code == 400
    assert cases(engine) == []


def test_rate_limit_is_429_with_retry_after(db_url: str, tmp_path: Path,
                                            engine: sa.Engine) -> None:
    with site_client(db_url, tmp_path, complaint_rate_limit=2,
                     complaint_rate_window=600) as client:
        filed(send(client))
        filed(send(client))
        r = send(client)
        assert r.status_code == 429
        assert 0 < int(r.headers["retry-after"]) <= 600
        assert "มีการส่งคำขอถี่เกินไป" in Page(r.text).h1
    assert len(cases(engine)) == 2


def test_secret_key_is_kept_in_var(db_url: str, tmp_path: Path) -> None:
    with site_client(db_url, tmp_path) as first:
        csrf = token(first)
        cookie = first.cookies["csrf"]
    key = tmp_path / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600
    with site_client(db_url, tmp_path) as restarted:  # a restart keeps open forms valid
        restarted.cookies.set("csrf", cookie)
        filed(send(restarted, csrf=csrf))


@pytest.mark.parametrize("lang", ["th", "en"])
def test_form_errors_in_the_visitors_language(client: TestClient, lang: str) -> None:
    client.get(f"/complaint?lang={lang}")
    r = send(client, {"phone": "1"})
    expected: dict[str, Any] = {
        "th": "กรุณากรอกเบอร์โทรศัพท์ที่ติดต่อได้",
        "en": "Please enter a Thai phone number",
    }
    assert r.status_code == 422 and expected[lang] in r.text
    assert Page(r.text).source.startswith("<!doctype html>\n<html lang=\"" + lang)
