"""The staff workspace in a real Chromium, one case from the inbox to the citizen's
tracking row: an officer signs in, accepts and dispatches a new complaint as urgent (3
days) to engineering; an engineer finds it at the top of the queue, posts progress with
a photo and completes it with an after photo; the engineering supervisor sees the
month's compliance change; the public tracking row shows ☼ and the after photo.
Screenshots (desktop and a 360 px phone) go to test-artifacts/ to be looked at."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from casework import db, service
from casework.actors import Actor
from casework.config import Config
from casework.routing import Decision
from tests.browser.conftest import serve
from tests.cases import case_in
from tests.conftest import CONFIG_DIR
from tests.site import image, jpeg_with_gps
from tests.staff_site import PASSWORD, add_accounts
from web.settings import Settings

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 780}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
OFFICER = Actor("officer1", "officer")
DETAILS = "ไฟฟ้าสาธารณะดับทั้งซอยมิตรภาพ 17 มืดมาก มีคนถูกวิ่งราวกระเป๋าเมื่อคืน ขอให้ซ่อมด่วน"


@dataclass(frozen=True)
class Site:
    base: str
    case_id: int
    number: str
    others: list[str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
         cfg: Config) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("staff-browser")
    shutil.copy(sqlite_template, tmp / "casework.db")
    url = f"sqlite:///{tmp / 'casework.db'}"
    now = dt.datetime.now(dt.UTC)
    engine = db.make_engine(url)
    with db.transaction(engine) as s:
        db.sync_config(s, cfg)
    add_accounts(engine, cfg)
    others = []
    with db.transaction(engine) as s:
        # the engineering queue already holds work with later deadlines; public health
        # has an overdue case (the center's dashboard shows it)
        for i, (days, kind) in enumerate(((7, "urgent"), (15, "normal"), (30, "survey"))):
            c = case_in(s, cfg, "received", now=now - dt.timedelta(hours=5 + i),
                        category="road", details=f"ถนนชำรุดเป็นหลุมลึก ซอย {i + 3}",
                        first_name="ทดสอบ", surname=f"ลำดับ{i}")
            service.act(s, cfg, c, "dispatch", by=OFFICER, now=now - dt.timedelta(hours=4),
                        consideration=kind, days=days)
            others.append(c.number)
        late = case_in(s, cfg, "received", now=now - dt.timedelta(days=4), category="waste",
                       details="รถเก็บขยะไม่มาเก็บสามวันแล้ว ส่งกลิ่นเหม็น")
        service.act(s, cfg, late, "dispatch", by=OFFICER, now=now - dt.timedelta(days=4),
                    consideration="urgent", days=1)
        proposal = Decision("lighting", "engineering", urgent=True, confidence=0.82,
                            reasons=["lighting: “ไฟฟ้าสาธารณะ”", "urgent: “ซ่อมด่วน”"],
                            decided_by="rules")
        case = service.file_case(s, cfg, {
            "first_name": "วิไล", "surname": "แก้วมณี", "phone": "089-111-2233",
            "address": "45 ซอยมิตรภาพ 17 ต.ในเมือง อ.เมือง จ.ขอนแก่น", "details": DETAILS,
            "location_text": "ซอยมิตรภาพ 17", "channel": "web"},
            now=now - dt.timedelta(minutes=20), suggestion=proposal)
        case_id, number = int(case.id or 0), case.number
    engine.dispose()
    settings = Settings(database_url=url, config_dir=CONFIG_DIR, var_dir=tmp, scheduler=False)
    with serve(settings) as base:
        yield Site(base, case_id, number, others)


def context(browser: Browser, viewport: ViewportSize) -> BrowserContext:
    ctx = browser.new_context(viewport=viewport, locale="th-TH", timezone_id="Asia/Bangkok")
    ctx.set_default_timeout(10_000)
    return ctx


def sign_in(ctx: BrowserContext, base: str, username: str) -> Page:
    page = ctx.new_page()
    page.goto(base + "/staff")
    expect(page).to_have_url(base + "/staff/login")
    page.get_by_label("ชื่อผู้ใช้").fill(username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.locator(".who .me")).to_contain_text(username.upper())
    return page


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url} is {width}px wide in a {inner}px viewport"


def shoot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=artifacts / f"staff-{name}.png", full_page=True)


def photo(name: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def assert_loaded(page: Page, img: Locator) -> None:
    """The image shows: scrolled to (lazy images load only then) and decoded, waiting
    for it as a person would rather than racing the download."""
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=img.element_handle(), timeout=10_000)


def compliance(page: Page) -> str:
    return page.locator("#compliance-month-resolution").inner_text().strip()


def test_one_case_from_the_inbox_to_the_citizen(browser: Browser, site: Site,
                                                 artifacts: Path) -> None:
    base = site.base
    supervisor = sign_in(context(browser, DESKTOP), base, "enghead")
    expect(supervisor).to_have_url(base + "/staff/dashboard")
    before = compliance(supervisor)
    shoot(supervisor, artifacts, "dashboard-before")

    # the officer: accept, then dispatch as urgent, 3 days, to engineering
    officer = sign_in(context(browser, DESKTOP), base, "officer1")
    expect(officer).to_have_url(base + "/staff/inbox")
    card = officer.locator(f"#case-{site.case_id}")
    expect(card).to_contain_text("ระบบเสนอ:")
    expect(card).to_contain_text("urgent: “ซ่อมด่วน”")
    assert "089-111-2233" not in officer.locator("main").inner_text()
    shoot(officer, artifacts, "inbox-desktop")
    phone_officer = sign_in(context(browser, PHONE), base, "officer1")
    no_sideways_scroll(phone_officer)
    shoot(phone_officer, artifacts, "inbox-phone")
    expect(card.get_by_label("ประเภทเรื่อง")).to_have_value("lighting")
    card.get_by_role("button", name="รับเรื่อง").click()
    expect(officer.locator(".flash")).to_contain_text("รับเรื่องแล้ว")
    card = officer.locator(f"#case-{site.case_id}")
    card.get_by_label("หน่วยงานที่รับผิดชอบ").select_option("engineering")
    card.get_by_label("เร่งด่วน (1-7 วัน)").check()
    card.get_by_label("จำนวนวัน (เฉพาะเรื่องเร่งด่วน)").select_option("3")
    shoot(officer, artifacts, "inbox-dispatch-form")
    card.get_by_role("button", name="ส่งการ").click()
    expect(officer.locator(".flash")).to_contain_text("ส่งการไปยังหน่วยงานแล้ว")
    expect(officer.locator(f"#case-{site.case_id}")).to_have_count(0)

    # the engineer: the case is at the top of the queue (earliest due)
    engineer = sign_in(context(browser, PHONE), base, "eng1")
    expect(engineer).to_have_url(base + "/staff/queue")
    rows = engineer.locator("table.queue tbody tr")
    expect(rows.first.locator("td.num")).to_contain_text(site.number)
    expect(rows.first).to_contain_text("เร่งด่วน")
    no_sideways_scroll(engineer)
    shoot(engineer, artifacts, "queue-phone")
    rows.first.locator("td.num a").click()
    expect(engineer.locator("h1")).to_contain_text(site.number)
    engineer.locator("#do-progress summary").click()
    progress = engineer.locator("#do-progress")
    progress.get_by_label("ความคืบหน้า").fill("ลงพื้นที่แล้ว พบสายไฟขาด กำลังเปลี่ยนสาย")
    progress.get_by_label("ภาพประกอบ").set_input_files(photo("site.jpg", jpeg_with_gps()))
    progress.get_by_role("button", name="บันทึกความคืบหน้า").click()
    expect(engineer.locator(".flash")).to_contain_text("บันทึกความคืบหน้าแล้ว")
    expect(engineer.locator("#history")).to_contain_text("พบสายไฟขาด")
    engineer.locator("#do-complete summary").click()
    done = engineer.locator("#do-complete")
    done.get_by_label("ผลการดำเนินการ (ผู้ร้องเห็นข้อความนี้)").fill(
        "เปลี่ยนสายไฟและหลอดไฟใหม่แล้ว ไฟติดทั้งซอย")
    done.get_by_label("ภาพหลังดำเนินการ").set_input_files(
        photo("after.jpg", image("JPEG", (800, 600))))
    done.get_by_role("button", name="ดำเนินการเสร็จ").click()
    expect(engineer.locator(".flash")).to_contain_text("ดำเนินการเสร็จเรียบร้อยแล้ว")
    expect(engineer.locator("h1")).to_contain_text("เสร็จเรียบร้อยแล้ว")
    images = engineer.locator("#history img")
    expect(images).to_have_count(2)
    for i in range(2):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    no_sideways_scroll(engineer)
    shoot(engineer, artifacts, "case-completed-phone")
    desk = sign_in(context(browser, DESKTOP), base, "eng1")
    desk.goto(f"{base}/staff/cases/{site.case_id}")
    shoot(desk, artifacts, "case-completed-desktop")

    # the supervisor: the month's compliance moved
    supervisor.reload()
    after = compliance(supervisor)
    assert after != before, (before, after)
    assert after == "100 %" or after.endswith("%")
    shoot(supervisor, artifacts, "dashboard-after")

    # the citizen: ☼ and the after photo on the public tracking row
    citizen = context(browser, PHONE).new_page()
    citizen.goto(base + "/track")
    row = citizen.locator("table.track tbody tr", has_text=site.number)
    expect(row.locator("td.details .sym")).to_have_text("☼")
    after_photo = row.locator("td.photos").nth(1).locator("img")
    expect(after_photo).to_have_count(1)
    assert_loaded(citizen, after_photo)
    shoot(citizen, artifacts, "track-row-phone")


def test_pages_work_on_a_phone_and_in_english(browser: Browser, site: Site,
                                              artifacts: Path) -> None:
    center = sign_in(context(browser, DESKTOP), site.base, "centerhead")
    expect(center.locator(".due-list")).to_contain_text("รถเก็บขยะ")
    shoot(center, artifacts, "dashboard-center")
    ctx = context(browser, PHONE)
    page = sign_in(ctx, site.base, "enghead")
    for path, name in (("/staff/dashboard", "dashboard-phone"), ("/staff/queue", "queue-head"),
                       (f"/staff/cases/{site.case_id}", "case-head-phone")):
        page.goto(site.base + path)
        no_sideways_scroll(page)
        shoot(page, artifacts, name)
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_contain_text("Case")
    expect(page.locator("#history h2")).to_have_text("Full history")
    shoot(page, artifacts, "case-english-phone")
    admin = sign_in(context(browser, DESKTOP), site.base, "admin1")
    shoot(admin, artifacts, "admin-users")
    admin.goto(site.base + "/staff/admin/router?text=" + DETAILS)
    expect(admin.locator("#decision")).to_contain_text("ไฟฟ้าสาธารณะ")
    shoot(admin, artifacts, "admin-router")
