"""Input and output schemas: what comes in is cleaned and validated here; what goes
out to the public cannot carry the complainant's identity by construction."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

# C0/C1 control characters except tab and newline, and unpaired surrogates.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_PHONE = re.compile(r"^(?:\+66|0)\d{8,9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_text(value: str) -> str:
    """NFC-normalise, unify line ends, strip; refuse NUL, control characters and
    broken Unicode instead of storing them."""
    if _BAD_CHARS.search(value):
        raise ValueError("contains control characters or invalid Unicode")
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.strip()


def normalise_phone(value: str) -> str:
    """Thai phone numbers as digits: '081-234-5678' → '0812345678', '+66 81…' → '081…'.
    Thai digits (๐–๙) are accepted."""
    digits = unicodedata.normalize("NFKC", value)
    digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in digits)
    digits = re.sub(r"[\s\-().]", "", digits)
    if not _PHONE.match(digits):
        raise ValueError("not a Thai phone number (9–10 digits, e.g. 081-234-5678)")
    return "0" + digits[3:] if digits.startswith("+66") else digits


def _email(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValueError("not an email address")
    return value


Text = Annotated[str, AfterValidator(clean_text)]


class CaseCreate(BaseModel):
    """A new complaint, from the web form, the CLI or an officer on the phone."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    first_name: Annotated[Text, Field(min_length=1, max_length=100)]
    surname: Annotated[Text, Field(min_length=1, max_length=100)]
    address: Annotated[Text, Field(min_length=1, max_length=500)]
    phone: Annotated[str, AfterValidator(normalise_phone)]
    details: Annotated[Text, Field(min_length=1, max_length=5000)]
    subject: Annotated[Text, Field(max_length=200)] | None = None
    email: Annotated[str | None, AfterValidator(_email)] = None
    copy_to_email: bool = False
    category: str | None = None
    channel: str = "web"
    location_text: Annotated[Text, Field(max_length=300)] | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None

    @field_validator("category", mode="before")
    @classmethod
    def _blank_category(cls, v: object) -> object:
        return None if v in ("", "unknown", "dont_know") else v


def subject_from(details: str, limit: int = 80) -> str:
    """A one-line subject from the details when none was given."""
    first = " ".join(details.split())
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


_MASKS = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[อีเมล]"),
    (re.compile(r"(?<!\d)\d[\d -]{11,16}\d(?!\d)"), None),  # 13-digit ID, spaced or not
    (re.compile(r"(?<![\d+])(?:\+66|0)[\d -]{7,11}\d(?!\d)"), None),  # phone numbers
)
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _mask_digits(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 13 or 9 <= len(digits) <= 11:
        return "x" * len(raw)
    return raw


def mask_pii(text: str) -> str:
    """Hide emails, phone numbers and 13-digit ID numbers inside public text."""
    text = text.translate(_THAI_DIGITS)
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement or _mask_digits, text)
    return text


class PublicPhoto(BaseModel):
    """A photo as the public sees it: media names only."""

    name: str
    thumb: str
    width: int | None = None
    height: int | None = None


class CasePublicRow(BaseModel):
    """One row of the public tracking table. No name, address, phone or email.
    Codes (state, consideration, department) are turned into words by the page."""

    number: str
    fiscal_year: int
    filed_at: dt.datetime
    state: str
    symbol: str
    details: str  # personal data inside it masked
    consideration: str | None
    department: str | None
    before: list[PublicPhoto] = []
    after: list[PublicPhoto] = []


class TimelineEntry(BaseModel):
    """One public step of a case's history (internal notes never appear)."""

    at: dt.datetime
    trigger: str
    state: str
    changed: bool  # the public state changed with this step
    note: str | None = None  # public note, personal data masked
    department: str | None = None
    agency: str | None = None
    photos: list[PublicPhoto] = []


class CasePublic(BaseModel):
    """A case as its page shows it to whoever holds the tracking code: no name, address,
    phone or email; personal data inside the texts masked."""

    number: str
    fiscal_year: int
    tracking_code: str
    filed_at: dt.datetime
    state: str
    symbol: str
    category: str
    subject: str | None  # only when the citizen wrote one
    details: str
    location_text: str | None
    department: str | None
    consideration: str | None
    consideration_days: int | None
    due_at: dt.datetime | None
    completed_at: dt.datetime | None
    agency: str | None
    reopen_count: int
    dispute_until: dt.datetime | None  # a completed fix may be disputed until then
    before: list[PublicPhoto] = []
    after: list[PublicPhoto] = []
    timeline: list[TimelineEntry] = []
    rating: int | None = None  # the citizen's feedback so far (not who gave it)
    confirmed: bool | None = None


class ServiceRequest(BaseModel):
    """One service request as Open311 GeoReport v2 publishes it (shared/reference/
    open311.md §2e), field for field and in the spec's order. Nothing here can hold the
    complainant's name, postal address, phone or email: `address` is where the problem
    is (the location text, personal data masked). Dates are W3C strings
    (`2026-03-02T10:00:00+07:00`)."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str | None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None
    long: float | None
    media_url: str | None


class Contact(BaseModel):
    """How to reach the complainant: for staff whose scope reaches the case only."""

    first_name: str
    surname: str
    address: str
    phone: str
    email: str | None
    copy_to_email: bool


class StaffEvent(BaseModel):
    """One entry of a case's audit trail as staff see it (internal notes included)."""

    id: int
    at: dt.datetime
    actor: str
    actor_role: str
    trigger: str
    from_state: str | None
    to_state: str
    public_note: str | None
    internal_note: str | None
    data: dict[str, Any]


class StaffPhoto(BaseModel):
    """A photo of a case: media names (served to staff under /staff/media/…)."""

    kind: str  # before, progress, after
    name: str
    thumb: str
    event_id: int | None
    width: int | None
    height: int | None


class CaseStaffRow(BaseModel):
    """One case in a staff list: what it is, where it stands, when it is due."""

    id: int
    number: str
    fiscal_year: int
    state: str
    track: str
    category: str
    department: str | None
    consideration: str | None
    channel: str
    subject: str
    filed_at: dt.datetime
    due_at: dt.datetime | None  # the running clock's due time (inbox: acknowledge)
    badge: str | None  # on_time, due_soon, overdue, escalated; None once closed
    version: int


class CaseStaff(CaseStaffRow):
    """A case as the staff in charge see it: the full text, the complainant's contact
    (`contact`: only when the reader's scope reaches the case; a sealed case's only for
    the integrity role), the router's suggestion, the clocks, the whole audit trail
    and the moves the reader may make now. `version` goes back with every action."""

    tracking_code: str | None  # never for a sealed case
    filed_category: str
    consideration_days: int | None
    details: str
    location_text: str | None
    latitude: float | None
    longitude: float | None
    agency: str | None
    reject_reason: str | None
    duplicate_of_id: int | None
    resolution_note: str | None
    reopen_count: int
    filed_by: str | None
    received_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    updated_at: dt.datetime
    ack_due_at: dt.datetime | None
    reply_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    suggestion: dict[str, Any] | None
    contact: Contact | None
    events: list[StaffEvent] = []
    photos: list[StaffPhoto] = []
    actions: list[str] = []
