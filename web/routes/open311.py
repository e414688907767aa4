"""Open311 GeoReport v2 at /open311/v2, as shared/reference/open311.md describes it:
discovery, services, service definitions, tokens, and querying and creating service
requests, each in XML (`.xml`) and JSON (`.json`). Unknown suffix or path: 404.

* Services: one per general-track category of config/categories.toml (service_code =
  the category code). Never the corruption category. Every service is `realtime`
  with `metadata` false, and its definition has an empty `attributes` list.
* Identifiers: `service_request_id` is the case's published number with its fiscal
  year, `2569-ฟ./020` (in a path percent-encoded: `/requests/2569-%E0%B8%9F.%2F020.json`).
  It is what the public tracking table and the citizen's receipt already show, it never
  changes (a number is given once, at filing, and is unique within its fiscal year),
  and it reveals nothing private. Not the tracking code: that is the citizen's secret
  key to the case's page (confirm, dispute, rate). Not the database id either: one
  sequence over every case would count, by its gaps, the sealed and spam ones.
* What is published: the public tracking table's cases only (never the corruption
  track, never spam; their ids answer 404), the description and location with phone
  numbers, emails and ID numbers masked, and the public notes (`status_notes` = the
  latest one). Never the complainant's name, postal address, phone or email, never an
  internal note, never the tracking code.
* Status: not_received, received, dispatched → `open`; completed, rejected, referred →
  `closed`. `agency_responsible`: the department, the outside agency of a referred
  case, else the complaint center. `expected_datetime`: the resolution due time while
  dispatched. `updated_datetime`: the last event; for a closed request its closing.
* GET requests: newest first (`requested_datetime` descending, then id); by default the
  last 90 days and at most 1000; `start_date`/`end_date` may span 90 days at most;
  `page`/`page_size` (≤ 1000) page further. `service_request_id=a,b` overrides every
  other filter; unknown ids are simply absent.
* POST requests (form fields): `api_key` (one of CASEWORK_OPEN311_API_KEYS; none
  configured: every POST is refused), `service_code`, a location (`lat`+`long`,
  `address_string` or `address_id`), `description`, and — our rule, a pseudonym
  cannot be acted on — `first_name`, `last_name` and `phone` (a Thai number).
  `email` gets the acknowledgement with the tracking link and status changes.
  `media_url` (an http(s) link, repeatable) is kept as a line of the description;
  files are not accepted; `attribute[…]`, `device_id` and `account_id` are ignored.
  The case is filed like a web complaint (channel `open311`, the router's suggestion)
  and gets no postal address (GeoReport has none; the case says so).
* Errors: always an error array in the requested format: 400 bad or missing input,
  403 missing or wrong api_key, 404 unknown service, request, token, jurisdiction,
  path or format.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from casework import config as config_mod
from casework import db, numbering, photos, queries, service
from casework.config import Category, Config
from casework.errors import CaseworkError, Invalid
from casework.models import Case, CaseEvent, UTCDateTime
from casework.schemas import CaseCreate, ServiceRequest, mask_pii
from casework.states import OPEN_STATES
from web import forms
from web.security import Refused

log = logging.getLogger(__name__)
SPEC = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MIME = {"xml": "text/xml", "json": "application/json"}
CHANNEL = "open311"
WINDOW = dt.timedelta(days=90)
MAX_REQUESTS = 1000
MAX_IDS = 1000
MAX_DESCRIPTION = 4000
MAX_MEDIA = 3
NO_POSTAL_ADDRESS = "ไม่ระบุ (แจ้งผ่าน Open311)"
# XML: the element of each item of a list (the JSON side is a bare array).
ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
         "endpoints": "endpoint", "formats": "format", "attributes": "attribute",
         "values": "value"}
# Our CaseCreate fields by the Open311 names they come from, for error messages.
FIELD_NAMES = {"first_name": "first_name", "surname": "last_name", "phone": "phone",
               "email": "email", "details": "description", "location_text": "address_string",
               "latitude": "lat", "longitude": "long", "category": "service_code"}
_DATE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?)(Z|[+\- ]\d\d:?\d\d)")


class Problem(Exception):
    """An Open311 error array: one or more descriptions under one HTTP status."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


# ---------------------------------------------------------------- output

def w3c(moment: dt.datetime) -> str:
    """`2026-03-02T10:00:00+07:00`: Bangkok time, whole seconds, with the zone."""
    return numbering.local(moment).isoformat(timespec="seconds")


def _fill(element: ET.Element, tag: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEMS[tag]), ITEMS[tag], item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, payload: Any) -> bytes:
    """The XML form of a payload (Spark convention, reversed): lists become repeated
    child elements, None an empty element, booleans `true`/`false`."""
    element = ET.Element(root)
    _fill(element, root, payload)
    text = ET.tostring(element, encoding="unicode").replace(" />", "/>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode()


def respond(fmt: str, root: str, payload: Any, status: int = 200) -> Response:
    if fmt == "xml":
        body = to_xml(root, payload)
    else:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, descriptions: Iterable[str]) -> Response:
    return respond(fmt, "errors", [{"code": status, "description": d} for d in descriptions],
                   status)


def _format_of(path: str) -> str:
    suffix = path.rpartition(".")[2]
    return suffix if suffix in CONTENT_TYPES else "xml"


class Open311Route(APIRoute):
    """Every failure of an Open311 route becomes an error array in the format the
    path asked for (XML when the suffix is unknown)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            fmt = _format_of(request.url.path)
            try:
                response = await handler(request)
            except Problem as exc:
                response = error_response(fmt, exc.status, exc.descriptions)
            except Refused as exc:  # unreadable form, body too large, …
                status = exc.status if exc.status in (413, 429) else 400
                response = error_response(fmt, status, [exc.message or exc.code])
                response.headers.update(exc.headers)
            except CaseworkError as exc:
                status = 404 if exc.status == 404 else 400
                response = error_response(fmt, status, [exc.message])
            except RequestValidationError:
                response = error_response(fmt, 400, ["malformed request"])
            except Exception:  # a bug: still an error array, and the traceback in the log
                log.exception("Open311 %s %s failed", request.method, request.url.path)
                response = error_response(fmt, 500, ["internal error"])
            if request.method == "GET":  # public data: usable from any site's scripts
                response.headers["Access-Control-Allow-Origin"] = "*"
            return response

        return answer


router = APIRouter(prefix="/open311/v2", route_class=Open311Route, include_in_schema=False)


# ---------------------------------------------------------------- shared checks

def _format(fmt: str) -> str:
    if fmt not in CONTENT_TYPES:
        raise Problem(404, f"unknown format {fmt!r}: use .xml or .json")
    return fmt


def _cfg(request: Request) -> Config:
    return request.app.state.cfg  # type: ignore[no-any-return]


def _base_url(request: Request) -> str:
    return str(request.app.state.settings.base_url).rstrip("/")


def jurisdiction_id(request: Request) -> str:
    """This server's one jurisdiction: the municipality's web domain without `www.`
    (config/center.toml's website channel), else the site's own host."""
    cfg = _cfg(request)
    site = next((ch.value for ch in cfg.channels if ch.kind == "website"), "")
    host = urlsplit(site if "//" in site else f"//{site}").hostname or ""
    host = host or urlsplit(_base_url(request)).hostname or "localhost"
    return host.removeprefix("www.")


def _check_jurisdiction(request: Request, given: str | None) -> None:
    """A single-jurisdiction server: none given is fine, another one is unknown."""
    if given and given.strip() and given.strip().lower() != jurisdiction_id(request):
        raise Problem(404, f"unknown jurisdiction_id {given.strip()!r}")


def _query(request: Request) -> dict[str, str]:
    """Query parameters, an empty one counting as absent."""
    return {k: v.strip() for k, v in request.query_params.items() if v.strip()}


def services_of(cfg: Config) -> list[Category]:
    """The request types offered: every category of the general track."""
    return [c for c in cfg.categories.values()
            if c.track == "general" and cfg.departments[c.department].kind != "integrity"]


def _service(cfg: Config, code: str) -> Category:
    found = next((c for c in services_of(cfg) if c.code == code), None)
    if found is None:
        raise Problem(404, f"unknown service_code {code!r}")
    return found


def request_id(case: Case) -> str:
    return f"{case.fiscal_year}-{case.number}"


def parse_request_id(text: str) -> tuple[int, str] | None:
    """(fiscal year, number) of `2569-ฟ./020`, or None when it is not such an id."""
    fy, sep, number = text.strip().partition("-")
    if not sep or len(fy) != 4 or not fy.isdigit():
        return None
    normal = numbering.normalise_number(number)
    return (int(fy), normal) if normal else None


# ---------------------------------------------------------------- discovery, services

def _changeset(request: Request) -> str:
    """When the configuration the services come from last changed (sortable)."""
    folder = request.app.state.settings.config_dir
    stamps = []
    for name in config_mod.FILES:
        try:
            stamps.append((folder / name).stat().st_mtime)
        except OSError:
            continue
    return w3c(dt.datetime.fromtimestamp(max(stamps, default=0.0), dt.UTC))


@router.get("/discovery.{fmt}")
def discovery(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    cfg = _cfg(request)
    reach = {ch.kind: ch.value for ch in cfg.channels}
    how = ", ".join(f"{kind} {reach[kind]}" for kind in ("phone", "email") if kind in reach)
    changeset = _changeset(request)
    return respond(fmt, "discovery", {
        "changeset": changeset,
        "contact": f"{cfg.center.name_th} / {cfg.center.name_en}: {how}",
        "key_service": f"API keys (api_key, needed to POST requests) are issued by the "
                       f"{cfg.center.name_en}: {how}. ขอ api_key ได้ที่{cfg.center.name_th}",
        "endpoints": [{
            "specification": SPEC, "url": f"{_base_url(request)}/open311/v2",
            "changeset": changeset, "type": "production", "formats": list(MIME.values()),
        }],
    })


@router.get("/services.{fmt}")
def list_services(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    _check_jurisdiction(request, request.query_params.get("jurisdiction_id"))
    cfg = _cfg(request)
    return respond(fmt, "services", [{
        "service_code": c.code, "service_name": c.name_th,
        "description": f"{c.name_en} ({cfg.departments[c.department].name_en})",
        "metadata": False, "type": "realtime",
        "keywords": ", ".join((c.name_th, c.name_en, c.prefix)),
        "group": cfg.departments[c.department].name_th,
    } for c in services_of(cfg)])


@router.get("/services/{code}.{fmt}")
def service_definition(request: Request, code: str, fmt: str) -> Response:
    """No service asks for extra fields (`metadata` false): an empty attribute list."""
    fmt = _format(fmt)
    _check_jurisdiction(request, request.query_params.get("jurisdiction_id"))
    category = _service(_cfg(request), code)
    return respond(fmt, "service_definition", {"service_code": category.code, "attributes": []})


@router.get("/tokens/{token}.{fmt}")
def token(request: Request, token: str, fmt: str) -> Response:
    """Every service is realtime (POST answers with the id at once): no token exists."""
    fmt = _format(fmt)
    _check_jurisdiction(request, request.query_params.get("jurisdiction_id"))
    raise Problem(404, f"unknown token {token!r}: this server's services are realtime "
                       "and issue no tokens")


# ---------------------------------------------------------------- reading requests

def _moment(name: str, text: str, problems: list[str]) -> dt.datetime | None:
    """A W3C date-time with its zone (a '+' that arrived as a space is forgiven)."""
    m = _DATE.fullmatch(text)
    if m is None:
        problems.append(f"{name} must be a W3C date-time with a zone, e.g. "
                        "2026-03-02T10:00:00+07:00")
        return None
    zone = m[2].replace(" ", "+")
    try:
        return dt.datetime.fromisoformat(m[1] + zone).astimezone(dt.UTC)
    except ValueError:
        problems.append(f"{name} is not a valid date-time")
        return None


def _window(q: dict[str, str], now: dt.datetime,
            problems: list[str]) -> tuple[dt.datetime, dt.datetime]:
    start = _moment("start_date", q["start_date"], problems) if "start_date" in q else None
    end = _moment("end_date", q["end_date"], problems) if "end_date" in q else None
    if start is None and end is None:
        return now - WINDOW, now
    if start is None:
        assert end is not None
        return end - WINDOW, end
    if end is None:
        return start, start + WINDOW
    if end < start:
        problems.append("end_date is before start_date")
    elif end - start > WINDOW:
        problems.append("start_date and end_date may span at most 90 days")
    return start, end


def _positive(q: dict[str, str], name: str, default: int, most: int,
              problems: list[str]) -> int:
    text = q.get(name)
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= most:
        problems.append(f"{name} must be a whole number from 1 to {most}")
        return default
    return int(text)


def _filters(request: Request, q: dict[str, str]) -> tuple[list[Any], int, int]:
    """Conditions, page and page size of GET requests without service_request_id."""
    cfg = _cfg(request)
    problems: list[str] = []
    conditions: list[Any] = []
    statuses = {s.strip() for s in q.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        problems.append("status must be open, closed or both (open,closed)")
    elif statuses == {"open"}:
        conditions.append(col(Case.state).in_(sorted(OPEN_STATES)))
    elif statuses == {"closed"}:
        conditions.append(col(Case.state).not_in(sorted(OPEN_STATES)))
    start, end = _window(q, dt.datetime.now(dt.UTC), problems)
    page = _positive(q, "page", 1, 10**6, problems)
    size = _positive(q, "page_size", MAX_REQUESTS, MAX_REQUESTS, problems)
    if problems:
        raise Problem(400, *problems)
    codes = [c.strip() for c in q.get("service_code", "").split(",") if c.strip()]
    for code in codes:
        _service(cfg, code)  # 404 for an unknown one (and for the corruption category)
    if codes:
        conditions.append(col(Case.category_code).in_(codes))
    years = range(numbering.fiscal_year(start), numbering.fiscal_year(end) + 1)
    conditions += [col(Case.fiscal_year).in_(list(years)),  # the (fiscal_year, filed_at) index
                   col(Case.filed_at) >= sa.literal(start, UTCDateTime()),
                   col(Case.filed_at) <= sa.literal(end, UTCDateTime())]
    return conditions, page, size


def _by_ids(text: str) -> list[Any]:
    keys = {key for part in text.split(",") if (key := parse_request_id(part))}
    if len(text.split(",")) > MAX_IDS:
        raise Problem(400, f"at most {MAX_IDS} service_request_id values at once")
    if not keys:
        return [sa.false()]
    return [sa.or_(*(sa.and_(col(Case.fiscal_year) == fy, col(Case.number) == number)
                     for fy, number in sorted(keys)))]


@router.get("/requests.{fmt}")
def list_requests(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    q = _query(request)
    _check_jurisdiction(request, q.get("jurisdiction_id"))
    if "service_request_id" in q:  # overrides every other filter
        conditions, page, size = _by_ids(q["service_request_id"]), 1, MAX_IDS
    else:
        conditions, page, size = _filters(request, q)
    stmt = (select(Case).where(*queries.PUBLIC, *conditions)
            .order_by(col(Case.filed_at).desc(), col(Case.id).desc())
            .offset((page - 1) * size).limit(size))
    with db.reading(request.app.state.engine) as s:
        found = list(s.exec(stmt).all())
        records = published(s, _cfg(request), _base_url(request), found)
    return respond(fmt, "service_requests", [r.model_dump() for r in records])


@router.get("/requests/{rest:path}")
def get_request(request: Request, rest: str) -> Response:
    """One request: `/requests/2569-%E0%B8%9F.%2F020.xml` (the id percent-encoded)."""
    ident, dot, fmt = rest.rpartition(".")
    fmt = _format(fmt if dot else "")
    _check_jurisdiction(request, request.query_params.get("jurisdiction_id"))
    key = parse_request_id(ident)
    if key is None:
        raise Problem(404, f"unknown service_request_id {ident!r}")
    stmt = select(Case).where(Case.fiscal_year == key[0], Case.number == key[1],
                              *queries.PUBLIC)
    with db.reading(request.app.state.engine) as s:
        case = s.exec(stmt).first()
        if case is None:
            raise Problem(404, f"unknown service_request_id {ident!r}")
        records = published(s, _cfg(request), _base_url(request), [case])
    return respond(fmt, "service_requests", [r.model_dump() for r in records])


def _latest_notes(s: Session, ids: Sequence[int]) -> dict[int, str]:
    """The latest public note of each case (internal notes never)."""
    if not ids:
        return {}
    e = CaseEvent.__table__.c  # type: ignore[attr-defined]
    latest = (sa.select(sa.func.max(e.id)).where(e.case_id.in_(ids), e.public_note.is_not(None))
              .group_by(e.case_id))
    rows = s.connection().execute(sa.select(e.case_id, e.public_note).where(e.id.in_(latest)))
    return {int(case_id): str(note) for case_id, note in rows}


def _originals(s: Session, cases: Sequence[Case]) -> dict[int, str]:
    """Ids of the public cases that rejected duplicates point to."""
    wanted = {c.duplicate_of_id for c in cases if c.duplicate_of_id and c.state == "rejected"}
    if not wanted:
        return {}
    rows = s.exec(select(Case).where(col(Case.id).in_(wanted), *queries.PUBLIC)).all()
    return {c.id: request_id(c) for c in rows if c.id is not None}


def _at_most(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """GeoReport descriptions hold 4000 characters; our complaints may be longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def published(s: Session, cfg: Config, base_url: str,
              cases: Sequence[Case]) -> list[ServiceRequest]:
    """The Open311 records of public cases (the caller has filtered them)."""
    ids = [c.id for c in cases if c.id is not None]
    notes = _latest_notes(s, ids)
    pictures = photos.for_cases(s, ids)
    originals = _originals(s, cases)
    out = []
    for case in cases:
        assert case.id is not None
        closed = case.state not in OPEN_STATES
        note = mask_pii(notes[case.id]) if case.id in notes else None
        if note and case.duplicate_of_id in originals:
            note = f"{note} ({originals[case.duplicate_of_id]})"
        category = cfg.categories.get(case.category_code)
        if case.state == "referred" and case.agency:
            agency = case.agency
        elif case.department_code:
            agency = cfg.department_name(case.department_code) or case.department_code
        else:
            agency = cfg.center.name_th
        consideration = cfg.considerations.get(case.consideration or "")
        shown = pictures.get(case.id, [])
        photo = next((p for p in shown if p.kind == "after"), None) or next(iter(shown), None)
        out.append(ServiceRequest(
            service_request_id=request_id(case), status="closed" if closed else "open",
            status_notes=note, service_name=category.name_th if category else case.category_code,
            service_code=case.category_code, description=_at_most(mask_pii(case.details)),
            agency_responsible=agency,
            service_notice=consideration.label_th if consideration else None,
            requested_datetime=w3c(case.filed_at),
            updated_datetime=w3c(case.closed_at if closed and case.closed_at
                                 else case.updated_at),
            expected_datetime=(w3c(case.resolution_due_at)
                               if case.state == "dispatched" and case.resolution_due_at
                               else None),
            address=mask_pii(case.location_text) if case.location_text else None,
            lat=case.latitude, long=case.longitude,
            media_url=f"{base_url}/media/{quote(photo.name)}" if photo else None,
        ))
    return out


# ---------------------------------------------------------------- creating a request

def api_keys(request: Request) -> list[str]:
    raw = request.app.state.settings.open311_api_keys.get_secret_value()
    return [k.strip() for k in raw.split(",") if k.strip()]


def _check_api_key(request: Request, given: str) -> None:
    keys = api_keys(request)
    if not keys:
        raise Problem(403, "this server accepts no service requests: no api_key has been "
                           "issued")
    if not given:
        raise Problem(403, "api_key is required")
    matched = False
    for key in keys:  # compare with every key, in constant time
        matched |= hmac.compare_digest(key.encode(), given.encode())
    if not matched:
        raise Problem(403, "invalid api_key")


def _coordinates(lat: str, long: str, problems: list[str]) -> tuple[float | None, float | None]:
    if not lat and not long:
        return None, None
    if not (lat and long):
        problems.append("lat and long must be sent together")
        return None, None
    try:
        point = float(lat), float(long)
    except ValueError:
        problems.append("lat and long must be numbers (WGS84 degrees)")
        return None, None
    if not all(math.isfinite(v) for v in point):
        problems.append("lat and long must be numbers (WGS84 degrees)")
        return None, None
    return point


def _media_lines(urls: list[str], problems: list[str]) -> str:
    urls = [u.strip() for u in urls if u.strip()]
    if len(urls) > MAX_MEDIA:
        problems.append(f"at most {MAX_MEDIA} media_url values")
        return ""
    for url in urls:
        if len(url) > 500 or urlsplit(url).scheme not in ("http", "https") \
                or not urlsplit(url).netloc:
            problems.append("media_url must be an http(s) URL of at most 500 characters")
            return ""
    return "".join(f"\nmedia_url: {u}" for u in urls)


def complaint_from(form: FormData) -> tuple[dict[str, Any], list[str]]:
    """The CaseCreate data of a POSTed request, and what is missing or malformed."""
    text = {name: forms.text(form, name).strip() for name in (
        "service_code", "first_name", "last_name", "phone", "email", "description",
        "address_string", "address_id", "lat", "long")}
    problems: list[str] = []
    if not text["service_code"]:
        problems.append("service_code is required")
    lat, long = _coordinates(text["lat"], text["long"], problems)
    if not (text["lat"] or text["long"] or text["address_string"] or text["address_id"]):
        problems.append("a location is required: lat and long, address_string or address_id")
    for name in ("first_name", "last_name", "phone"):
        if not text[name]:
            problems.append(f"{name} is required: a complaint needs the complainant's real "
                            "name and phone number to be acted on (ต้องระบุชื่อ นามสกุล "
                            "และหมายเลขโทรศัพท์จริง)")
    if not text["description"]:
        problems.append("description is required")
    elif len(text["description"]) > MAX_DESCRIPTION:
        problems.append(f"description is longer than {MAX_DESCRIPTION} characters")
    media = _media_lines([v for v in form.getlist("media_url") if isinstance(v, str)], problems)
    place = text["address_string"] or (f"address_id {text['address_id']}"
                                       if text["address_id"] else "")
    data = {
        "first_name": text["first_name"] or None, "surname": text["last_name"] or None,
        "address": NO_POSTAL_ADDRESS, "phone": text["phone"] or None,
        "email": text["email"] or None, "copy_to_email": bool(text["email"]),
        "details": (text["description"] + media) or None, "category": text["service_code"],
        "channel": CHANNEL, "location_text": place or None, "latitude": lat, "longitude": long,
    }
    return data, problems


def _validated(data: dict[str, Any], problems: list[str]) -> CaseCreate | None:
    """CaseCreate, or None with its complaints (in Open311 names) added to `problems`."""
    try:
        complaint = CaseCreate.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            if data.get(field) is None and field in ("first_name", "surname", "phone",
                                                     "details"):
                continue  # reported as missing already
            problems.append(f"{FIELD_NAMES.get(field, field)}: {err['msg']}")
        return None
    return None if problems else complaint


def _file(request: Request, complaint: CaseCreate) -> Case:
    app = request.app
    suggestion = app.state.suggest(complaint.details, {"category": complaint.category})
    with db.transaction(app.state.engine) as s:
        return service.file_case(s, app.state.cfg, complaint, now=dt.datetime.now(dt.UTC),
                                 suggestion=suggestion)


def _notice(cfg: Config, case: Case) -> str:
    if case.track != "general":
        return ("เรื่องร้องเรียนการทุจริตจะถูกเก็บเป็นความลับและไม่แสดงในรายการคำร้อง "
                "เจ้าหน้าที่ผู้รับผิดชอบจะติดต่อกลับตามข้อมูลที่ให้ไว้ / A corruption complaint "
                "is kept confidential and is not listed; the officers in charge will contact "
                "the complainant.")
    days = cfg.clocks.acknowledge_working_days
    return (f"{cfg.center.name_th} จะพิจารณารับเรื่องภายใน {days} วันทำการ / The complaint "
            f"center will review the request within {days} working day(s).")


@router.post("/requests.{fmt}")
async def create_request(request: Request, fmt: str) -> Response:
    fmt = _format(fmt)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Problem(400, "send the request as application/x-www-form-urlencoded "
                           "(or multipart/form-data) fields")
    form = await forms.read_form(request, max_fields=80)  # 4000 Thai characters fit
    try:
        _check_api_key(request, forms.text(form, "api_key").strip())
        _check_jurisdiction(request, forms.text(form, "jurisdiction_id"))
        data, problems = complaint_from(form)
    finally:
        await form.close()
    complaint = _validated(data, problems)
    if problems or complaint is None:
        raise Problem(400, *problems)
    _service(_cfg(request), data["category"])
    try:
        case = await run_in_threadpool(_file, request, complaint)
    except Invalid as exc:
        raise Problem(400, exc.message) from None
    return respond(fmt, "service_requests", [{
        "service_request_id": request_id(case), "service_notice": _notice(_cfg(request), case),
    }])


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> Response:
    raise Problem(404, f"no such Open311 resource: /{rest}")
