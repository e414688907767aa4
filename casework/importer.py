"""Importing complaints from a CSV file (a spreadsheet the center kept before, or
another system's export). Every row is checked before anything is written: one bad row
and nothing is imported, with every problem listed by line."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from casework import routing, service
from casework.actors import Actor
from casework.config import Config
from casework.numbering import BANGKOK
from casework.schemas import CaseCreate

REQUIRED = ("first_name", "surname", "phone", "address", "details")
OPTIONAL = ("subject", "email", "category", "channel", "location_text", "filed_at")


@dataclass(frozen=True)
class Row:
    line: int
    data: CaseCreate
    filed_at: dt.datetime | None


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def read(path: Path, cfg: Config, *, default_channel: str = "letter") -> tuple[list[Row],
                                                                                list[Problem]]:
    """Parse and validate every row; (rows, problems)."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        return [], [Problem(0, f"cannot read {path}: {exc.strerror}")]
    rows: list[Row] = []
    problems: list[Problem] = []
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in REQUIRED if c not in header]
            unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
            if missing or unknown:
                parts = ([f"missing columns: {', '.join(missing)}"] if missing else []) + (
                    [f"unknown columns: {', '.join(unknown)}"] if unknown else [])
                return [], [Problem(1, "; ".join(parts))]
            for record in reader:
                line = reader.line_num
                row, problem = _row(record, line, cfg, default_channel)
                if problem:
                    problems.append(problem)
                elif row:
                    rows.append(row)
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(Problem(0, f"not a UTF-8 CSV file: {exc}"))
    return rows, problems


def _row(record: dict[str, Any], line: int, cfg: Config,
         default_channel: str) -> tuple[Row | None, Problem | None]:
    values = {k: (v or "").strip() for k, v in record.items() if k}
    if not any(values.values()):
        return None, None  # a blank line
    messages: list[str] = []
    filed_at = None
    if values.get("filed_at"):
        try:
            filed_at = dt.datetime.fromisoformat(values["filed_at"])
            if filed_at.tzinfo is None:
                filed_at = filed_at.replace(tzinfo=BANGKOK)
        except ValueError:
            messages.append(f"filed_at: not an ISO date-time: {values['filed_at']!r}")
    data: dict[str, Any] = {k: v or None for k, v in values.items() if k != "filed_at"}
    data["channel"] = data.get("channel") or default_channel
    if data.get("category") and data["category"] not in cfg.categories:
        messages.append(f"category: unknown category {data['category']!r}")
        data["category"] = None
    if data["channel"] not in cfg.intake_channels:
        messages.append(f"channel: unknown channel {data['channel']!r}")
    parsed = None
    try:
        parsed = CaseCreate.model_validate(data)
    except ValidationError as exc:
        messages += [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    if messages or parsed is None:
        return None, Problem(line, "; ".join(messages))
    return Row(line, parsed, filed_at), None


def chunks(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for lo in range(0, len(rows), size):
        yield rows[lo:lo + size]


def load(transaction: Callable[[], AbstractContextManager[Session]], cfg: Config,
         rows: list[Row], *, now: dt.datetime, by: Actor | None,
         rules: routing.Rules | None = None, batch: int = 200,
         progress: Callable[[int], None] = lambda _n: None) -> list[str]:
    """File every row through the service layer (numbered in the fiscal year of its
    filing date), `batch` rows per transaction; returns the case numbers."""
    numbers = []
    for part in chunks(sorted(rows, key=lambda r: (r.filed_at or now, r.line)), batch):
        with transaction() as session:
            for row in part:
                text = f"{row.data.subject or ''} {row.data.details}"
                suggestion = routing.route(text, {"category": row.data.category},
                                           rules=rules) if rules else None
                case = service.file_case(session, cfg, row.data, now=row.filed_at or now,
                                         by=by, suggestion=suggestion)
                numbers.append(case.number)
        progress(len(part))
    return numbers
