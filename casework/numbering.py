"""Thai fiscal years, Buddhist-era dates, case numbers and tracking codes."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import get_month_names
from sqlmodel import Session

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
_TH_MONTHS = get_month_names("abbreviated", locale="th")
_EN_MONTHS = get_month_names("abbreviated", locale="en")
# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: codes are read out over the phone.
TRACKING_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
TRACKING_LENGTH = 10
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_TYPED_NUMBER = re.compile(r"(?P<prefix>[\u0e01-\u0e2e][\u0e01-\u0e2e.]{0,6}?)/?(?P<seq>\d{1,6})")


def local(moment: dt.datetime, tz: ZoneInfo = BANGKOK) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: casework stores and compares aware UTC times")
    return moment.astimezone(tz)


def fiscal_year(moment: dt.datetime | dt.date, tz: ZoneInfo = BANGKOK) -> int:
    """Thai fiscal year (Buddhist era) of a moment: FY N runs 1 Oct N-1 to 30 Sep N."""
    day = local(moment, tz).date() if isinstance(moment, dt.datetime) else moment
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_year_bounds(fy: int, tz: ZoneInfo = BANGKOK) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of fiscal year `fy` (BE) as aware UTC datetimes."""
    year = fy - BE_OFFSET
    start = dt.datetime(year - 1, 10, 1, tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime(year, 10, 1, tzinfo=tz).astimezone(dt.UTC)
    return start, end


def thai_date(moment: dt.datetime | dt.date, tz: ZoneInfo = BANGKOK) -> str:
    """`08 ต.ค. 2563`: day, Thai abbreviated month, Buddhist-era year."""
    day = local(moment, tz).date() if isinstance(moment, dt.datetime) else moment
    return f"{day.day:02d} {_TH_MONTHS[day.month]} {day.year + BE_OFFSET}"


def thai_datetime(moment: dt.datetime, tz: ZoneInfo = BANGKOK) -> str:
    return f"{thai_date(moment, tz)} {local(moment, tz):%H:%M} น."


def month_names(lang: str) -> dict[int, str]:
    """Abbreviated month names (1–12) in Thai (ต.ค.) or English (Oct)."""
    return dict(_TH_MONTHS if lang == "th" else _EN_MONTHS)


def english_date(moment: dt.datetime | dt.date, tz: ZoneInfo = BANGKOK) -> str:
    day = local(moment, tz).date() if isinstance(moment, dt.datetime) else moment
    return f"{day.day:02d} {_EN_MONTHS[day.month]} {day.year}"


def format_number(prefix: str, seq: int) -> str:
    """Published form of a case number: prefix, slash, at least three digits (ฟ./020)."""
    return f"{prefix}/{seq:03d}"


def parse_number(text: str) -> tuple[str, int]:
    """Split `ฟ./020` into ('ฟ.', 20). Raises ValueError on anything else."""
    prefix, sep, digits = text.strip().rpartition("/")
    if not sep or not prefix or not digits.isdigit():
        raise ValueError(f"not a case number: {text!r}")
    return prefix, int(digits)


def normalise_number(text: str) -> str | None:
    """A case number as typed (`ฟ./20`, `ฟ 020`, `อ.ท/5`, Thai digits) in its published
    form (`ฟ./020`), or None when it is not one."""
    text = unicodedata.normalize("NFC", text).translate(_THAI_DIGITS)
    m = _TYPED_NUMBER.fullmatch("".join(text.split()))
    if m is None or int(m["seq"]) == 0:
        return None
    prefix = m["prefix"] if m["prefix"].endswith(".") else m["prefix"] + "."
    return format_number(prefix, int(m["seq"]))


def looks_like_tracking_code(text: str) -> bool:
    return len(text) == TRACKING_LENGTH and all(ch in TRACKING_ALPHABET for ch in text)


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def allocate(session: Session, fiscal_year: int, prefix: str) -> int:
    """Next sequence number for (fiscal year, prefix), atomically, in the caller's
    transaction: an upsert that increments and returns the counter. The counter row
    stays locked until commit, so concurrent filers queue on it (PostgreSQL) or on the
    database write lock (SQLite); a rollback also rolls the counter back, so the
    numbers have no gaps."""
    conn = session.connection()
    return int(conn.execute(_ALLOCATE, {"fy": fiscal_year, "p": prefix}).scalar_one())


_ALLOCATE = sa.text(
    "INSERT INTO number_counters (fiscal_year, prefix, last) VALUES (:fy, :p, 1) "
    "ON CONFLICT (fiscal_year, prefix) DO UPDATE SET last = number_counters.last + 1 "
    "RETURNING last"
)
