"""Routing: Thai complaint text → category, department, track, urgency, referral.

`route(text, hints, rules=…, model=None)` is pure: no database, no clock, no I/O; the
rules (config/routing.toml, loaded by `load_rules`) and an optional learned model are
passed in. Every decision says which rule or the model decided, and why.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from casework.config import Config, ConfigError, Problem, _key_path, locate

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_REPEATS = re.compile(r"(\D)\1{2,}")  # 3+ of the same non-digit character: ดับบบบ → ดับ
_SPACE = re.compile(r"\s+")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_QUOTES = re.compile("[\"'`“”‘’«»]")
# Isan (Lao) negation บ่ before a verb or adjective is Thai ไม่: "บ่มีใบเสร็จ", "ไฟบ่ติด".
# Only before these words, so บ่อ (pond), บ่าย, บ่น and บ่ม are left alone.
_ISAN_NOT = re.compile(
    "บ่(?=มี|ได้|เคย|มา|ติด|เห็น|ไหว|ทัน|ยอม|ไป|เก็บ|สว่าง|ไหล|ลด|ให้|รู้|ฮู้|ต้อง|อยาก|ค่อย|"
    "ว่า|แม่น|เป็น|ใช่|สะอาด|ดี|ปลอดภัย|กล้า|หาย|ฟัง|สน|ซ่อม|ทำ|เฮ็ด|ตัด|แก้|จ่าย|ออก|เข้า|"
    "พอ|ถึง|เหลือ|ลง|ขึ้น|แห้ง|ถูก|เอา|เบิ่ง|ส่ง|เปิด|ปิด|ตอบ|รับ|กิน|เคลื่อน|ขยับ|เหม็น|ดัง|"
    "ไหม|บอก|จบ|คืน|หยุด|เลิก|ผ่าน|อนุญาต)")
GAP = "|"  # what a masked phrase becomes: nothing can match across it


def normalise(text: str) -> str:
    """NFC, no invisible or control characters, ASCII digits, sara am as one character,
    no stretched letters, no quotation marks, Isan บ่ as ไม่, single spaces, lower-case
    Latin."""
    text = unicodedata.normalize("NFC", text or "")
    text = _INVISIBLE.sub("", text).translate(_THAI_DIGITS)
    text = text.replace("\u0e4d\u0e32", "\u0e33")  # nikhahit + sara aa typed for sara am
    text = _REPEATS.sub(r"\1", text)
    text = _ISAN_NOT.sub("ไม่", _QUOTES.sub("", text))
    return _SPACE.sub(" ", text).strip().lower()


def respell(text: str, spelling: Sequence[tuple[str, str]]) -> str:
    """The spelling table of routing.toml applied to a compact text."""
    for wrong, right in spelling:
        if wrong in text:
            text = text.replace(wrong, right)
    return text


def compact(text: str) -> str:
    """What phrases are matched against: the normalised text without spaces, since
    Thai writers put spaces anywhere ("ไฟ ดับ ทั้งซอย")."""
    return normalise(text).replace(" ", "")


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str  # "category" | "corruption" | "agency"
    category: str
    weight: float
    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[str, ...] = ()
    agency: str | None = None
    department: str | None = None  # overrides the category's default department


def _alternation(phrases: Sequence[str]) -> re.Pattern[str] | None:
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


@dataclass(frozen=True)
class Flag:
    """Phrases and patterns that raise a flag (urgent, procurement)."""

    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    any_phrase: re.Pattern[str] | None  # one alternation: a fast "is any phrase here?"

    @classmethod
    def of(cls, spec: _Phrases, spelling: Sequence[tuple[str, str]] = ()) -> Flag:
        phrases = [respell(p, spelling) for p in spec.phrases]
        return cls(tuple(phrases), tuple(re.compile(p) for p in spec.patterns),
                   _alternation(phrases))

    def hit(self, text: str, cues: tuple[str, ...]) -> str | None:
        phrases = self.phrases if self.any_phrase and self.any_phrase.search(text) else ()
        return _first_hit(text, phrases, self.patterns, cues)


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    masks: tuple[str, ...]
    negations: tuple[str, ...]
    urgent: Flag
    procurement: Flag
    departments: Mapping[str, str]  # category → default department
    categories: tuple[str, ...]
    corruption_category: str = "corruption"
    corruption_threshold: float = 3.0
    # Every rule's phrases and exclusions in one character trie, so one pass over the
    # text finds all of them (see _scan); rules with regexes are also run on their own.
    trie: dict[str, Any] = field(default_factory=dict)
    with_patterns: tuple[int, ...] = ()
    # Misspellings and dialect words → the form the rules are written in, longest first.
    spelling: tuple[tuple[str, str], ...] = ()


_END = ""  # trie key for what ends at a node (a text character is never "")


def _trie(rules: Sequence[Rule]) -> dict[str, Any]:
    root: dict[str, Any] = {}

    def add(word: str, entry: tuple[int, int]) -> None:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node.setdefault(_END, []).append(entry)

    for ri, rule in enumerate(rules):
        for pi, phrase in enumerate(rule.phrases):
            add(phrase, (ri, pi))
        for phrase in rule.exclude:
            add(phrase, (ri, -1))  # -1: an exclusion of rule ri
    return root


def _scan(root: dict[str, Any], text: str) -> list[tuple[int, int, int, int]]:
    """(start, end, rule index, phrase index or -1) of every phrase found in text."""
    found = []
    n = len(text)
    for i in range(n):
        node: dict[str, Any] | None = root
        j = i
        while j < n and node is not None:
            node = node.get(text[j])
            if node is None:
                break
            j += 1
            for ri, pi in node.get(_END, ()):
                found.append((i, j, ri, pi))
    return found


class _Phrases(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrases: list[str] = []
    patterns: list[str] = []

    @field_validator("phrases")
    @classmethod
    def _clean(cls, v: list[str]) -> list[str]:
        out = [compact(p) for p in v]
        if any(not p for p in out):
            raise ValueError("empty phrase")
        return out

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, v: list[str]) -> list[str]:
        for p in v:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"bad regular expression {p!r}: {exc}") from None
        return v


class _RuleIn(_Phrases):
    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    category: str | None = None
    department: str | None = None
    agency: str | None = None
    weight: float = Field(default=1.0, gt=0, le=10)
    exclude: list[str] = []


class _Masks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrases: list[str] = []


class _Negation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cues: list[str] = []


class _Spelling(BaseModel):
    model_config = ConfigDict(extra="forbid")
    replace: dict[str, str] = {}

    @field_validator("replace")
    @classmethod
    def _clean(cls, v: dict[str, str]) -> dict[str, str]:
        out = {compact(k): compact(w) for k, w in v.items()}
        if any(not k for k in out):
            raise ValueError("empty spelling")
        return out


class _RoutingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spelling: _Spelling = _Spelling()
    masks: _Masks = _Masks()
    negation: _Negation = _Negation()
    rules: list[_RuleIn] = []
    corruption: list[_RuleIn] = []
    agencies: list[_RuleIn] = []
    urgent: _Phrases = _Phrases()
    procurement: _Phrases = _Phrases()
    corruption_threshold: float = Field(default=3.0, gt=0)


def _problem(name: str, text: str, loc: tuple[Any, ...], msg: str) -> Problem:
    return Problem(name, locate(text, loc), _key_path(loc), msg)


def _check_refs(parsed: _RoutingFile, cfg: Config, name: str, text: str) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for table in ("rules", "corruption", "agencies"):
        for i, r in enumerate(getattr(parsed, table)):
            if r.id in seen:
                problems.append(_problem(name, text, (table, i, "id"), f"duplicate id {r.id!r}"))
            seen.add(r.id)
            if table != "corruption" and (r.category is None or r.category not in cfg.categories):
                problems.append(_problem(name, text, (table, i, "category"),
                                         f"unknown category {r.category!r}"))
            dept = cfg.departments.get(r.department or "")
            if r.department is not None and (dept is None or dept.kind != "department"):
                problems.append(_problem(name, text, (table, i, "department"),
                                         f"unknown department {r.department!r}"))
            if table == "agencies" and not r.agency:
                problems.append(_problem(name, text, (table, i, "agency"), "agency name missing"))
            if not r.phrases and not r.patterns:
                problems.append(_problem(name, text, (table, i), "no phrases or patterns"))
    return problems


def load_rules(path: str | Path, cfg: Config) -> Rules:
    """Read and validate config/routing.toml; ConfigError names file, line and key."""
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError([Problem(name, None, "", "file is missing")]) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError([Problem(name, int(m.group(1)) if m else None, "",
                                   f"TOML syntax: {exc}")]) from None
    try:
        parsed = _RoutingFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError([_problem(name, text, tuple(e["loc"]), e["msg"])
                           for e in exc.errors()]) from None
    problems = _check_refs(parsed, cfg, name, text)
    if problems:
        raise ConfigError(problems)
    corruption = next((c.code for c in cfg.categories.values() if c.track == "corruption"),
                      "corruption")

    spelling = tuple(sorted(parsed.spelling.replace.items(), key=lambda kv: -len(kv[0])))

    def fix(phrases: Sequence[str]) -> tuple[str, ...]:
        return tuple(respell(compact(p), spelling) for p in phrases)

    def build(r: _RuleIn, kind: str) -> Rule:
        return Rule(id=r.id, kind=kind, category=r.category or corruption, weight=r.weight,
                    phrases=fix(r.phrases), patterns=tuple(re.compile(p) for p in r.patterns),
                    exclude=fix(r.exclude), agency=r.agency, department=r.department)

    rules = ([build(r, "category") for r in parsed.rules]
             + [build(r, "corruption") for r in parsed.corruption]
             + [build(r, "agency") for r in parsed.agencies])
    return Rules(
        rules=tuple(rules),
        trie=_trie(rules),
        with_patterns=tuple(i for i, r in enumerate(rules) if r.patterns),
        masks=tuple(sorted(fix(parsed.masks.phrases), key=len, reverse=True)),
        negations=fix(parsed.negation.cues),
        urgent=Flag.of(parsed.urgent, spelling),
        procurement=Flag.of(parsed.procurement, spelling),
        spelling=spelling,
        departments={c.code: c.department for c in cfg.categories.values()},
        categories=tuple(cfg.categories),
        corruption_category=corruption,
        corruption_threshold=parsed.corruption_threshold,
    )


# ---------------------------------------------------------------- deciding


class Model(Protocol):
    """A learned suggester: label probabilities for a normalised text. A label is a
    category code, or `category@department` when the model also suggests a department."""

    def probabilities(self, text: str) -> dict[str, float]: ...


def _model_view(labels: Mapping[str, float]) -> tuple[dict[str, float], dict[str, str]]:
    """Category probabilities (summed over departments), and for each category the
    department of its most likely label, where that label names one."""
    cats: dict[str, float] = {}
    best: dict[str, tuple[float, str]] = {}
    for lab, p in labels.items():
        cat, _, dept = lab.partition("@")
        cats[cat] = cats.get(cat, 0.0) + p
        if p > best.get(cat, (-1.0, ""))[0]:
            best[cat] = (p, dept)
    return cats, {c: d for c, (_, d) in best.items() if d}


@dataclass(frozen=True)
class Decision:
    category: str
    department: str | None
    track: str = "general"
    urgent: bool = False
    procurement: bool = False
    agency: str | None = None
    confidence: float = 0.0
    reasons: list[str] = field(default_factory=list)
    decided_by: str = "default"  # rules | model | hint | default

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "department": self.department, "track": self.track,
                "urgent": self.urgent, "procurement": self.procurement, "agency": self.agency,
                "confidence": round(self.confidence, 3), "reasons": list(self.reasons),
                "decided_by": self.decided_by}


def _mask(text: str, phrases: tuple[str, ...]) -> str:
    for p in phrases:
        if p in text:
            text = text.replace(p, GAP)
    return text


def _negated(text: str, start: int, cues: tuple[str, ...]) -> bool:
    """A negation cue ends at most 4 characters before the match."""
    return any(cue in text[max(0, start - len(cue) - 4):start] for cue in cues)


def _first_hit(text: str, rule_phrases: tuple[str, ...], patterns: tuple[re.Pattern[str], ...],
               cues: tuple[str, ...]) -> str | None:
    for p in rule_phrases:
        start = text.find(p)
        while start != -1:
            if not _negated(text, start, cues):
                return p
            start = text.find(p, start + 1)
    for pat in patterns:
        for m in pat.finditer(text):
            if not _negated(text, m.start(), cues):
                return m.group(0)
    return None


@dataclass
class _Scores:
    category: dict[str, float] = field(default_factory=dict)
    corruption: float = 0.0
    agency: dict[str, tuple[float, str]] = field(default_factory=dict)  # name → (score, cat)
    department: dict[str, tuple[float, str]] = field(default_factory=dict)  # cat → (w, dept)
    reasons: list[str] = field(default_factory=list)


def _rule_hits(text: str, rules: Rules) -> list[tuple[Rule, str]]:
    """Each rule that matches, with the phrase (earliest in the file) or pattern match.
    A phrase found inside one of its rule's exclusions, or negated, does not count."""
    phrases: dict[int, list[tuple[int, int, int]]] = {}
    excluded: dict[int, list[tuple[int, int]]] = {}
    for start, end, ri, pi in _scan(rules.trie, text):
        if pi < 0:
            excluded.setdefault(ri, []).append((start, end))
        else:
            phrases.setdefault(ri, []).append((pi, start, end))
    out = []
    for ri in sorted(set(phrases) | set(rules.with_patterns)):
        rule, spans = rules.rules[ri], excluded.get(ri, [])
        valid = [pi for pi, s, e in phrases.get(ri, ())
                 if not any(s < xe and xs < e for xs, xe in spans)
                 and not _negated(text, s, rules.negations)]
        hit = (rule.phrases[min(valid)] if valid else
               _first_hit(_mask(text, rule.exclude), (), rule.patterns, rules.negations))
        if hit is not None:
            out.append((rule, hit))
    return out


def _score(text: str, rules: Rules) -> _Scores:
    out = _Scores()
    for rule, hit in _rule_hits(text, rules):
        out.reasons.append(f"{rule.id}: “{hit}” (+{rule.weight:g})")
        if rule.kind == "corruption":
            out.corruption += rule.weight
        elif rule.kind == "agency" and rule.agency:
            score, _ = out.agency.get(rule.agency, (0.0, rule.category))
            out.agency[rule.agency] = (score + rule.weight, rule.category)
        else:
            out.category[rule.category] = out.category.get(rule.category, 0.0) + rule.weight
            if rule.department and rule.weight > out.department.get(rule.category, (0.0, ""))[0]:
                out.department[rule.category] = (rule.weight, rule.department)
    return out


# Share of the rules in a combined rules+model decision. Chosen on Traffy dev data
# (bench/routing_traffy.py): 0.3 gave 0.79 test accuracy where 0.6 gave 0.75.
RULE_WEIGHT = 0.3
# A referral keeps the category of its topic (SPEC §3) when a specific category rule
# found one (score at least this); else the agency rule's own category.
TOPIC_MIN = 4.5
# The model's probability of corruption that opens the corruption track: with corruption
# rules scoring at least half the threshold, or on its own. Chosen on complaints written
# blind (44 of 57 allegations on the track, 3 of 398 ordinary ones) and checked on 5,000
# Traffy complaints (28 on the track, most of them real allegations).
MODEL_CORRUPTION_WITH_RULES = 0.25
MODEL_CORRUPTION_ALONE = 0.6


def route(text: str, hints: Mapping[str, Any] | None = None, *, rules: Rules,
          model: Model | None = None) -> Decision:
    """Decide where a complaint goes. `hints` may carry the citizen's own `category`."""
    norm = respell(compact(text), rules.spelling)
    if not norm.strip(GAP):
        return Decision("other", rules.departments.get("other"), reasons=["empty text"])
    masked = _mask(norm, rules.masks)
    s = _score(masked, rules)
    urgent_hit = rules.urgent.hit(masked, rules.negations)
    proc_hit = rules.procurement.hit(masked, rules.negations)
    urgent, procurement = urgent_hit is not None, proc_hit is not None
    reasons = list(s.reasons)
    reasons += [f"urgent: “{urgent_hit}”"] if urgent_hit else []
    reasons += [f"procurement: “{proc_hit}”"] if proc_hit else []
    model_p, model_dept = _model_view(model.probabilities(norm)) if model else ({}, {})
    cat = rules.corruption_category
    if s.corruption >= rules.corruption_threshold:
        return Decision(cat, rules.departments.get(cat), "corruption", urgent, procurement,
                        confidence=min(1.0, s.corruption / (2 * rules.corruption_threshold) + 0.5),
                        reasons=reasons, decided_by="rules")
    # The model may open the track with half the rules' evidence behind it, or alone when
    # it is sure (measured on complaints written blind: bench/routing_blind.py).
    p_corrupt = model_p.get(cat, 0.0)
    with_rules = s.corruption >= rules.corruption_threshold / 2
    if (with_rules and p_corrupt >= MODEL_CORRUPTION_WITH_RULES) \
            or p_corrupt >= MODEL_CORRUPTION_ALONE:
        reasons.append(f"model: {cat} ({p_corrupt:.2f})")
        return Decision(cat, rules.departments.get(cat), "corruption", urgent, procurement,
                        confidence=p_corrupt, reasons=reasons, decided_by="model")
    scores = dict(s.category)
    hint = (hints or {}).get("category")
    if hint in rules.categories and hint != rules.corruption_category:
        scores[hint] = scores.get(hint, 0.0) + 1.0
        reasons.append(f"citizen chose “{hint}” (+1)")
    best_agency = max(s.agency.items(), key=lambda kv: kv[1][0], default=None)
    top_rule = max(scores.values(), default=0.0)
    if best_agency and best_agency[1][0] >= top_rule:
        name, (score, cat) = best_agency
        if scores and max(scores.values()) >= TOPIC_MIN:  # a referred case keeps its topic
            cat = max(scores, key=scores.__getitem__)
        return Decision(cat, "external", "general", urgent, procurement, agency=name,
                        confidence=min(1.0, score / (score + top_rule + 1.0)),
                        reasons=reasons, decided_by="rules")
    category, confidence, by = _combine(scores, model_p, reasons)
    if category == rules.corruption_category:  # below the bars above: not a general case
        category, confidence, by = "other", 0.0, "default"
    rule_dept = s.department.get(category, (0.0, None))[1]
    department = rule_dept or model_dept.get(category) or rules.departments.get(category)
    if department != rules.departments.get(category) and not rule_dept:
        reasons.append(f"model: department {department}")
    return Decision(category, department, "general", urgent, procurement,
                    confidence=confidence, reasons=reasons, decided_by=by)


def _combine(scores: dict[str, float], model_p: dict[str, float],
             reasons: list[str]) -> tuple[str, float, str]:
    total = sum(scores.values())
    rule_p = {c: v / (total + 1.0) for c, v in scores.items()}  # +1: some doubt always
    if model_p:
        best_m = max(model_p, key=model_p.__getitem__)
        reasons.append(f"model: {best_m} ({model_p[best_m]:.2f})")
    if not rule_p and not model_p:
        return "other", 0.0, "default"
    if not model_p:
        best = max(rule_p, key=rule_p.__getitem__)
        return best, rule_p[best], "rules"
    if not rule_p:
        best = max(model_p, key=model_p.__getitem__)
        return best, model_p[best], "model"
    # The model abstains on categories it was never trained on: there the rules alone count.
    combined = {c: RULE_WEIGHT * rule_p.get(c, 0.0) + (1 - RULE_WEIGHT) * model_p.get(c, 0.0)
                if c in model_p else rule_p[c] for c in set(rule_p) | set(model_p)}
    best = max(combined, key=combined.__getitem__)
    by = ("rules" if best not in model_p
          or RULE_WEIGHT * rule_p.get(best, 0.0) >= (1 - RULE_WEIGHT) * model_p[best]
          else "model")
    return best, combined[best], by
