"""The public tracking page (/track) over HTTP, on SQLite and PostgreSQL: what a citizen
sees, what they must never see, searching, fiscal years, paging and bad input."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from casework import db, numbering, service
from casework.config import Config
from tests.cases import case_in
from tests.conftest import COMPLAINT, CONFIG_DIR, NOW, OFFICER
from web.app import create_app
from web.settings import Settings

FY = 2569  # NOW (2 Mar 2026) is in fiscal year 2569
TITLE = "ติดตามผลการดำเนินงาน ประจำปีงบประมาณ"
LEGEND = {"☹": "ยังไม่รับเรื่อง", "☺": "รับเรื่องแล้ว", "☻": "ส่งการแล้ว",
          "☼": "เสร็จเรียบร้อยแล้ว"}
HEADERS = ("เลขที่", "ว.ด.ป ร้องทุกข์", "รายละเอียด", "ภาพก่อน", "ภาพหลัง", "พิจารณา",
           "หน่วยงานที่รับผิดชอบ")
NOT_FOUND = "ไม่พบคำร้อง"
NEXT = "หน้าถัดไป"


# ---------------------------------------------------------------- reading the page

class TrackPage(HTMLParser):
    """The parts of /track a citizen sees: visible text, table rows (cells by their
    data-label), header cells, links, form inputs and every tag used in the body."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.rows: list[dict[str, str]] = []
        self.headers: list[str] = []
        self.links: list[dict[str, str]] = []
        self.inputs: dict[str, str] = {}
        self.title = ""
        self.h1 = ""
        self.body_tags: set[str] = set()
        self._text: list[str] = []
        self._stack: list[str] = []
        self._row: dict[str, str] | None = None
        self._cell: tuple[str, list[str]] | None = None
        self._th: list[str] | None = None
        self._link: tuple[dict[str, str], list[str]] | None = None
        self._in_body = False
        self._in_tbody = False
        self.feed(source)
        self.close()

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._stack.append(tag)
        if tag == "body":
            self._in_body = True
        elif self._in_body:
            self.body_tags.add(tag)
        if tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody:
            self._row = {}
        elif tag == "td" and self._row is not None and "data-label" in a:
            self._cell = (a["data-label"], [])
        elif tag == "th":
            self._th = []
        elif tag == "a":
            self._link = (a, [])
        elif tag == "input" and "name" in a:
            self.inputs[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if tag == "tbody":
            self._in_tbody = False
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.rows.append(self._row)
            self._row = None
        elif tag == "td" and self._cell is not None and self._row is not None:
            label, parts = self._cell
            self._row[label] = " ".join("".join(parts).split())
            self._cell = None
        elif tag == "th" and self._th is not None:
            self.headers.append(" ".join("".join(self._th).split()))
            self._th = None
        elif tag == "a" and self._link is not None:
            attrs, parts = self._link
            self.links.append({**attrs, "text": " ".join("".join(parts).split())})
            self._link = None

    def handle_data(self, data: str) -> None:
        current = self._stack[-1] if self._stack else ""
        if current == "title":
            self.title += data
        if "h1" in self._stack:
            self.h1 += data
        if current in ("script", "style", "title"):
            return
        if self._in_body:
            self._text.append(data)
        if self._cell is not None:
            self._cell[1].append(data)
        if self._th is not None:
            self._th.append(data)
        if self._link is not None:
            self._link[1].append(data)

    def numbers(self) -> list[str]:
        return [r["เลขที่"] for r in self.rows]

    def row(self, number: str) -> dict[str, str]:
        found = [r for r in self.rows if r["เลขที่"] == number]
        assert len(found) == 1, f"{number} appears {len(found)} times in {self.numbers()}"
        return found[0]

    def next_href(self) -> str | None:
        hrefs = [link["href"] for link in self.links if NEXT in link["text"]]
        assert len(hrefs) <= 1
        return hrefs[0] if hrefs else None


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=db_url, config_dir=CONFIG_DIR, var_dir=tmp_path,
                        scheduler=False)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()


def track(client: TestClient, **params: Any) -> TrackPage:
    params.setdefault("fy", FY)
    r = client.get("/track", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    return TrackPage(r.text)


def file(engine: sa.Engine, cfg: Config, state: str = "not_received", *,
         now: dt.datetime = NOW, **overrides: Any) -> str:
    """File a case (and walk it to `state`); returns its published number."""
    with db.transaction(engine) as s:
        return case_in(s, cfg, state, now=now, **overrides).number


# ---------------------------------------------------------------- the page itself

def test_title_legend_and_columns(client: TestClient) -> None:
    page = track(client, fy=FY)
    assert f"{TITLE} {FY}" in page.title
    assert " ".join(page.h1.split()) == f"{TITLE} {FY}"
    for symbol, label in LEGEND.items():
        assert f"{symbol} = {label}" in page.text
    for header in HEADERS:
        assert header in page.headers
    assert "เรื่องร้องเรียน" in page.headers and "ผลการดำเนินการ" in page.headers
    assert page.rows == [] and NOT_FOUND in page.text
    assert set(page.inputs) >= {"first_name", "surname"}


def test_title_follows_requested_year(client: TestClient) -> None:
    assert f"{TITLE} 2564" in track(client, fy=2564).h1
    assert f"{TITLE} 2570" in track(client, fy=2570).h1


def test_default_year_is_the_current_fiscal_year(client: TestClient) -> None:
    r = client.get("/track")
    assert r.status_code == 200
    current = numbering.fiscal_year(dt.datetime.now(dt.UTC))
    assert f"{TITLE} {current}" in TrackPage(r.text).h1


def test_root_is_the_home_page_leading_to_the_table(client: TestClient) -> None:
    # "/" used to redirect to /track; it is now the home page (issue 6), which links
    # to the tracking table and the complaint form (see tests/test_public_site.py).
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 200
    hrefs = [link.get("href") for link in TrackPage(r.text).links]
    assert "/track" in hrefs and "/complaint" in hrefs


# ---------------------------------------------------------------- rows

def test_rows_show_number_date_symbol_details_consideration_department(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    new = file(engine, cfg, "not_received", now=NOW)
    received = file(engine, cfg, "received", now=NOW + dt.timedelta(minutes=1),
                    details="ท่อระบายน้ำอุดตัน หน้าตลาดบางลำภู", category="drainage")
    dispatched = file(engine, cfg, "dispatched", now=NOW + dt.timedelta(minutes=2))
    done = file(engine, cfg, "completed", now=NOW + dt.timedelta(minutes=3),
                details="ขอเปลี่ยนชุดโคมไฟ หลอดยาว 1 ชุด ซอยสุขสยาม สามเหลี่ยม 5")
    page = track(client)
    assert page.numbers() == [done, dispatched, received, new]  # newest first
    assert new == "ฟ./001" and received == "ท./001"

    row = page.row(dispatched)
    assert row["ว.ด.ป ร้องทุกข์"] == "02 มี.ค. 2569"
    assert row["รายละเอียด"] == f"☻ {COMPLAINT['details']}"
    assert row["พิจารณา"] == "เร่งด่วน (1-7 วัน)"
    assert row["หน่วยงานที่รับผิดชอบ"] == "สำนักการช่าง"
    assert row["ภาพก่อน"] == "" and row["ภาพหลัง"] == ""

    assert page.row(new)["รายละเอียด"].startswith("☹ ")
    assert page.row(new)["พิจารณา"] == "" and page.row(new)["หน่วยงานที่รับผิดชอบ"] == ""
    assert page.row(received)["รายละเอียด"] == "☺ ท่อระบายน้ำอุดตัน หน้าตลาดบางลำภู"
    assert page.row(done)["รายละเอียด"].startswith("☼ ขอเปลี่ยนชุดโคมไฟ")
    assert page.row(done)["พิจารณา"] == "ปกติ (15 วันทำการ)"
    assert page.row(done)["หน่วยงานที่รับผิดชอบ"] == "สำนักการช่าง"


def test_date_is_the_bangkok_day(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    # 1 Mar 2026 20:30 UTC is already 2 Mar 03:30 in Khon Kaen
    number = file(engine, cfg, now=dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC))
    assert track(client).row(number)["ว.ด.ป ร้องทุกข์"] == "02 มี.ค. 2569"


# ---------------------------------------------------------------- privacy

def test_complainant_identity_never_shown(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    person: dict[str, Any] = {"first_name": "มาลัย", "surname": "ศรีสุข",
                              "phone": "089-765-4321",
                              "address": "99/12 หมู่ 4 ถ.ศรีจันทร์ ต.ในเมือง",
                              "email": "malai.s@example.com",
                              "details": "ขยะไม่มีคนมาเก็บสองสัปดาห์แล้ว", "category": "waste"}
    number = file(engine, cfg, "dispatched", **person)
    secrets = ("มาลัย", "ศรีสุข", "0897654321", "089-765-4321", "99/12", "ถ.ศรีจันทร์",
               "malai.s@example.com", "malai")
    page = track(client)
    assert number in page.numbers()
    for secret in secrets:
        assert secret not in page.source
    # searching by one part of the name finds the row but shows none of the rest
    # (the searched word itself is only echoed back in the search box)
    for params, typed in (({"surname": "ศรีสุข"}, "ศรีสุข"),
                          ({"first_name": "มาลัย"}, "มาลัย")):
        page = track(client, **params)
        assert page.numbers() == [number]
        for secret in secrets:
            if secret != typed:
                assert secret not in page.source, (params, secret)
        assert page.source.count(typed) == 1  # the search box only


@pytest.mark.parametrize(("written", "hidden"), [
    ("โทร 081-234-5678 ได้ตลอด", ("081-234-5678", "0812345678", "234-5678")),
    ("ติดต่อ 0812345678 นะคะ", ("0812345678",)),
    ("เบอร์ +66 81 234 5678", ("81 234 5678", "+66 81")),
    ("เบอร์บ้าน 043-271-261", ("043-271-261",)),
    ("อีเมล somchai.j@example.com ครับ", ("somchai.j@example.com", "example.com", "somchai.j")),
    ("เลขบัตรประชาชน 1-4099-00123-45-6", ("1-4099-00123-45-6", "00123")),
    ("บัตร 1409900123456 หาย", ("1409900123456",)),
    ("บัตร 1 4099 00123 45 6", ("1 4099 00123 45 6",)),
    pytest.param(
        "โทร ๐๘๑-๒๓๔-๕๖๗๘ ครับ", ("๐๘๑-๒๓๔-๕๖๗๘", "๕๖๗๘"),
        id="thai-digits-phone"),
])
def test_personal_data_in_details_is_masked(
    client: TestClient, engine: sa.Engine, cfg: Config, written: str, hidden: tuple[str, ...],
) -> None:
    details = f"ไฟทางเสียหน้าบ้าน {written}"
    number = file(engine, cfg, details=details)
    shown = track(client).row(number)["รายละเอียด"]
    assert shown.startswith("☹ ไฟทางเสียหน้าบ้าน ")
    for text in hidden:
        assert text not in shown
    assert "ไฟทางเสียหน้าบ้าน" in shown  # the complaint itself is still readable


def test_house_numbers_and_street_numbers_are_not_masked(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    details = "ไฟดับ ซอย 15 บ้านเลขที่ 12/345 หมู่ 6 เสา 3 ต้น"
    number = file(engine, cfg, details=details)
    assert track(client).row(number)["รายละเอียด"] == f"☹ {details}"


def test_corruption_cases_never_appear(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    secret: dict[str, Any] = {"first_name": "ประพันธ์", "surname": "ลับเฉพาะ",
                              "category": "corruption",
                              "details": "เจ้าหน้าที่เรียกรับเงินใต้โต๊ะเพื่อเร่งออกใบอนุญาตก่อสร้าง"}
    corrupt = file(engine, cfg, **secret)
    assert corrupt.startswith("ทจ.")
    ordinary = file(engine, cfg, now=NOW + dt.timedelta(minutes=5))
    for params in ({}, {"surname": "ลับเฉพาะ"}, {"first_name": "ประพันธ์"}):
        page = track(client, **params)
        assert corrupt not in page.numbers()
        assert "ทจ." not in page.source
        assert "ใต้โต๊ะ" not in page.source and "ใบอนุญาต" not in page.source
        assert "งานป้องกันและปราบปรามการทุจริต" not in page.source
        if params:
            assert page.rows == [] and NOT_FOUND in page.text
        else:
            assert page.numbers() == [ordinary]


# ---------------------------------------------------------------- search

def test_search_by_surname_or_first_name(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    somchai = file(engine, cfg, "dispatched")  # สมชาย ใจดี
    other = file(engine, cfg, now=NOW + dt.timedelta(minutes=1), first_name="วิไล",
                 surname="แก้วมณี", details="สุนัขจรจัดกัดเด็กในซอย", category="animal")
    assert track(client).numbers() == [other, somchai]
    assert track(client, surname="ใจดี").numbers() == [somchai]
    assert track(client, first_name="สมชาย").numbers() == [somchai]
    assert track(client, first_name="วิไล").numbers() == [other]
    assert track(client, surname="  แก้วมณี ").numbers() == [other]  # stray spaces
    page = track(client, surname="ใจดี")
    assert page.inputs["surname"] == "ใจดี"  # the box keeps what was typed
    assert page.row(somchai)["พิจารณา"] == "เร่งด่วน (1-7 วัน)"


def test_each_box_searches_its_own_column_and_both_narrow(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    somchai = file(engine, cfg)  # สมชาย ใจดี
    namesake = file(engine, cfg, now=NOW + dt.timedelta(minutes=1), surname="ศรีสุข")
    assert track(client, first_name="สมชาย").numbers() == [namesake, somchai]
    assert track(client, first_name="สมชาย", surname="ใจดี").numbers() == [somchai]
    assert track(client, first_name="ใจดี").numbers() == []  # a surname is not a first name


def test_spam_is_never_published(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    with db.transaction(engine) as s:
        spam = case_in(s, cfg, "not_received", details="คลิกเลย รับเงินฟรี")
        service.act(s, cfg, spam, "reject", by=OFFICER, now=NOW, reason="spam")
        dup = case_in(s, cfg, "rejected")  # the test path rejects as spam too
        kept = case_in(s, cfg, "not_received", now=NOW + dt.timedelta(minutes=5))
        service.act(s, cfg, kept, "reject", by=OFFICER, now=NOW, reason="not_actionable")
    page = track(client)
    assert page.numbers() == [kept.number]
    assert spam.number not in page.text and dup.number not in page.text
    assert "✕" in page.row(kept.number)["รายละเอียด"]


@pytest.mark.parametrize("params", [
    {"surname": "ไม่มีใคร"}, {"first_name": "สม"}, {"surname": "ใจ"}, {"surname": "ใจดีมาก"},
    {"surname": "' OR '1'='1"}, {"surname": "%"}, {"first_name": "_"},
])
def test_search_without_match_says_not_found(
    client: TestClient, engine: sa.Engine, cfg: Config, params: dict[str, str],
) -> None:
    file(engine, cfg)
    page = track(client, **params)
    assert page.rows == []
    assert NOT_FOUND in page.text
    assert page.next_href() is None


def test_search_is_within_the_chosen_year(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    last_year = file(engine, cfg, now=dt.datetime(2025, 6, 15, 3, 0, tzinfo=dt.UTC))
    this_year = file(engine, cfg, now=NOW)
    assert track(client, fy=2568, surname="ใจดี").numbers() == [last_year]
    assert track(client, fy=2569, surname="ใจดี").numbers() == [this_year]


# ---------------------------------------------------------------- fiscal years

def test_fiscal_year_filter(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    fy68 = file(engine, cfg, now=dt.datetime(2025, 6, 15, 3, 0, tzinfo=dt.UTC),
                details="ถนนเป็นหลุมบ่อ ถนนหน้าเมือง", category="road")
    fy69 = file(engine, cfg, now=NOW, details="ไฟกิ่งดับสามต้น ถนนกลางเมือง")
    # both are number 001: numbers restart every fiscal year
    assert fy68 == "ถ./001" and fy69 == "ฟ./001"
    page68, page69 = track(client, fy=2568), track(client, fy=2569)
    assert page68.numbers() == [fy68] and page69.numbers() == [fy69]
    assert "ถนนเป็นหลุมบ่อ" not in page69.source and "ไฟกิ่งดับ" not in page68.source
    assert page68.rows[0]["ว.ด.ป ร้องทุกข์"] == "15 มิ.ย. 2568"
    assert track(client, fy=2570).rows == []
    # the year selector offers the years that have cases, the chosen one selected
    assert 'value="2568"' in page69.source and 'value="2569" selected' in page69.source


def test_fiscal_year_starts_on_1_october_bangkok_time(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    # 30 Sep 2025 23:59 in Bangkok is FY 2568; 1 Oct 2025 00:30 in Bangkok is FY 2569
    before = file(engine, cfg, now=dt.datetime(2025, 9, 30, 16, 59, tzinfo=dt.UTC))
    after = file(engine, cfg, now=dt.datetime(2025, 9, 30, 17, 30, tzinfo=dt.UTC))
    page68, page69 = track(client, fy=2568), track(client, fy=2569)
    assert page68.numbers() == [before] and page69.numbers() == [after]
    assert page68.rows[0]["ว.ด.ป ร้องทุกข์"] == "30 ก.ย. 2568"
    assert page69.rows[0]["ว.ด.ป ร้องทุกข์"] == "01 ต.ค. 2568"


# ---------------------------------------------------------------- paging

def file_many(engine: sa.Engine, cfg: Config, count: int, **overrides: Any) -> list[str]:
    """`count` cases in one transaction, in filing order. Two cases share each filing
    moment (so the order must fall back to the id), and the moments carry microseconds
    (so the cursor must keep them)."""
    numbers = []
    base = NOW - dt.timedelta(days=3)
    with db.transaction(engine) as s:
        for i in range(count):
            now = base + dt.timedelta(minutes=7 * (i // 2), microseconds=1 + 99_991 * (i // 2))
            data = {**COMPLAINT, "details": f"ไฟทางดับ จุดที่ {i + 1} ถนนมิตรภาพ", **overrides}
            numbers.append(service.file_case(s, cfg, data, now=now).number)
    return numbers


def walk(client: TestClient, page: TrackPage, limit: int = 20) -> list[TrackPage]:
    pages = [page]
    while (href := pages[-1].next_href()) is not None:
        assert len(pages) < limit, "paging does not end"
        r = client.get(html.unescape(href))
        assert r.status_code == 200, r.text
        pages.append(TrackPage(r.text))
    return pages


def test_keyset_paging(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    filed = file_many(engine, cfg, 57)
    newest_first = filed[::-1]
    first = track(client)
    assert len(first.rows) == 50
    assert first.numbers() == newest_first[:50]
    href = first.next_href()
    assert href is not None and "fy=2569" in href
    pages = walk(client, first)
    assert len(pages) == 2
    assert pages[1].numbers() == newest_first[50:]
    assert pages[1].next_href() is None
    seen = [n for p in pages for n in p.numbers()]
    assert seen == newest_first  # no duplicates, no gaps, newest first
    assert f"{TITLE} {FY}" in pages[1].h1


def test_exactly_one_page_has_no_next_link(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    filed = file_many(engine, cfg, 50)
    page = track(client)
    assert page.numbers() == filed[::-1]
    assert page.next_href() is None and NEXT not in page.text


def test_paging_keeps_the_search(client: TestClient, engine: sa.Engine, cfg: Config) -> None:
    mine = file_many(engine, cfg, 53, surname="บุญมา")
    file_many(engine, cfg, 4, surname="ทองคำ", category="road")
    pages = walk(client, track(client, surname="บุญมา"))
    assert [len(p.rows) for p in pages] == [50, 3]
    assert [n for p in pages for n in p.numbers()] == mine[::-1]
    assert all(p.inputs["surname"] == "บุญมา" for p in pages)


def test_new_case_while_paging_does_not_shift_pages(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    filed = file_many(engine, cfg, 55)
    first = track(client)
    file(engine, cfg, now=NOW + dt.timedelta(days=1))  # newer than everything
    rest = walk(client, first)[1:]
    assert [n for p in rest for n in p.numbers()] == filed[::-1][50:]


# ---------------------------------------------------------------- escaping and bad input

def test_html_in_details_is_shown_as_text(
    client: TestClient, engine: sa.Engine, cfg: Config,
) -> None:
    details = "<script>alert('xss')</script> <b>ด่วน</b> & <img src=x onerror=alert(1)>"
    number = file(engine, cfg, details=details)
    page = track(client)
    assert page.row(number)["รายละเอียด"] == f"☹ {details}"
    assert "<script>alert" not in page.source and "<img src=x" not in page.source
    assert "&lt;script&gt;" in page.source
    assert "script" not in page.body_tags and "img" not in page.body_tags


def test_search_words_are_escaped(client: TestClient) -> None:
    payload = '"><script>alert(1)</script>'
    page = track(client, surname=payload)
    assert page.inputs["surname"] == payload
    assert "<script>alert(1)" not in page.source
    assert "script" not in page.body_tags


@pytest.mark.parametrize("params", [
    {"fy": "abc"}, {"fy": "1"}, {"fy": "25690"}, {"fy": "2569.5"},
    {"first_name": "ก" * 101}, {"surname": "x" * 101},
])
def test_bad_input_is_422(client: TestClient, params: dict[str, str]) -> None:
    r = client.get("/track", params=params)
    assert r.status_code == 422, r.text
    # a page in Thai for the citizen, not a JSON dump
    assert r.headers["content-type"].startswith("text/html")
    page = TrackPage(r.text)
    assert "ข้อมูลที่ส่งมาไม่ถูกต้อง" in page.h1
    assert any(link.get("href") == "/track" for link in page.links)


def test_longest_name_allowed(client: TestClient) -> None:
    assert track(client, surname="ก" * 100).rows == []


@pytest.mark.parametrize("cursor", [
    "abc", "_", "1_2_3", "x_1", "1_x", "-1_-1", "0_0", "1.5e9_3",
    "9" * 40,
    pytest.param("nan_1", id="nan"),
    pytest.param("1e12_1", id="year-out-of-range"),
    pytest.param("inf_1", id="inf"),
    pytest.param("1e308_1", id="huge-timestamp"),
    pytest.param("0_99999999999999999999", id="huge-id"),
])
def test_garbage_cursor_is_not_a_server_error(
    client: TestClient, engine: sa.Engine, cfg: Config, cursor: str,
) -> None:
    file(engine, cfg)
    r = client.get("/track", params={"fy": FY, "after": cursor})
    assert r.status_code < 500, r.text
    if r.status_code == 200:
        assert TITLE in r.text


def test_over_long_cursor_is_422(client: TestClient) -> None:
    r = client.get("/track", params={"fy": FY, "after": "1" * 41})
    assert r.status_code == 422
