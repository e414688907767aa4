"""A citizen's whole journey in a real Chromium on a 360-px phone with JavaScript off:
file a complaint with a photo, read the number and tracking code, find the complaint on
the tracking table by surname, open its page; after staff complete it (through the
service layer), confirm the fix and rate it. Screenshots of the form, the table and the
case page go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from sqlmodel import select

from casework import db, service
from casework.config import Config
from casework.models import Case
from tests.browser.conftest import serve
from tests.browser.test_track_page import THAI_FONTS, _platform_fonts
from tests.conftest import CONFIG_DIR, ENG_STAFF, OFFICER
from tests.site import image, jpeg_with_gps
from web.media import store_photo
from web.settings import Settings

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
SURNAME = "ทองประเสริฐ"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
         cfg: Config) -> Iterator[tuple[str, str, Path]]:
    """An empty site on 127.0.0.1: (base URL, database URL, var folder)."""
    tmp = tmp_path_factory.mktemp("public-site")
    shutil.copy(sqlite_template, tmp / "casework.db")
    url = f"sqlite:///{tmp / 'casework.db'}"
    engine = db.make_engine(url)
    with db.transaction(engine) as s:
        db.sync_config(s, cfg)
    engine.dispose()
    settings = Settings(database_url=url, config_dir=CONFIG_DIR, var_dir=tmp, scheduler=False)
    with serve(settings) as base_url:
        yield base_url, url, tmp


def phone(browser: Browser) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="th-TH",
                                  timezone_id="Asia/Bangkok", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a 360px phone"


def thai_font(page: Page, context: BrowserContext, selector: str) -> None:
    fonts = _platform_fonts(page, context, selector)
    main = max(fonts, key=lambda f: f["glyphCount"])
    assert THAI_FONTS.match(main["familyName"]), (selector, fonts)


def complete_by_staff(db_url: str, cfg: Config, code: str, media: Path) -> None:
    after = store_photo(image("JPEG", (400, 300)), media)
    engine = db.make_engine(db_url)
    now = dt.datetime.now(dt.UTC)
    with db.transaction(engine) as s:
        case = s.exec(select(Case).where(Case.tracking_code == code)).one()
        service.act(s, cfg, case, "receive", by=OFFICER, now=now)
        service.act(s, cfg, case, "dispatch", by=OFFICER, now=now, consideration="urgent",
                    days=3, note="ส่งช่างไฟฟ้าออกตรวจสอบ")
        service.act(s, cfg, case, "complete", by=ENG_STAFF, now=now,
                    note="เปลี่ยนหลอดไฟและสายไฟแล้ว ใช้งานได้ตามปกติ", photo=after.name)
    engine.dispose()


def test_citizen_files_tracks_confirms_and_rates(
    browser: Browser, site: tuple[str, str, Path], cfg: Config, artifacts: Path,
    tmp_path: Path,
) -> None:
    base_url, db_url, var = site
    context, page = phone(browser)
    try:
        # home → the form
        page.goto(base_url + "/")
        fits(page)
        page.get_by_role("link", name=re.compile("แบบฟอร์มคำร้อง Online")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("แบบฟอร์มคำร้อง Online")
        page.get_by_label("ชื่อ", exact=False).first.fill("วันเพ็ญ")
        page.get_by_label("นามสกุล").fill(SURNAME)
        page.get_by_label("ที่อยู่").fill("45/2 ถนนศรีจันทร์ ตำบลในเมือง อำเภอเมืองขอนแก่น")
        page.get_by_label("โทรศัพท์").fill("086-555-1234")
        page.get_by_label("ประเภทเรื่อง").select_option("lighting")
        page.get_by_label("รายละเอียด").fill(
            "ไฟฟ้าส่องสว่างดับสามต้นติดกัน หน้าโรงเรียนเทศบาล กลางคืนมืดมาก เด็กเดินลำบาก")
        page.get_by_label("สถานที่เกิดเหตุ").fill("ถนนศรีจันทร์ หน้าโรงเรียนเทศบาล")
        photo = tmp_path / "street-light.jpg"
        photo.write_bytes(jpeg_with_gps((1200, 900)))
        page.set_input_files("input[name=photos]", photo)
        page.get_by_label(re.compile("ข้าพเจ้ายินยอม")).check()
        fits(page)
        thai_font(page, context, "label[for=surname]")
        thai_font(page, context, ".notice p")
        page.screenshot(path=artifacts / "complaint-form-phone.png", full_page=True)
        page.get_by_role("button", name="ส่งคำร้อง").click()

        # the result: number and tracking code
        expect(page.get_by_role("heading", level=1)).to_have_text("ได้รับคำร้องของท่านแล้ว")
        number = page.locator("#case-number").inner_text().strip()
        code = page.locator("#tracking-code").inner_text().strip()
        assert re.fullmatch(r"ฟ\./\d{3}", number) and re.fullmatch(r"[A-Z0-9]{10}", code)
        fits(page)
        page.screenshot(path=artifacts / "complaint-filed-phone.png", full_page=True)

        # the tracking table, searched by surname
        page.get_by_role("link", name="ไปที่ตารางติดตามผลการดำเนินงาน").click()
        page.get_by_label("สกุล").fill(SURNAME)
        page.get_by_role("button", name="ค้นหา").click()
        rows = page.locator("table.track tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("td.num")).to_have_text(number)
        expect(rows.first.locator("td.details")).to_contain_text("☹ ไฟฟ้าส่องสว่างดับ")
        expect(rows.first.locator("td.photos img")).to_have_count(1)
        body = page.locator("body").inner_text()
        assert "วันเพ็ญ" not in body and "086-555-1234" not in body and "45/2" not in body
        fits(page)
        page.screenshot(path=artifacts / "track-search-phone.png", full_page=True)

        # the case page, opened with the tracking code
        page.get_by_label("เลขที่ / รหัสติดตาม").fill(code)
        page.get_by_role("button", name="ค้นหา").click()
        page.wait_for_url(re.compile(rf"/track/{code}$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(number)
        expect(page.locator(".status")).to_contain_text("ยังไม่รับเรื่อง")
        fits(page)

        # staff do the work; the citizen confirms and rates
        complete_by_staff(db_url, cfg, code, var / "media")
        page.reload()
        expect(page.locator(".status")).to_contain_text("☼ เสร็จเรียบร้อยแล้ว")
        expect(page.locator(".timeline")).to_contain_text("เปลี่ยนหลอดไฟและสายไฟแล้ว")
        expect(page.locator(".gallery img")).not_to_have_count(0)
        page.get_by_role("button", name="ยืนยันว่าได้รับการแก้ไขแล้ว").click()
        expect(page.locator(".flash")).to_have_text("ขอบคุณที่ยืนยันผลการดำเนินงาน")
        page.get_by_label("5", exact=True).check()
        page.get_by_label("ความคิดเห็นเพิ่มเติม (ถ้ามี)").fill("แก้ไขรวดเร็ว ขอบคุณครับ")
        page.get_by_role("button", name="ส่งคะแนน").click()
        expect(page.locator(".feedback")).to_contain_text("ท่านให้คะแนน 5 จาก 5")
        expect(page.locator(".feedback")).to_contain_text("ท่านยืนยันแล้วว่าได้รับการแก้ไข")
        for img in page.locator("img").all():  # lazy images load once scrolled to
            img.scroll_into_view_if_needed()
            page.wait_for_function("i => i.complete && i.naturalWidth > 0",
                                   arg=img.element_handle(), timeout=10_000)
        fits(page)
        thai_font(page, context, ".timeline .note")
        page.screenshot(path=artifacts / "case-page-phone.png", full_page=True)

        # the English switch is a plain link
        page.get_by_role("link", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Complaint {number}")
        expect(page.locator(".feedback")).to_contain_text("You rated it 5 out of 5.")
        page.screenshot(path=artifacts / "case-page-phone-en.png", full_page=True)
    finally:
        context.close()


def test_refused_form_keeps_the_text_and_says_why(
    browser: Browser, site: tuple[str, str, Path],
) -> None:
    base_url, _, _ = site
    context, page = phone(browser)
    try:
        page.goto(base_url + "/complaint")
        page.get_by_label("ชื่อ", exact=False).first.fill("สมปอง")
        page.get_by_label("นามสกุล").fill("ดีใจ")
        page.get_by_label("ที่อยู่").fill("1 ถนนกลางเมือง")
        page.get_by_label("โทรศัพท์").fill("12345")  # too short: the server refuses it
        page.get_by_label("รายละเอียด").fill("ขยะไม่มีคนเก็บ")
        page.get_by_label(re.compile("ข้าพเจ้ายินยอม")).check()
        page.get_by_role("button", name="ส่งคำร้อง").click()
        expect(page.locator(".errors")).to_be_visible()
        expect(page.locator("#phone-error")).to_contain_text("081-234-5678")
        expect(page.get_by_label("รายละเอียด")).to_have_value("ขยะไม่มีคนเก็บ")
        fits(page)
    finally:
        context.close()
