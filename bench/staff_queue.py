"""B6: the staff's department queue with keyset paging at 1,000,000 cases
(SPEC §9: ≥ 900 pages/s).

The database is filled by bench.sla_scan's filler (raw sqlite3, realistic lives: about
one case in a hundred is open and dispatched at "now"). Then, for the department with
the longest queue:

  casework  queues.department_queue(session, actor, department, now, cursor=…, limit=50)
            in its own db.reading session per page, as a request runs it: page after page
            through the whole queue by its keyset cursor, round and round, for --seconds
  filtered  the same with badge_filter="on_time" (the commonest filter)
  raw       the very SQL casework sends (compiled from casework.queues.QUEUE_PAGE), with
            plain sqlite3 and a read transaction per page, cursors from the last row

Both walks must return the same case ids in the same order. EXPLAIN QUERY PLAN of the
statement casework sends is printed: it must use ix_cases_dept_due (no sort, no scan).

    python -m bench.staff_queue [--cases 1000000] [--db PATH [--reuse]] [--seconds 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import sqlite

from bench import common, sla_scan
from casework import db, queues
from casework.actors import Actor
from casework.config import Config

TARGET = 900.0  # pages per second
LIMIT = 50
NOW = sla_scan.NOW


def raw_statements() -> dict[bool, tuple[str, dict[str, Any]]]:
    """The very SQL casework sends for a first and a following page (named parameters,
    which sqlite3 takes as they are) and its constant parameters."""
    out = {}
    for after, query in queues.QUEUE_PAGE.items():
        compiled = query.compile(dialect=sqlite.dialect(paramstyle="named"))
        constants = {k: v for k, v in compiled.params.items()
                     if k not in ("department", "track", "now", "n", "after_due", "after_id")}
        out[after] = (str(compiled), constants)
    return out


def casework_walk(engine: sa.Engine, actor: Actor, department: str,
                  badge: str | None = None) -> Callable[[str | None], tuple[list[int], Any]]:
    def page(cursor: str | None) -> tuple[list[int], Any]:
        with db.reading(engine) as s:
            got = queues.department_queue(s, actor, department, NOW, badge_filter=badge,
                                          cursor=cursor, limit=LIMIT)
        return [int(r.case.id or 0) for r in got.rows], got.next_cursor
    return page


def raw_walk(con: sqlite3.Connection, department: str) -> Callable[[Any], tuple[list[int], Any]]:
    statements = raw_statements()
    base = {"department": department, "track": "general", "now": sla_scan.ts(NOW),
            "n": LIMIT + 1}
    due = 13  # resolution_due_at: the column after the Listed fields up to it

    def page(cursor: Any) -> tuple[list[int], Any]:
        sql, constants = statements[cursor is not None]
        params = {**constants, **base}
        if cursor is not None:
            params["after_due"], params["after_id"] = cursor
        con.execute("BEGIN")
        rows = con.execute(sql, params).fetchall()
        con.execute("COMMIT")
        more = len(rows) > LIMIT
        rows = rows[:LIMIT]
        return [r[0] for r in rows], ((rows[-1][due], rows[-1][0]) if more else None)
    return page


def walk(page: Callable[[Any], tuple[list[int], Any]], seconds: float
         ) -> tuple[int, float, list[float], list[int]]:
    """Page through the queue again and again for `seconds`: (pages, elapsed, per-page
    seconds, ids of the first full walk)."""
    pages, each, first, cursor, complete = 0, [], [], None, False
    start = time.perf_counter()
    while True:
        t = time.perf_counter()
        ids, cursor = page(cursor)
        each.append(time.perf_counter() - t)
        pages += 1
        if not complete:
            first += ids
            complete = cursor is None
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and complete:
            return pages, elapsed, each, first


def plan(engine: sa.Engine, raw: sqlite3.Connection, actor: Actor, department: str) -> list[str]:
    """EXPLAIN QUERY PLAN of the statement casework sends for a second page."""
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if "FROM cases" in statement:
            seen.append((statement, params))

    first = casework_walk(engine, actor, department)(None)[1]
    event.listen(engine, "before_cursor_execute", record)
    try:
        casework_walk(engine, actor, department)(first)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    problems = []
    for statement, params in seen:
        details = [r[3] for r in raw.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
        print("  plan: " + " | ".join(details))
        if not any("ix_cases_dept_due" in d for d in details) or any(
                "TEMP B-TREE" in d for d in details):
            problems.append(f"the queue query does not walk ix_cases_dept_due: {details}")
    return problems


def report(label: str, pages: int, secs: float, each: list[float]) -> float:
    rate = pages / secs
    ordered = sorted(each)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"  {label:<44}: {rate:8,.0f} pages/s   median {1000 * statistics.median(each):6.3f} ms"
          f"   p99 {1000 * p99:6.3f} ms   ({pages:,} pages)")
    return rate


def run(path: Path, cfg: Config, args: argparse.Namespace) -> list[str]:
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"  new database {path}, {args.cases:,} cases (bench.sla_scan's filler)")
        common.prepare(url, cfg)
        secs, _notices = sla_scan.fill(path, cfg, args.cases, args.seed)
        print(f"  filled in {secs:.1f} s")
    else:
        print(f"  reusing {path}")
    raw = sqlite3.connect(path, isolation_level=None)
    total = raw.execute("SELECT count(*) FROM cases").fetchone()[0]
    queues_by_dept = raw.execute(
        "SELECT department_code, count(*) FROM cases WHERE state = 'dispatched' AND "
        "track = 'general' GROUP BY department_code ORDER BY 2 DESC").fetchall()
    department, size = queues_by_dept[0]
    print(f"  {total:,} cases; open dispatched queues: "
          + ", ".join(f"{d} {n:,}" for d, n in queues_by_dept[:4]) + " …")
    print(f"  walking {department}'s queue: {size:,} cases, {-(-size // LIMIT):,} pages of "
          f"{LIMIT}, for {args.seconds:.0f} s each\n")
    engine = db.make_engine(url)
    actor = Actor("bench", "staff", department)
    problems = plan(engine, raw, actor, department)
    try:
        walk(casework_walk(engine, actor, department), 0.5)  # warm the caches
        cw_pages, cw_secs, cw_each, cw_ids = walk(casework_walk(engine, actor, department),
                                                  args.seconds)
        f_pages, f_secs, f_each, f_ids = walk(
            casework_walk(engine, actor, department, "on_time"), args.seconds)
        raw_pages, raw_secs, raw_each, raw_ids = walk(raw_walk(raw, department), args.seconds)
    finally:
        engine.dispose()
        raw.close()
    if cw_ids != raw_ids or len(cw_ids) != size:
        problems.append(f"casework walked {len(cw_ids)} ids, raw {len(raw_ids)}, queue {size}")
    print()
    cw = report("casework queues.department_queue", cw_pages, cw_secs, cw_each)
    report("casework, badge filter on_time", f_pages, f_secs, f_each)
    rw = report("raw sqlite3, same query", raw_pages, raw_secs, raw_each)
    print(f"  ratio casework/raw: {cw / rw:.2f}   (filtered walk: {len(f_ids):,} cases)")
    print(f"  B6 target ≥ {TARGET:.0f} pages/s: {cw:,.0f} pages/s → "
          + common.verdict(cw, TARGET))
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.staff_queue", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--db", metavar="PATH", help="SQLite file to create and keep")
    ap.add_argument("--reuse", action="store_true", help="with --db: use the file if it exists")
    ap.add_argument("--seconds", type=float, default=5.0, help="each walk's duration")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default=None, help="parent of the temporary folder")
    args = ap.parse_args(argv)
    if args.cases < 1000 or args.seconds <= 0:
        ap.error("--cases must be at least 1000 and --seconds positive")
    path = Path(args.db) if args.db else None
    if path is not None and path.exists() and not args.reuse:
        ap.error(f"{path} exists: remove it, or pass --reuse")
    cfg = common.load_config()
    print(f"B6 staff queue, keyset paging, SQLite (WAL), target ≥ {TARGET:.0f} pages/s "
          f"of {LIMIT} cases")
    if path is not None:
        problems = run(path, cfg, args)
    else:
        with common.temp_dir(args.dir) as folder:
            problems = run(folder / "queue.db", cfg, args)
    for p in problems:
        print(f"  ERROR: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
