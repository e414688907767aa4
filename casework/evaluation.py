"""Measuring the router against labelled complaints (`casework route eval`)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from casework.errors import Invalid
from casework.routing import Decision

COLUMNS = ("category", "department", "urgent", "procurement")
_TRUE = {"1", "true", "yes", "y", "t", "ใช่", "จริง"}
_FALSE = {"0", "false", "no", "n", "f", "ไม่ใช่", "ไม่", ""}


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV that has a `text` column."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "text" not in reader.fieldnames:
                raise Invalid(f"{path}: the CSV needs a 'text' column",
                              fields={"text": "missing column"})
            return [dict(r) for r in reader]
    except FileNotFoundError:
        raise Invalid(f"{path}: no such file", fields={"file": "missing"}) from None
    except UnicodeDecodeError:
        raise Invalid(f"{path}: not UTF-8 text", fields={"file": "encoding"}) from None


def _flag(value: str) -> str | None:
    v = value.strip().lower()
    return "yes" if v in _TRUE else "no" if v in _FALSE else None


def _predicted(d: Decision, column: str) -> str:
    if column in ("urgent", "procurement"):
        return "yes" if getattr(d, column) else "no"
    return str(getattr(d, column) or "")


def column_report(truth: Sequence[str], pred: Sequence[str], top: int = 10) -> dict[str, Any]:
    labels = sorted(set(truth) | set(pred))
    p, r, f, support = precision_recall_fscore_support(
        truth, pred, labels=labels, zero_division=0)
    present = [i for i, lab in enumerate(labels) if lab in set(truth)]
    confusions = Counter((t, q) for t, q in zip(truth, pred, strict=True) if t != q)
    return {
        "n": len(truth),
        "accuracy": round(float(accuracy_score(truth, pred)), 4),
        "macro_f1": round(float(sum(f[i] for i in present) / max(len(present), 1)), 4),
        "per_class": {labels[i]: {"precision": round(float(p[i]), 4),
                                  "recall": round(float(r[i]), 4),
                                  "f1": round(float(f[i]), 4), "support": int(support[i])}
                      for i in range(len(labels))},
        "confusions": [{"true": t, "predicted": q, "count": n}
                       for (t, q), n in confusions.most_common(top)],
    }


def _track_report(rows: Sequence[dict[str, str]], decisions: Sequence[Decision]
                  ) -> dict[str, Any] | None:
    truths: list[bool | None] = []
    for row in rows:
        dept, cat = row.get("department", "").strip(), row.get("category", "").strip()
        if not dept and not cat:
            truths.append(None)
        else:
            truths.append(dept == "integrity" or cat == "corruption")
    pairs = [(t, d.track == "corruption") for t, d in zip(truths, decisions, strict=True)
             if t is not None]
    if not pairs:
        return None
    corrupt = [p for t, p in pairs if t]
    ordinary = [p for t, p in pairs if not t]
    return {
        "corruption_cases": len(corrupt),
        "corruption_on_track": sum(corrupt),
        "ordinary_cases": len(ordinary),
        "ordinary_on_corruption_track": sum(ordinary),
        "ordinary_false_rate": round(sum(ordinary) / len(ordinary), 4) if ordinary else 0.0,
    }


def evaluate(rows: Sequence[dict[str, str]], decide: Callable[[str], Decision],
             progress: Callable[[int], None] = lambda _n: None) -> dict[str, Any]:
    """Route every row's text and report each label column present in the rows."""
    decisions = []
    for row in rows:
        decisions.append(decide(row.get("text") or ""))
        progress(1)
    report: dict[str, Any] = {}
    for column in COLUMNS:
        pairs = []
        for row, d in zip(rows, decisions, strict=True):
            raw = (row.get(column) or "").strip()
            truth = _flag(raw) if column in ("urgent", "procurement") else raw or None
            if column in ("urgent", "procurement") and column not in row:
                truth = None
            if truth:
                pairs.append((truth, _predicted(d, column)))
        if pairs:
            report[column] = column_report([t for t, _ in pairs], [p for _, p in pairs])
    track = _track_report(rows, decisions)
    if track:
        report["track"] = track
    return report


def format_report(report: dict[str, Any]) -> Iterable[str]:
    for column, rep in report.items():
        if column == "track":
            yield (f"track: corruption on track {rep['corruption_on_track']}/"
                   f"{rep['corruption_cases']}, ordinary sent there "
                   f"{rep['ordinary_on_corruption_track']}/{rep['ordinary_cases']} "
                   f"({rep['ordinary_false_rate']:.1%})")
            continue
        yield (f"{column}: accuracy {rep['accuracy']:.3f}  macro-F1 {rep['macro_f1']:.3f}  "
               f"(n={rep['n']})")
        for label, m in sorted(rep["per_class"].items(), key=lambda kv: -kv[1]["support"]):
            yield (f"    {label:<22} precision {m['precision']:.2f}  recall {m['recall']:.2f}"
                   f"  f1 {m['f1']:.2f}  n={m['support']}")
        for c in rep["confusions"][:5]:
            yield f"    confused: {c['true']} → {c['predicted']} ×{c['count']}"
