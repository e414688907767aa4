"""The router on complaints written blind: rules only, and rules with a model that never
saw them.

config/routing_examples.csv keeps, per row, the `set` it was written in:
* `blind-<x>-dev` / `blind-<x>-hold`: five batches (a colloquial, b formal letters,
  c Isan, d corruption and look-alikes, e the smaller departments and traps) written by
  writers who were never shown the rules. Each batch except b was split in half at
  random; the rules were widened on the `dev` halves only, never on `hold` or on b.
* `table`: the sentences of tests/test_routing_rules.py; `written-*`: training examples.

This trains the starter model on everything except the `hold` rows and scores the
`hold` rows, which is the honest estimate for unseen Khon Kaen-style complaints (the
shipped starter model itself is trained on all rows).

    python -m bench.routing_blind [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any

from casework import config as config_mod
from casework.evaluation import evaluate
from casework.routing import load_rules, route
from casework.suggester import EXAMPLES_FILE, Suggester, label

ROOT = Path(__file__).resolve().parent.parent


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    track = report["track"]
    return {"n": report["category"]["n"],
            "category_accuracy": report["category"]["accuracy"],
            "category_macro_f1": report["category"]["macro_f1"],
            "department_accuracy": report["department"]["accuracy"],
            "corruption_on_track": f"{track['corruption_on_track']}/{track['corruption_cases']}",
            "ordinary_on_corruption_track":
                f"{track['ordinary_on_corruption_track']}/{track['ordinary_cases']}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cfg = config_mod.load(ROOT / "config")
    rules = load_rules(ROOT / "config" / "routing.toml", cfg)
    with (ROOT / "config" / EXAMPLES_FILE).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    hold = [r for r in rows if r["set"].endswith("-hold")]
    train = [r for r in rows if not r["set"].endswith("-hold")]
    defaults = {c.code: c.department for c in cfg.categories.values()}
    started = time.perf_counter()
    model = Suggester.train([r["text"] for r in train],
                            [label(r["category"], r["department"], defaults) for r in train])
    trained_in = time.perf_counter() - started
    out = {"held_out_rows": len(hold), "training_rows": len(train),
           "training_seconds": round(trained_in, 1)}
    for name, m in (("rules only", None), ("rules + model", model)):
        out[name] = _summary(evaluate(hold, lambda t, m=m: route(t, rules=rules, model=m)))
        out[name]["per_batch"] = {
            s: _summary(evaluate([r for r in hold if r["set"] == s],
                                 lambda t, m=m: route(t, rules=rules, model=m)))
            for s in sorted({r["set"] for r in hold})}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    print(f"held-out rows {len(hold)} (written blind, never used to tune the rules); "
          f"model trained on the other {len(train)} in {trained_in:.1f} s")
    for name in ("rules only", "rules + model"):
        s = out[name]
        print(f"{name:<14} category {s['category_accuracy']:.3f} (macro-F1 "
              f"{s['category_macro_f1']:.3f})  department {s['department_accuracy']:.3f}  "
              f"corruption on track {s['corruption_on_track']}  ordinary on it "
              f"{s['ordinary_on_corruption_track']}")
        for batch, b in s["per_batch"].items():
            print(f"    {batch:<14} n={b['n']:<4} category {b['category_accuracy']:.3f}  "
                  f"department {b['department_accuracy']:.3f}  corruption "
                  f"{b['corruption_on_track']}  ordinary {b['ordinary_on_corruption_track']}")


if __name__ == "__main__":
    main()
