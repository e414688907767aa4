"""Load and validate the municipality's data files under config/.

Everything municipality-specific lives in TOML files. `load(path)` returns one frozen
`Config`; any problem raises `ConfigError` listing each error with file, line and key.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from casework.sla import ThaiCalendar

FILES = ("center.toml", "departments.toml", "categories.toml", "workflow.toml", "holidays.toml")
CODE = r"^[a-z][a-z0-9_]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Center(_Frozen):
    name_th: str
    name_en: str
    municipality_th: str
    municipality_en: str
    timezone: str = "Asia/Bangkok"


class ContactChannel(_Frozen):
    kind: Literal["phone", "address", "email", "website", "facebook", "line"]
    label_th: str
    label_en: str
    value: str = Field(min_length=1)


class Department(_Frozen):
    code: str = Field(pattern=CODE)
    name_th: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    kind: Literal["department", "integrity", "external"] = "department"


class Category(_Frozen):
    code: str = Field(pattern=CODE)
    prefix: str = Field(min_length=1, max_length=8)
    name_th: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    department: str
    track: Literal["general", "corruption"] = "general"
    after_photo: bool = False

    @field_validator("prefix")
    @classmethod
    def _no_slash(cls, v: str) -> str:
        if "/" in v or v.strip() != v:
            raise ValueError("prefix may not contain '/' or surrounding spaces")
        return v


class Consideration(_Frozen):
    label_th: str
    label_en: str
    calendar: Literal["calendar", "working"]
    default_days: int = Field(ge=1, le=365)
    min_days: int = Field(ge=1, le=365)
    max_days: int = Field(ge=1, le=365)


class Clocks(_Frozen):
    acknowledge_working_days: int = Field(ge=1, le=30)
    first_reply_days: int = Field(ge=1, le=90)
    warn_at: float = Field(gt=0, lt=1)
    reopen_window_days: int = Field(ge=1, le=365)
    escalate_after_working_days: int = Field(default=3, ge=1, le=60)
    digest_hour: int = Field(default=8, ge=0, le=23)


class Label(_Frozen):
    label_th: str
    label_en: str


class Holiday(_Frozen):
    date: dt.date
    name: str


class Corruption(_Frozen):
    """The separate channel for corruption complaints (ร้องเรียนการทุจริต): the guideline
    shown to citizens and where else they can report."""

    title_th: str = "ร้องเรียนการทุจริตและประพฤติมิชอบ"
    title_en: str = "Report corruption or misconduct"
    guideline_th: str = ""
    guideline_en: str = ""
    channels: list[ContactChannel] = []


class _CenterFile(_Frozen):
    center: Center
    channels: list[ContactChannel] = []
    corruption: Corruption = Corruption()


class _DepartmentsFile(_Frozen):
    departments: list[Department] = Field(min_length=1)


class _CategoriesFile(_Frozen):
    categories: list[Category] = Field(min_length=1)


class _WorkflowFile(_Frozen):
    considerations: dict[str, Consideration]
    clocks: Clocks
    reject_reasons: dict[str, Label]
    intake_channels: dict[str, Label]


class _HolidaysFile(_Frozen):
    extra: list[Holiday] = []


_SCHEMAS: dict[str, type[BaseModel]] = {
    "center.toml": _CenterFile,
    "departments.toml": _DepartmentsFile,
    "categories.toml": _CategoriesFile,
    "workflow.toml": _WorkflowFile,
    "holidays.toml": _HolidaysFile,
}


@dataclass(frozen=True)
class Config:
    center: Center
    channels: tuple[ContactChannel, ...]
    corruption: Corruption
    departments: dict[str, Department]
    categories: dict[str, Category]
    considerations: dict[str, Consideration]
    clocks: Clocks
    reject_reasons: dict[str, Label]
    intake_channels: dict[str, Label]
    extra_holidays: dict[dt.date, str]

    @cached_property
    def calendar(self) -> ThaiCalendar:
        return ThaiCalendar(self.extra_holidays)

    def department_name(self, code: str | None) -> str:
        return self.departments[code].name_th if code in self.departments else ""


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best line number (1-based) in a TOML text for a pydantic error location.

    Follows `[[table]]` headers by index, `[a.b]` headers by name and `key =` lines.
    """
    lines = text.splitlines()
    start, end, found = 0, len(lines), None
    table: list[str] = []
    for part in loc:
        if isinstance(part, int):
            header = re.compile(r"^\s*\[\[\s*" + re.escape(".".join(table)) + r"\s*\]\]")
            hits = [i for i in range(start, end) if header.match(lines[i])]
            if part >= len(hits):
                return found
            start = hits[part]
            nxt = [i for i in range(start + 1, end) if lines[i].lstrip().startswith("[")]
            end, found = (nxt[0] if nxt else end), start + 1
            continue
        table.append(str(part))
        name = re.escape(".".join(table))
        header = re.compile(r"^\s*\[\[?\s*" + name + r"\s*\]\]?")
        word = re.escape(str(part))
        key = re.compile(r"^\s*" + word + r"\s*=|[{,]\s*" + word + r"\s*=")
        for i in range(start, end):
            if header.match(lines[i]):
                start, found = i, i + 1
                other = re.compile(r"^\s*\[(?!\[?" + name + ")")
                nxt = [j for j in range(i + 1, len(lines)) if other.match(lines[j])]
                end = nxt[0] if nxt else len(lines)
                break
            if key.search(lines[i]):
                start, end, found = i, i + 1, i + 1
                break
    return found


def _read(folder: Path, name: str, problems: list[Problem]) -> tuple[BaseModel | None, str]:
    path = folder / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(name, None, "", "file is missing"))
        return None, ""
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, None, "", f"not UTF-8 text ({exc.reason})"))
        return None, ""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        problems.append(Problem(name, int(m.group(1)) if m else None, "", f"TOML syntax: {exc}"))
        return None, text
    try:
        return _SCHEMAS[name].model_validate(raw), text
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(Problem(name, locate(text, loc), _key_path(loc), err["msg"]))
        return None, text


def _cross_check(parts: dict[str, Any], texts: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []

    def add(file: str, loc: tuple[Any, ...], msg: str) -> None:
        problems.append(Problem(file, locate(texts[file], loc), _key_path(loc), msg))

    depts = parts["departments.toml"].departments
    seen: set[str] = set()
    for i, d in enumerate(depts):
        if d.code in seen:
            add("departments.toml", ("departments", i, "code"), f"duplicate code {d.code!r}")
        seen.add(d.code)
    cats = parts["categories.toml"].categories
    codes: set[str] = set()
    prefixes: set[str] = set()
    for i, c in enumerate(cats):
        if c.code in codes:
            add("categories.toml", ("categories", i, "code"), f"duplicate code {c.code!r}")
        if c.prefix in prefixes:
            add("categories.toml", ("categories", i, "prefix"), f"duplicate prefix {c.prefix!r}")
        if c.department not in seen:
            add("categories.toml", ("categories", i, "department"),
                f"unknown department {c.department!r}")
        codes.add(c.code)
        prefixes.add(c.prefix)
    if "other" not in codes:
        add("categories.toml", ("categories",), "a category with code 'other' is required")
    wf = parts["workflow.toml"]
    for name in ("urgent", "survey", "normal"):
        if name not in wf.considerations:
            add("workflow.toml", ("considerations",), f"consideration {name!r} is required")
    for name, c in wf.considerations.items():
        if not c.min_days <= c.default_days <= c.max_days:
            add("workflow.toml", ("considerations", name, "default_days"),
                "default_days must lie between min_days and max_days")
    for name in ("duplicate", "insufficient_contact", "not_actionable", "spam"):
        if name not in wf.reject_reasons:
            add("workflow.toml", ("reject_reasons",), f"reject reason {name!r} is required")
    if "web" not in wf.intake_channels:
        add("workflow.toml", ("intake_channels",), "intake channel 'web' is required")
    return problems


def load(folder: str | Path) -> Config:
    """Read and validate every file of a config folder; raise ConfigError on any problem."""
    folder = Path(folder)
    problems: list[Problem] = []
    parts: dict[str, Any] = {}
    texts: dict[str, str] = {}
    for name in FILES:
        parts[name], texts[name] = _read(folder, name, problems)
    if problems:
        raise ConfigError(problems)
    problems = _cross_check(parts, texts)
    if problems:
        raise ConfigError(problems)
    wf = parts["workflow.toml"]
    return Config(
        center=parts["center.toml"].center,
        channels=tuple(parts["center.toml"].channels),
        corruption=parts["center.toml"].corruption,
        departments={d.code: d for d in parts["departments.toml"].departments},
        categories={c.code: c for c in parts["categories.toml"].categories},
        considerations=dict(wf.considerations),
        clocks=wf.clocks,
        reject_reasons=dict(wf.reject_reasons),
        intake_channels=dict(wf.intake_channels),
        extra_holidays={h.date: h.name for h in parts["holidays.toml"].extra},
    )
