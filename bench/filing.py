"""B1: filing a case through the service layer on SQLite, against raw sqlite3 inserts
with a durable commit per row (SPEC §9: ratio ≥ 0.35). Optionally B8: filings/s on
PostgreSQL, one process and K concurrent worker processes (≥ 500/s per worker at K=4).

    python -m bench.filing [--n 2000] [--pg URL] [--workers 4] [--profile]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import common
from casework import db, numbering, service
from casework.config import Config

TARGET_RATIO = 0.35
TARGET_PG_PER_WORKER = 500.0

RAW_TABLE = """CREATE TABLE complaints (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL, tracking_code TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL, category TEXT NOT NULL, channel TEXT NOT NULL,
    subject TEXT NOT NULL, details TEXT NOT NULL, location_text TEXT,
    first_name TEXT NOT NULL, surname TEXT NOT NULL, address TEXT NOT NULL,
    phone TEXT NOT NULL, email TEXT, filed_at TEXT NOT NULL)"""
RAW_INSERT = ("INSERT INTO complaints (number, tracking_code, state, category, channel, subject,"
              " details, location_text, first_name, surname, address, phone, email, filed_at)"
              " VALUES (?, ?, 'not_received', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def when(i: int) -> dt.datetime:
    return common.NOW + dt.timedelta(seconds=i)


def raw_sqlite(path: Path, rows: list[dict[str, Any]]) -> float:
    """Plain sqlite3, WAL + synchronous=FULL, one INSERT + COMMIT per row. Returns the
    seconds taken by rows[1:] (the first row is a warm-up)."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute(RAW_TABLE)
    params = [(f"ท./{i + 1:03d}", numbering.new_tracking_code(), r["category"], r["channel"],
               r["subject"], r["details"], r["location_text"], r["first_name"], r["surname"],
               r["address"], r["phone"], r["email"], when(i).isoformat())
              for i, r in enumerate(rows)]
    start = 0.0
    for i, p in enumerate(params):
        if i == 1:
            start = time.perf_counter()
        con.execute("BEGIN")
        con.execute(RAW_INSERT, p)
        con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    (count,) = con.execute("SELECT count(*) FROM complaints").fetchone()
    con.close()
    assert count == len(rows), f"raw baseline stored {count} of {len(rows)} rows"
    return elapsed


def file_all(url: str, cfg: Config, rows: list[dict[str, Any]], offset: int = 0) -> float:
    """File each row in its own transaction (one durable commit each). Returns the
    seconds taken by rows[1:] (the first filing is a warm-up)."""
    engine = db.make_engine(url)
    try:
        start = 0.0
        for i, data in enumerate(rows):
            if i == 1:
                start = time.perf_counter()
            with db.transaction(engine) as s:
                service.file_case(s, cfg, data, now=when(offset + i))
        return time.perf_counter() - start
    finally:
        engine.dispose()


def verify(url: str, expected: int) -> list[str]:
    """Problems with the filed cases: count, unique numbers, gap-free sequences."""
    problems: list[str] = []
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            q = conn.exec_driver_sql
            cases = q("SELECT count(*) FROM cases").scalar_one()
            distinct = q("SELECT count(*) FROM (SELECT DISTINCT fiscal_year, number FROM cases) t"
                         ).scalar_one()
            events = q("SELECT count(*) FROM case_events WHERE trigger = 'file'").scalar_one()
            seqs = q("SELECT prefix, count(*), min(seq), max(seq) FROM cases GROUP BY prefix").all()
            counters = dict(q("SELECT prefix, last FROM number_counters").all())
    finally:
        engine.dispose()
    if cases != expected:
        problems.append(f"{cases} cases stored, expected {expected}")
    if distinct != cases:
        problems.append(f"only {distinct} distinct numbers for {cases} cases")
    if events != cases:
        problems.append(f"{events} filing events for {cases} cases")
    for prefix, count, lo, hi in seqs:
        if lo != 1 or hi != count or counters.get(prefix) != count:
            problems.append(f"prefix {prefix}: {count} cases, seq {lo}..{hi}, "
                            f"counter {counters.get(prefix)}")
    return problems


def _worker(url: str, cfg: Config, rows: list[dict[str, Any]], offset: int,
            barrier: Any, out: Any) -> None:
    engine = db.make_engine(url, pool_size=1)
    with db.transaction(engine) as s:  # warm-up, untimed
        service.file_case(s, cfg, rows[0], now=when(offset))
    barrier.wait()
    start = time.perf_counter()
    for i, data in enumerate(rows[1:], start=1):
        with db.transaction(engine) as s:
            service.file_case(s, cfg, data, now=when(offset + i))
    end = time.perf_counter()
    engine.dispose()
    out.put((len(rows) - 1, start, end))


def pg_workers(url: str, cfg: Config, rows: list[dict[str, Any]], k: int) -> list[tuple]:
    """K processes file len(rows)/K cases each, concurrently. Returns (count, t0, t1)s."""
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(k), ctx.Queue()
    share = len(rows) // k
    procs = [ctx.Process(target=_worker, args=(url, cfg, rows[w * share:(w + 1) * share],
                                               w * share, barrier, out)) for w in range(k)]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise RuntimeError(f"worker exited with {p.exitcode}")
    return results


def run_pg(args: argparse.Namespace, cfg: Config, rows: list[dict[str, Any]]) -> list[str]:
    print(f"\nPostgreSQL ({sa.engine.make_url(args.pg).render_as_string()})")
    problem = common.pg_problem(args.pg)
    if problem:
        print(f"  skipped: server not reachable ({problem})")
        return []
    problems: list[str] = []
    n1 = min(len(rows), args.pg_n)
    with common.pg_db(args.pg, cfg) as url:
        secs = file_all(url, cfg, rows[:n1])
        print(f"  1 process   : {n1 - 1:>6} filings in {secs:6.2f} s = "
              f"{common.rate(n1 - 1, secs):8.1f} filings/s")
        problems += verify(url, n1)
    if args.workers > 0:
        k, per = args.workers, args.pg_n
        more = common.complaints(cfg, k * per, seed=7) if k * per > len(rows) else rows
        with common.pg_db(args.pg, cfg) as url:
            results = pg_workers(url, cfg, more[:k * per], k)
            problems += verify(url, k * per)
        per_worker = [common.rate(c, t1 - t0) for c, t0, t1 in results]
        wall = max(r[2] for r in results) - min(r[1] for r in results)
        total = sum(r[0] for r in results)
        low = min(per_worker)
        print(f"  {k} processes : {total:>6} filings in {wall:6.2f} s = "
              f"{common.rate(total, wall):8.1f} filings/s in all")
        print("  per worker  : " + ", ".join(f"{r:.0f}" for r in per_worker)
              + f" filings/s  (slowest {low:.0f}; target ≥ {TARGET_PG_PER_WORKER:.0f}"
              f" → {common.verdict(low, TARGET_PG_PER_WORKER)})")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.filing", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="cases filed per run (default 2000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default=None, help="folder for the SQLite files (default: temp)")
    ap.add_argument("--profile", action="store_true", help="cProfile the casework run")
    ap.add_argument("--pg", metavar="URL", help="also measure on this PostgreSQL server "
                    f"(a fresh database is created and dropped), e.g. {common.LOCAL_PG}")
    ap.add_argument("--pg-n", type=int, default=500,
                    help="cases per PostgreSQL process (default 500)")
    ap.add_argument("--workers", type=int, default=4,
                    help="concurrent PostgreSQL filing processes, 0 to skip (default 4)")
    args = ap.parse_args(argv)
    if args.n < 2:
        ap.error("--n must be at least 2")

    cfg = common.load_config()
    rows = common.complaints(cfg, args.n, seed=args.seed)
    n = args.n - 1  # timed rows: the first of each run is a warm-up
    print(f"B1 filing, SQLite (WAL, synchronous=FULL, one durable commit per case), "
          f"{args.n} cases ({n} timed)")
    with common.temp_dir(args.dir) as folder:
        raw_s = raw_sqlite(folder / "raw.db", rows)
        with common.sqlite_db(cfg, folder) as url:
            with common.profiled(args.profile):
                cw_s = file_all(url, cfg, rows)
            problems = verify(url, args.n)
    raw_r, cw_r = common.rate(n, raw_s), common.rate(n, cw_s)
    ratio = cw_r / raw_r
    print(f"  raw sqlite3 INSERT+COMMIT : {raw_r:8.1f} rows/s   ({raw_s:6.2f} s, "
          f"{1000 * raw_s / n:.2f} ms/row)")
    print(f"  casework file_case        : {cw_r:8.1f} cases/s  ({cw_s:6.2f} s, "
          f"{1000 * cw_s / n:.2f} ms/case)")
    print(f"  ratio casework/raw        : {ratio:8.2f}   (target ≥ {TARGET_RATIO} → "
          f"{common.verdict(ratio, TARGET_RATIO)})")
    print(f"  check: {args.n} cases, unique numbers, gap-free sequences: "
          + ("ok" if not problems else "FAILED"))
    if args.pg:
        problems += run_pg(args, cfg, rows)
    for p in problems:
        print(f"  ERROR: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
