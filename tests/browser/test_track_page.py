"""The public tracking page in a real Chromium, on a phone and on a desktop: it loads,
shows the cases, searches through the form, lays out as cards on a phone and draws Thai
with a Thai font. Full-page screenshots go to test-artifacts/ for a human to look at."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from casework import db, numbering
from casework.config import Config
from tests.browser.conftest import serve
from tests.cases import case_in
from tests.conftest import CONFIG_DIR
from web.settings import Settings

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
TITLE = "ติดตามผลการดำเนินงาน ประจำปีงบประมาณ"
# Fonts that carry Thai glyphs (fonts-thai-tlwg, Noto, and the first choice in site.css).
THAI_FONTS = re.compile(
    r"^(Garuda|Loma|Norasi|Kinnari|Sawasdee|Umpush|Laksaman|Waree|Purisa|Tlwg.*|"
    r"Noto (Sans|Serif|Looped) Thai.*|Sarabun)$", re.IGNORECASE)


@dataclass(frozen=True)
class Filed:
    number: str
    first_name: str
    surname: str
    phone: str
    details: str
    state: str


# (first name, surname, phone, category, state, details); filed oldest first
CASES: list[tuple[str, str, str, str, str, str]] = [
    ("สมชาย", "ใจดี", "081-234-5678", "lighting", "completed",
     "ไฟฟ้าสาธารณะดับทั้งซอย ซอยเทพารักษ์ 11 มาสามวันแล้ว กลางคืนมืดมาก"),
    ("วิไล", "แก้วมณี", "089-111-2233", "drainage", "dispatched",
     "ท่อระบายน้ำอุดตัน น้ำเน่าเอ่อล้นผิวถนน หน้าตลาดบางลำภู ส่งกลิ่นเหม็นมาก"),
    ("ประเสริฐ", "ศรีสุข", "062-345-6789", "road", "received",
     "ถนนเป็นหลุมลึกหน้าโรงเรียน รถจักรยานยนต์ล้มบ่อย ขอให้ซ่อมด่วน"),
    ("อรุณี", "ทองคำ", "095-876-5432", "waste", "not_received",
     "รถเก็บขยะไม่มาเก็บสองสัปดาห์แล้ว ซอยมิตรภาพ 5 ติดต่อกลับ 081-999-8888"),
    ("บุญมี", "พรหมมา", "086-222-3344", "tree", "dispatched",
     "กิ่งต้นไม้ใหญ่พาดสายไฟ ถนนศรีจันทร์ เกรงจะหักโค่นช่วงพายุ"),
    ("สุดารัตน์", "บุญเรือง", "084-555-6677", "nuisance", "not_received",
     "ร้านคาราโอเกะเปิดเสียงดังเกินเที่ยงคืนทุกคืน ชุมชนโนนหนองวัด นอนไม่หลับ"),
    ("ชัยวัฒน์", "ลับเฉพาะ", "087-000-1122", "corruption", "not_received",
     "เจ้าหน้าที่เรียกรับเงินใต้โต๊ะเพื่อเร่งออกใบอนุญาตก่อสร้าง"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
         cfg: Config) -> Iterator[tuple[str, list[Filed]]]:
    """A migrated SQLite copy with a handful of cases filed in the current fiscal year,
    served on 127.0.0.1. Yields (base URL, the cases, oldest first)."""
    tmp = tmp_path_factory.mktemp("browser")
    path = tmp / "casework.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    now = dt.datetime.now(dt.UTC)
    fy_start = numbering.fiscal_year_bounds(numbering.fiscal_year(now))[0]
    filed: list[Filed] = []
    engine = db.make_engine(url)
    with db.transaction(engine) as s:
        db.sync_config(s, cfg)
        for i, (first, last, phone, category, state, details) in enumerate(CASES):
            at = max(now - dt.timedelta(days=len(CASES) - i, hours=3),
                     fy_start + dt.timedelta(minutes=i + 1))
            case = case_in(s, cfg, state, now=at, first_name=first, surname=last, phone=phone,
                           category=category, details=details, channel="web",
                           address=f"{10 + i}/3 หมู่ 2 ต.ในเมือง อ.เมืองขอนแก่น จ.ขอนแก่น")
            filed.append(Filed(case.number, first, last, phone, details, state))
    engine.dispose()
    settings = Settings(database_url=url, config_dir=CONFIG_DIR, var_dir=tmp, scheduler=False)
    with serve(settings) as base_url:
        yield base_url, filed


def open_track(browser: Browser, base_url: str, viewport: ViewportSize,
               path: str = "/track", **options: Any) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=viewport, locale="th-TH",
                                  timezone_id="Asia/Bangkok", **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    response = page.goto(base_url + path)
    assert response is not None and response.status == 200
    return context, page


def public(filed: list[Filed]) -> list[Filed]:
    return [c for c in filed if not c.number.startswith("ทจ.")]


def check_page(page: Page, filed: list[Filed]) -> None:
    fy = numbering.fiscal_year(dt.datetime.now(dt.UTC))
    expect(page).to_have_title(f"{TITLE} {fy}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{TITLE} {fy}")
    rows = page.locator("table.track tbody tr")
    shown = public(filed)
    expect(rows).to_have_count(len(shown))
    newest = shown[-1]
    first = rows.first
    expect(first).to_be_visible()
    expect(first.locator("td.num")).to_have_text(newest.number)
    expect(first.locator("td.details")).to_contain_text(newest.details[:20])
    # never the complainant, never a corruption case
    body = page.locator("body").inner_text()
    for case in filed:
        assert case.surname not in body and case.phone not in body
    assert "ทจ." not in body and "ใต้โต๊ะ" not in body
    assert "081-999-8888" not in body  # phone inside details is masked


LINES_JS = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].filter(r => r.width > 0)
                 .map(r => Math.round(r.bottom))).size;
}"""


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"page is {width}px wide in a {inner}px viewport"


def test_phone(browser: Browser, site: tuple[str, list[Filed]], artifacts: Path) -> None:
    base_url, filed = site
    context, page = open_track(browser, base_url, PHONE, is_mobile=True, has_touch=True,
                               device_scale_factor=2)
    try:
        check_page(page, filed)
        # rows are cards: no header row, each cell on its own line with its label
        expect(page.locator("table.track thead")).to_be_hidden()
        first = page.locator("table.track tbody tr").first
        assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
        label = first.locator("td.num").evaluate(
            "td => getComputedStyle(td, '::before').content")
        assert "เลขที่" in label
        no_sideways_scroll(page)
        expect(page.get_by_role("button", name="ค้นหา")).to_be_visible()
        page.screenshot(path=artifacts / "track-phone.png", full_page=True)
    finally:
        context.close()


def test_desktop(browser: Browser, site: tuple[str, list[Filed]], artifacts: Path) -> None:
    base_url, filed = site
    context, page = open_track(browser, base_url, DESKTOP)
    try:
        check_page(page, filed)
        for header in ("เลขที่", "ว.ด.ป ร้องทุกข์", "รายละเอียด", "ภาพก่อน", "ภาพหลัง",
                       "พิจารณา", "หน่วยงานที่รับผิดชอบ"):
            expect(page.get_by_role("columnheader", name=header, exact=True)).to_be_visible()
        for symbol in "☹☺☻☼":
            expect(page.locator(".legend")).to_contain_text(symbol)
        dispatched = next(c for c in filed if c.state == "dispatched")
        row = page.locator("table.track tbody tr", has_text=dispatched.number)
        expect(row).to_contain_text("เร่งด่วน (1-7 วัน)")
        expect(row).to_contain_text("สำนักการช่าง")
        assert page.locator("table.track").evaluate("t => getComputedStyle(t).display") \
            == "table"
        # headers and the consideration class are never broken in the middle of a word
        for cell in [*page.locator("table.track th").all(),
                     *page.locator("table.track td.consideration").all()]:
            if cell.inner_text().strip():
                assert cell.evaluate(LINES_JS) == 1, f"{cell.inner_text()!r} wraps"
        no_sideways_scroll(page)
        page.screenshot(path=artifacts / "track-desktop.png", full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_search_by_surname_through_the_form(
    browser: Browser, site: tuple[str, list[Filed]], artifacts: Path, viewport: ViewportSize,
) -> None:
    base_url, filed = site
    wanted = next(c for c in filed if c.surname == "แก้วมณี")
    context, page = open_track(browser, base_url, viewport)
    try:
        page.get_by_label("สกุล").fill(wanted.surname)
        page.get_by_role("button", name="ค้นหา").click()
        page.wait_for_url(re.compile(r"/track\?.*surname="))
        rows = page.locator("table.track tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("td.num")).to_have_text(wanted.number)
        expect(rows.first.locator("td.details")).to_contain_text("☻")
        expect(rows.first.locator("td.details")).to_contain_text("ท่อระบายน้ำอุดตัน")
        expect(page.get_by_label("สกุล")).to_have_value(wanted.surname)
        assert wanted.first_name not in page.locator("body").inner_text()
        if viewport is DESKTOP:
            page.screenshot(path=artifacts / "track-search.png", full_page=True)

        page.get_by_label("สกุล").fill("ไม่มีใครชื่อนี้")
        page.get_by_role("button", name="ค้นหา").click()
        expect(page.locator("table.track tbody")).to_contain_text("ไม่พบคำร้อง")
        # a corruption complainant's surname finds nothing either
        page.get_by_label("สกุล").fill("ลับเฉพาะ")
        page.get_by_role("button", name="ค้นหา").click()
        expect(page.get_by_label("สกุล")).to_have_value("ลับเฉพาะ")
        expect(page.locator("table.track tbody")).to_contain_text("ไม่พบคำร้อง")
    finally:
        context.close()


def _platform_fonts(page: Page, context: BrowserContext, selector: str) -> list[dict[str, Any]]:
    cdp = context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"no element {selector!r}"
        fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode",
                                               {"nodeId": node})["fonts"]
        return fonts
    finally:
        cdp.detach()


def _fonts_with(char: str) -> set[str] | None:
    """Families fontconfig says can draw `char` (None when fc-list is missing)."""
    if shutil.which("fc-list") is None:
        return None
    out = subprocess.run(["fc-list", f":charset={ord(char):x}", "family"], check=True,
                         capture_output=True, text=True).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",")}


@pytest.mark.parametrize("selector", [
    "h1", "table.track thead th", "table.track tbody tr:first-child td.details",
    ".search .hint", "label:has(input[name=surname])",
])
def test_thai_is_drawn_with_a_thai_font(
    browser: Browser, site: tuple[str, list[Filed]], selector: str,
) -> None:
    base_url, _ = site
    context, page = open_track(browser, base_url, DESKTOP)
    try:
        fonts = _platform_fonts(page, context, selector)
        assert fonts, f"no font reported for {selector}"
        main = max(fonts, key=lambda f: f["glyphCount"])
        assert THAI_FONTS.match(main["familyName"]), (
            f"{selector} is drawn mostly in {main['familyName']!r}, not a Thai font: {fonts}")
        # every Thai glyph is from a Thai font; only symbols/punctuation may come from
        # elsewhere (e.g. ☹ from DejaVu Sans)
        other = [f for f in fonts if not THAI_FONTS.match(f["familyName"])]
        assert sum(f["glyphCount"] for f in other) <= 2, fonts
    finally:
        context.close()


def test_state_symbols_have_a_font(browser: Browser, site: tuple[str, list[Filed]]) -> None:
    base_url, _ = site
    context, page = open_track(browser, base_url, DESKTOP)
    try:
        for i, symbol in enumerate("☹☺☻☼", start=1):
            fonts = _platform_fonts(page, context, f".legend span:nth-of-type({i}) b.sym")
            families = {f["familyName"] for f in fonts}
            able = _fonts_with(symbol)
            if able is None:
                pytest.skip("fc-list not available to tell which fonts have the symbols")
            assert families & able, f"{symbol} drawn with {families}, none of which has it"
    finally:
        context.close()
