"""Open311 GeoReport v2 at /open311/v2 over HTTP, on SQLite and PostgreSQL, against the
conformance list of shared/reference/open311.md §8: both formats, ids as strings,
W3C dates in +07:00, error arrays, filters, creating requests with an api_key — and
never a corruption case, a spam one or the complainant's identity in any answer."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from casework import db, service
from casework.config import Config
from casework.models import Case, CaseEvent
from tests.cases import case_in
from tests.conftest import COMPLAINT, ENG_STAFF, OFFICER
from tests.site import site_client
from web.routes.open311 import NO_POSTAL_ADDRESS, SPEC

BASE = "/open311/v2"
KEYS = "partner-key-1, partner-key-2"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
DATE_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")
# Who complained: none of it may ever leave through Open311.
PERSON = {"first_name": "ประสิทธิ์", "surname": "มั่นคงดีเลิศ", "phone": "086-555-4321",
          "email": "prasit.private@example.com", "address": "77/9 ซอยลับเฉพาะ ต.ในเมือง"}
PII = ("ประสิทธิ์", "มั่นคงดีเลิศ", "0865554321", "086-555-4321", "prasit.private@example.com",
       "ซอยลับเฉพาะ", "0899998888", "089-999-8888", "inside@example.org")
DETAILS = "ไฟทางดับหน้าบ้านเลขที่ 5 ติดต่อ 089-999-8888 หรือ inside@example.org"
BRIBE = "เจ้าหน้าที่เรียกรับเงินใต้โต๊ะ 5,000 บาท เพื่อออกใบอนุญาต"
POST = {"api_key": "partner-key-2", "service_code": "road", "lat": "16.4322", "long": "102.8236",
        "address_string": "ถนนมิตรภาพ หน้าตลาดบางลำภู", "first_name": "วิไล", "last_name": "ทองดี",
        "phone": "081-999-0000", "email": "wilai@example.com",
        "description": "ถนนเป็นหลุมลึก รถจักรยานยนต์ล้ม\nอันตรายมากตอนกลางคืน"}


def rid(case: Case) -> str:
    return f"{case.fiscal_year}-{case.number}"


def one_url(ident: str, fmt: str = "json") -> str:
    return f"{BASE}/requests/{quote(ident, safe='')}.{fmt}"


def xml_of(response: Any, root: str) -> ET.Element:
    assert response.headers["content-type"] == XML_TYPE
    assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    element = ET.fromstring(response.content)
    assert element.tag == root
    return element


def xml_records(response: Any) -> list[dict[str, str | None]]:
    return [{child.tag: child.text for child in req}
            for req in xml_of(response, "service_requests")]


def json_of(response: Any) -> Any:
    assert response.headers["content-type"] == JSON_TYPE
    return json.loads(response.content)


def codes_of(response: Any) -> list[int]:
    """The codes of an error array (either format)."""
    if response.headers["content-type"] == XML_TYPE:
        return [int(e.findtext("code") or 0) for e in xml_of(response, "errors")]
    body = json_of(response)
    assert isinstance(body, list) and body
    assert all(isinstance(e["code"], int) and e["description"] for e in body)
    return [e["code"] for e in body]


def ids(response: Any) -> list[str]:
    return [r["service_request_id"] for r in json_of(response)]


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with site_client(db_url, tmp_path, open311_api_keys=KEYS) as c:
        yield c


@pytest.fixture
def recent() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=3)


@pytest.fixture
def world(engine: sa.Engine, cfg: Config, recent: dt.datetime) -> dict[str, Case]:
    """Cases in every state within the last 90 days, one older, a sealed one and spam."""
    made: dict[str, Case] = {}
    with db.transaction(engine) as s:
        for i, state in enumerate(("not_received", "received", "dispatched", "completed",
                                   "referred")):
            made[state] = case_in(s, cfg, state, now=recent + dt.timedelta(minutes=i),
                                  **PERSON, details=DETAILS)
        made["waste"] = service.file_case(
            s, cfg, {**COMPLAINT, **PERSON, "category": "waste", "details": "ขยะไม่เก็บสามวัน"},
            now=recent + dt.timedelta(minutes=9), photos=["ab/ab12cd.jpg"])
        made["duplicate"] = case_in(s, cfg, "received", now=recent + dt.timedelta(minutes=8),
                                    **PERSON, category="waste", details="ขยะไม่เก็บ")
        service.act(s, cfg, made["duplicate"], "reject", by=OFFICER,
                    now=recent + dt.timedelta(hours=2), reason="duplicate",
                    duplicate_of=made["waste"].number)
        made["old"] = case_in(s, cfg, "completed", now=recent - dt.timedelta(days=120), **PERSON)
        made["spam"] = case_in(s, cfg, "rejected", now=recent + dt.timedelta(minutes=6),
                               **PERSON, details="ขายยา ขายยา ขายยา")
        made["sealed"] = service.file_case(s, cfg, {**COMPLAINT, **PERSON, "category": "corruption",
                                                    "details": BRIBE},
                                           now=recent + dt.timedelta(minutes=7))
        # an internal note after the public one must not become status_notes
        service.act(s, cfg, made["dispatched"], "progress", by=ENG_STAFF,
                    now=recent + dt.timedelta(hours=5), note="ออกสำรวจแล้ว พรุ่งนี้ซ่อม")
        service.act(s, cfg, made["dispatched"], "progress", by=ENG_STAFF,
                    now=recent + dt.timedelta(hours=6), note="ผู้ใหญ่บ้านขอไม่ให้เปิดเผย",
                    internal=True)
    return made


# ---------------------------------------------------------------- discovery and services

def test_discovery_in_both_formats(client: TestClient) -> None:
    x = xml_of(client.get(f"{BASE}/discovery.xml"), "discovery")
    j = json_of(client.get(f"{BASE}/discovery.json"))
    for key in ("changeset", "contact", "key_service"):
        assert x.findtext(key) and j[key] == x.findtext(key)
    assert W3C.match(j["changeset"])
    [endpoint] = j["endpoints"]
    assert endpoint["specification"] == SPEC and endpoint["type"] == "production"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["changeset"] == j["changeset"]
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert [f.text for f in x.iter("format")] == endpoint["formats"]
    assert x.find("endpoints/endpoint/specification") is not None
    assert "043-271-261" in j["contact"]
    assert client.get(f"{BASE}/discovery.json").headers["access-control-allow-origin"] == "*"


def test_services_are_the_general_categories(client: TestClient, cfg: Config) -> None:
    x = xml_of(client.get(f"{BASE}/services.xml"), "services")
    j = json_of(client.get(f"{BASE}/services.json"))
    assert isinstance(j, list)
    codes = [s["service_code"] for s in j]
    expected = [c.code for c in cfg.categories.values() if c.track == "general"]
    assert codes == expected and len(set(codes)) == len(codes) and "corruption" not in codes
    assert [s.findtext("service_code") for s in x.findall("service")] == codes
    for s in j:
        assert all(isinstance(s[k], str) for k in ("service_code", "service_name", "type"))
        assert s["metadata"] is False and s["type"] == "realtime"
        assert set(s) == {"service_code", "service_name", "description", "metadata", "type",
                          "keywords", "group"}
    assert {s.findtext("metadata") for s in x.findall("service")} == {"false"}
    assert "ทุจริต" not in client.get(f"{BASE}/services.xml").text


def test_service_definition(client: TestClient) -> None:
    x = xml_of(client.get(f"{BASE}/services/lighting.xml"), "service_definition")
    assert x[0].tag == "service_code" and x[0].text == "lighting"
    assert x.find("attributes") is not None and list(x.find("attributes") or []) == []
    assert json_of(client.get(f"{BASE}/services/lighting.json")) == {
        "service_code": "lighting", "attributes": []}
    for code in ("NOPE", "corruption"):
        r = client.get(f"{BASE}/services/{code}.json")
        assert r.status_code == 404 and codes_of(r) == [404]


def test_jurisdiction_formats_paths_and_tokens(client: TestClient) -> None:
    assert client.get(f"{BASE}/services.json?jurisdiction_id=kkmuni.go.th").status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id=").status_code == 200
    r = client.get(f"{BASE}/services.json?jurisdiction_id=bangkok.go.th")
    assert r.status_code == 404 and codes_of(r) == [404]
    r = client.get(f"{BASE}/requests.json?jurisdiction_id=bangkok.go.th")
    assert r.status_code == 404
    for path in ("/services.csv", "/discovery.yaml", "/requests.html", "/nothing.json",
                 "/requests/2569-x.json"):
        r = client.get(BASE + path)
        assert r.status_code == 404 and codes_of(r) == [404], path
    r = client.get(f"{BASE}/services.csv")
    assert r.headers["content-type"] == XML_TYPE  # unknown suffix: an XML error array
    for fmt in ("xml", "json"):
        r = client.get(f"{BASE}/tokens/unknown.{fmt}")
        assert r.status_code == 404 and codes_of(r) == [404]


# ---------------------------------------------------------------- reading requests

def test_requests_default_window_order_and_types(client: TestClient,
                                                 world: dict[str, Case]) -> None:
    r = client.get(f"{BASE}/requests.json")
    body = json_of(r)
    expected = [world[k] for k in ("waste", "duplicate", "referred", "completed", "dispatched",
                                   "received", "not_received")]
    assert ids(r) == [rid(c) for c in expected]  # newest first; no old, spam or sealed one
    for rec in body:
        assert isinstance(rec["service_request_id"], str) and isinstance(rec["service_code"], str)
        assert rec["status"] in ("open", "closed")
        for key in DATE_FIELDS:
            assert rec[key] is None or (W3C.match(rec[key]) and rec[key].endswith("+07:00"))
        assert rec["requested_datetime"] and rec["updated_datetime"]
        assert rec["lat"] is None or isinstance(rec["lat"], float)
    by_id = {rec["service_request_id"]: rec for rec in body}
    states = {k: by_id[rid(world[k])]["status"] for k in ("not_received", "received",
                                                        "dispatched", "completed", "referred")}
    assert states == {"not_received": "open", "received": "open", "dispatched": "open",
                      "completed": "closed", "referred": "closed"}


def test_xml_and_json_carry_the_same_records(client: TestClient, world: dict[str, Case]) -> None:
    for query in ("", "?status=closed", "?service_code=waste"):
        x = xml_records(client.get(f"{BASE}/requests.xml{query}"))
        j = json_of(client.get(f"{BASE}/requests.json{query}"))
        assert x and len(x) == len(j)
        for xr, jr in zip(x, j, strict=True):
            assert list(xr) == list(jr)
            assert xr == {k: (None if v is None else str(v)) for k, v in jr.items()}


def test_one_request_by_its_percent_encoded_id(client: TestClient, world: dict[str, Case]) -> None:
    case = world["dispatched"]
    r = client.get(one_url(rid(case), "xml"))
    assert r.status_code == 200
    [rec] = xml_records(r)
    assert rec["service_request_id"] == rid(case) and rec["status"] == "open"
    j = json_of(client.get(one_url(rid(case))))
    assert isinstance(j, list) and len(j) == 1 and j[0]["service_request_id"] == rid(case)
    assert j[0]["agency_responsible"] == "สำนักการช่าง"
    assert j[0]["expected_datetime"] and W3C.match(j[0]["expected_datetime"])
    assert j[0]["status_notes"] == "ออกสำรวจแล้ว พรุ่งนี้ซ่อม"  # the latest public note
    assert case.tracking_code not in r.text
    r = client.get(one_url("2569-ฟ./999"))
    assert r.status_code == 404 and codes_of(r) == [404]
    assert client.get(f"{BASE}/requests/999999.json").status_code == 404


def test_closed_requests_say_when_and_why(client: TestClient, world: dict[str, Case],
                                          engine: sa.Engine) -> None:
    with db.reading(engine) as s:
        closing = {k: s.exec(select(CaseEvent).where(CaseEvent.case_id == world[k].id)
                             .order_by(CaseEvent.id.desc())).first()  # type: ignore[union-attr]
                   for k in ("completed", "referred")}
    done = json_of(client.get(one_url(rid(world["completed"]))))[0]
    assert done["status"] == "closed" and done["status_notes"] == "เปลี่ยนหลอดไฟแล้ว"
    event = closing["completed"]
    assert event is not None
    assert done["updated_datetime"] == event.at.astimezone(
        dt.timezone(dt.timedelta(hours=7))).isoformat(timespec="seconds")
    assert done["expected_datetime"] is None
    referred = json_of(client.get(one_url(rid(world["referred"]))))[0]
    assert referred["agency_responsible"] == "การไฟฟ้าส่วนภูมิภาค"
    assert referred["status_notes"] == "ส่งเรื่องให้ กฟภ. ดำเนินการ"
    waiting = json_of(client.get(one_url(rid(world["not_received"]))))[0]
    assert waiting["agency_responsible"] == "ศูนย์รับเรื่องร้องทุกข์ เทศบาลนครขอนแก่น"
    assert waiting["status_notes"] is None and waiting["media_url"] is None
    dup = json_of(client.get(one_url(rid(world["duplicate"]))))[0]
    assert dup["status"] == "closed"
    assert dup["status_notes"] == f"ซ้ำกับเรื่องที่รับไว้แล้ว ({rid(world['waste'])})"
    photo = json_of(client.get(one_url(rid(world["waste"]))))[0]
    assert photo["media_url"] == "http://127.0.0.1:8000/media/ab/ab12cd.jpg"


def test_filters(client: TestClient, world: dict[str, Case], recent: dt.datetime) -> None:
    closed = ids(client.get(f"{BASE}/requests.json?status=closed"))
    assert set(closed) == {rid(world[k]) for k in ("completed", "referred", "duplicate")}
    both = ids(client.get(f"{BASE}/requests.json?status=open,closed"))
    assert both == ids(client.get(f"{BASE}/requests.json"))
    assert ids(client.get(f"{BASE}/requests.json?service_code=waste")) == [
        rid(world["waste"]), rid(world["duplicate"])]
    two = ids(client.get(f"{BASE}/requests.json?service_code=waste,lighting&status=open"))
    assert set(two) == {rid(world[k]) for k in ("waste", "not_received", "received",
                                                "dispatched")}
    # empty parameters are absent ones
    assert ids(client.get(f"{BASE}/requests.json?status=&service_code=&start_date=")) == both
    # a window: the old case is reachable, the span may not exceed 90 days
    old = world["old"].filed_at
    start = (old - dt.timedelta(days=1)).isoformat(timespec="seconds")
    end = (old + dt.timedelta(days=1)).isoformat(timespec="seconds")
    r = client.get(f"{BASE}/requests.json", params={"start_date": start, "end_date": end})
    assert ids(r) == [rid(world["old"])]
    # a '+' sent unencoded arrives as a space: still understood
    local = (recent - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=7)))
    r = client.get(f"{BASE}/requests.json?start_date={local.isoformat(timespec='seconds')}")
    assert r.status_code == 200 and len(ids(r)) == 7
    assert ids(client.get(f"{BASE}/requests.json?page_size=2")) == both[:2]
    assert ids(client.get(f"{BASE}/requests.json?page_size=2&page=2")) == both[2:4]


def test_bad_filters(client: TestClient, world: dict[str, Case]) -> None:
    for query in ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",  # > 90 days
                  "start_date=2026-03-01T10:00:00",  # no zone
                  "end_date=2026-03-01",
                  "start_date=2026-03-05T00:00:00Z&end_date=2026-03-01T00:00:00Z",
                  "status=pending", "page_size=5000", "page=0"):
        for fmt in ("xml", "json"):
            r = client.get(f"{BASE}/requests.{fmt}?{query}")
            assert r.status_code == 400 and set(codes_of(r)) == {400}, query
    r = client.get(f"{BASE}/requests.json?service_code=nope")
    assert r.status_code == 404 and codes_of(r) == [404]


def test_ids_override_every_other_filter(client: TestClient, world: dict[str, Case]) -> None:
    wanted = [world["old"], world["completed"]]
    query = ",".join(rid(c) for c in wanted) + ",2569-ฟ./999,garbage"
    r = client.get(f"{BASE}/requests.json", params={
        "service_request_id": query, "status": "open", "service_code": "waste",
        "start_date": "2020-01-01T00:00:00Z", "end_date": "2020-01-02T00:00:00Z"})
    assert r.status_code == 200 and set(ids(r)) == {rid(c) for c in wanted}
    r = client.get(f"{BASE}/requests.json", params={"service_request_id": "2569-ฟ./998"})
    assert r.status_code == 200 and json_of(r) == []
    assert xml_records(client.get(f"{BASE}/requests.xml", params={
        "service_request_id": "2569-ฟ./998"})) == []


def test_sealed_and_spam_cases_never_appear(client: TestClient, world: dict[str, Case]) -> None:
    hidden = [world["sealed"], world["spam"]]
    bodies = []
    for fmt in ("xml", "json"):
        for query in ("", "?status=open", "?status=closed", "?status=open,closed",
                      "?service_code=lighting"):
            bodies.append(client.get(f"{BASE}/requests.{fmt}{query}").text)
        bodies.append(client.get(f"{BASE}/requests.{fmt}", params={
            "service_request_id": ",".join(rid(c) for c in hidden)}).text)
        nothing = client.get(one_url("2569-ฟ./999", fmt))
        for case in hidden:  # answered exactly like an id that never existed
            r = client.get(one_url(rid(case), fmt))
            assert r.status_code == 404 and codes_of(r) == [404]
            assert r.text.replace(rid(case), "?") == nothing.text.replace("2569-ฟ./999", "?")
        r = client.get(f"{BASE}/requests.{fmt}?service_code=corruption")
        assert r.status_code == 404
    for text in bodies:
        for case in hidden:
            assert case.number not in text
        assert "ใต้โต๊ะ" not in text and "ขายยา" not in text


def test_no_personal_data_in_any_answer(client: TestClient, world: dict[str, Case]) -> None:
    bodies = []
    for fmt in ("xml", "json"):
        bodies.append(client.get(f"{BASE}/requests.{fmt}").text)
        for case in world.values():
            bodies.append(client.get(one_url(rid(case), fmt)).text)
    for text in bodies:
        for secret in PII:
            assert secret not in text, secret
        for case in world.values():
            assert case.tracking_code not in text
        assert "ผู้ใหญ่บ้านขอไม่ให้เปิดเผย" not in text  # the internal note
    rec = json_of(client.get(one_url(rid(world["received"]))))[0]
    assert rec["description"].startswith("ไฟทางดับหน้าบ้านเลขที่ 5 ติดต่อ x")  # masked, kept


def test_long_complaints_fit_the_4000_characters(client: TestClient, engine: sa.Engine,
                                                 cfg: Config, recent: dt.datetime) -> None:
    with db.transaction(engine) as s:
        case = service.file_case(s, cfg, {**COMPLAINT, "details": "ถนนพัง " * 700}, now=recent)
    assert len(case.details) > 4000
    for rec in (json_of(client.get(one_url(rid(case))))[0],
                xml_records(client.get(one_url(rid(case), "xml")))[0]):
        assert rec["description"] is not None and len(rec["description"]) == 4000
        assert rec["description"].endswith("…")


# ---------------------------------------------------------------- creating requests

def test_post_needs_a_valid_api_key(client: TestClient, db_url: str, tmp_path: Path) -> None:
    for fmt in ("xml", "json"):
        missing = {k: v for k, v in POST.items() if k != "api_key"}
        r = client.post(f"{BASE}/requests.{fmt}", data=missing)
        assert r.status_code == 403 and codes_of(r) == [403]
        r = client.post(f"{BASE}/requests.{fmt}", data={**POST, "api_key": "partner-key-3"})
        assert r.status_code == 403 and codes_of(r) == [403]
        r = client.post(f"{BASE}/requests.{fmt}", data={**POST, "api_key": ""})
        assert r.status_code == 403
    with site_client(db_url, tmp_path / "nokeys") as closed:  # no key configured at all
        r = closed.post(f"{BASE}/requests.json", data=POST)
        assert r.status_code == 403 and "no api_key" in json_of(r)[0]["description"]
        r = closed.post(f"{BASE}/requests.json", data={**POST, "api_key": ""})
        assert r.status_code == 403


def test_post_files_a_case(client: TestClient, engine: sa.Engine) -> None:
    r = client.post(f"{BASE}/requests.json", data=POST)
    assert r.status_code == 200, r.text
    [answer] = json_of(r)
    assert set(answer) == {"service_request_id", "service_notice"}  # an id, never a token
    assert isinstance(answer["service_request_id"], str)
    fy, _, number = answer["service_request_id"].partition("-")
    with db.reading(engine) as s:
        case = s.exec(select(Case).where(Case.number == number,
                                         Case.fiscal_year == int(fy))).one()
        events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert case.channel == "open311" and case.category_code == "road"
    assert (case.first_name, case.surname, case.phone) == ("วิไล", "ทองดี", "0819990000")
    assert case.address == NO_POSTAL_ADDRESS and case.email == "wilai@example.com"
    assert case.location_text == POST["address_string"]
    assert (case.latitude, case.longitude) == (16.4322, 102.8236)
    assert case.details == POST["description"] and case.suggestion is not None
    assert [e.trigger for e in events] == ["file"]
    # the Thai text comes back byte for byte, in both formats
    for fmt in ("xml", "json"):
        got = client.get(one_url(answer["service_request_id"], fmt))
        assert got.status_code == 200
        rec = xml_records(got)[0] if fmt == "xml" else json_of(got)[0]
        assert rec["description"] == POST["description"]
        assert rec["status"] == "open" and rec["service_code"] == "road"
        assert rec["address"] == POST["address_string"]
        assert "วิไล" not in got.text and "0819990000" not in got.text
        assert "wilai@example.com" not in got.text and case.tracking_code not in got.text
    x = client.post(f"{BASE}/requests.xml", data={**POST, "attribute[size]": "big",
                                                  "device_id": "d1", "account_id": "a1"})
    root = xml_of(x, "service_requests")
    assert [c.tag for c in root[0]] == ["service_request_id", "service_notice"]


def test_post_keeps_media_links_and_accepts_multipart(client: TestClient,
                                                      engine: sa.Engine) -> None:
    links = [("media_url", "https://img.example/a.jpg"), ("media_url", "https://img.example/b.jpg")]
    r = client.post(f"{BASE}/requests.json", content="&".join(
        f"{quote(k)}={quote(v)}" for k, v in [*POST.items(), *links]),
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert r.status_code == 200, r.text
    # multipart/form-data (FixMyStreet may send it): the same fields are accepted …
    fields = {k: (None, v) for k, v in {**POST, "description": "ทางเท้าพัง"}.items()}
    r = client.post(f"{BASE}/requests.json", files=fields)
    assert r.status_code == 200, r.text
    # … but not files: refused whole, nothing filed
    r = client.post(f"{BASE}/requests.json", files={
        **fields, "photo": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")})
    assert r.status_code == 400 and codes_of(r) == [400]
    with db.reading(engine) as s:
        details = s.exec(select(Case.details).where(Case.channel == "open311")).all()
    assert sorted(details) == sorted([
        POST["description"] + "\nmedia_url: https://img.example/a.jpg"
        "\nmedia_url: https://img.example/b.jpg", "ทางเท้าพัง"])


@pytest.mark.parametrize(("change", "expected"), [
    ({"service_code": None}, 400),
    ({"service_code": "nope"}, 404),
    ({"service_code": "corruption"}, 404),
    ({"lat": None, "long": None, "address_string": None}, 400),
    ({"long": None, "address_string": None}, 400),  # lat alone
    ({"lat": "north"}, 400),
    ({"lat": "95"}, 400),
    ({"description": "ก" * 4001}, 400),
    ({"description": None}, 400),
    ({"first_name": None}, 400),
    ({"last_name": ""}, 400),
    ({"phone": None}, 400),
    ({"phone": "12345"}, 400),
    ({"email": "not-an-email"}, 400),
    ({"media_url": "javascript:alert(1)"}, 400),
    ({"jurisdiction_id": "bangkok.go.th"}, 404),
])
def test_post_refuses_bad_input(client: TestClient, engine: sa.Engine,
                                change: dict[str, str | None], expected: int) -> None:
    data = {k: v for k, v in {**POST, **change}.items() if v is not None}
    for fmt in ("xml", "json"):
        r = client.post(f"{BASE}/requests.{fmt}", data=data)
        assert r.status_code == expected, r.text
        assert set(codes_of(r)) == {expected}
    with db.reading(engine) as s:
        assert s.exec(select(sa.func.count()).select_from(Case)).one() == 0  # nothing half-saved


def test_post_names_every_missing_identity_field(client: TestClient) -> None:
    data = {k: v for k, v in POST.items() if k not in ("first_name", "last_name", "phone")}
    r = client.post(f"{BASE}/requests.json", data=data)
    assert r.status_code == 400
    described = " ".join(e["description"] for e in json_of(r))
    assert all(f"{name} is required" in described for name in ("first_name", "last_name",
                                                               "phone"))
    assert "real name" in described


def test_post_is_form_encoded(client: TestClient) -> None:
    r = client.post(f"{BASE}/requests.json", json=POST)
    assert r.status_code == 400 and codes_of(r) == [400]


def test_a_sealed_post_is_filed_but_never_listed(client: TestClient, engine: sa.Engine) -> None:
    r = client.post(f"{BASE}/requests.json", data={
        **POST, "service_code": "other", "description": BRIBE})
    assert r.status_code == 200
    [answer] = json_of(r)
    with db.reading(engine) as s:
        case = s.exec(select(Case).where(Case.channel == "open311")).one()
    assert case.track == "corruption"  # the router sealed it
    assert "ความลับ" in answer["service_notice"]
    assert client.get(one_url(answer["service_request_id"])).status_code == 404
    assert "ใต้โต๊ะ" not in client.get(f"{BASE}/requests.json").text
