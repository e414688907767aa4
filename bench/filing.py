"""B1: filing a case through the service layer on SQLite, against raw sqlite3 inserts
with a durable commit per row (SPEC §9: ratio ≥ 0.35). Optionally B8: filings/s on
PostgreSQL, one process and K concurrent worker processes (≥ 500/s per worker at K=4).

    python -m bench.filing [--n 2000] [--rounds 5] [--profile] [--pg URL [--workers 4]]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import shutil
import sqlite3
import statistics
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


def _ts(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


class Raw:
    """Plain sqlite3, WAL + synchronous=FULL, one INSERT + COMMIT per row."""

    def __init__(self, path: Path):
        self.con = sqlite3.connect(path, isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=FULL")
        self.con.execute(RAW_TABLE)

    def run(self, rows: list[dict[str, Any]], offset: int) -> float:
        params = [(f"ท./{offset + i + 1:03d}", numbering.new_tracking_code(), r["category"],
                   r["channel"], r["subject"], r["details"], r["location_text"], r["first_name"],
                   r["surname"], r["address"], r["phone"], r["email"], _ts(common.at(offset + i)))
                  for i, r in enumerate(rows)]
        start = time.perf_counter()
        for p in params:
            self.con.execute("BEGIN")
            self.con.execute(RAW_INSERT, p)
            self.con.execute("COMMIT")
        return time.perf_counter() - start

    def count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM complaints").fetchone()[0])


class SameSchema(Raw):
    """Floor: plain sqlite3 issuing the statements file_case does (counter upsert, case
    insert, event insert) on casework's own schema and indexes; no validation, no ORM."""

    UPSERT = ("INSERT INTO number_counters (fiscal_year, prefix, last) VALUES (?, ?, 1) ON "
              "CONFLICT (fiscal_year, prefix) DO UPDATE SET last = number_counters.last + 1 "
              "RETURNING last")
    COLS = ("fiscal_year", "prefix", "seq", "number", "tracking_code", "category_code",
            "filed_category_code", "channel", "subject", "details", "location_text",
            "first_name", "surname", "address", "phone", "email", "filed_at", "updated_at",
            "ack_due_at", "reply_due_at")
    INSERT = (f"INSERT INTO cases ({', '.join(COLS)}, state, track, copy_to_email, reopen_count,"
              f" version) VALUES ({', '.join('?' * len(COLS))}, 'not_received', 'general', 0, 0,"
              " 1)")
    EVENT = ("INSERT INTO case_events (case_id, at, actor, actor_role, trigger, to_state, data)"
             " VALUES (?, ?, 'citizen', 'citizen', 'file', 'not_received', ?)")

    def __init__(self, path: Path, cfg: Config):
        self.con = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            self.con.execute(f"PRAGMA {pragma}")
        self.cfg = cfg

    def run(self, rows: list[dict[str, Any]], offset: int) -> float:
        con, prefixes = self.con, {c: v.prefix for c, v in self.cfg.categories.items()}
        fy = numbering.fiscal_year(common.NOW)
        start = time.perf_counter()
        for i, r in enumerate(rows):
            at, prefix = _ts(common.at(offset + i)), prefixes[r["category"]]
            con.execute("BEGIN IMMEDIATE")
            (seq,) = con.execute(self.UPSERT, (fy, prefix)).fetchone()
            number = f"{prefix}/{seq:03d}"
            cid = con.execute(self.INSERT, (
                fy, prefix, seq, number, numbering.new_tracking_code(), r["category"],
                r["category"], r["channel"], r["subject"], r["details"], r["location_text"],
                r["first_name"], r["surname"], r["address"], r["phone"], r["email"], at, at, at, at,
            )).lastrowid
            con.execute(self.EVENT, (cid, at, f'{{"number": "{number}"}}'))
            con.execute("COMMIT")
        return time.perf_counter() - start


class Casework:
    """service.file_case, each case in its own db.transaction (one durable commit)."""

    def __init__(self, url: str, cfg: Config, pool_size: int = 5):
        self.engine, self.cfg = db.make_engine(url, pool_size=pool_size), cfg

    def run(self, rows: list[dict[str, Any]], offset: int) -> float:
        start = time.perf_counter()
        for i, data in enumerate(rows):
            with db.transaction(self.engine) as s:
                service.file_case(s, self.cfg, data, now=common.at(offset + i))
        return time.perf_counter() - start


def _worker(url: str, cfg: Config, rows: list[dict[str, Any]], offset: int,
            barrier: Any, out: Any) -> None:
    try:
        runner = Casework(url, cfg, pool_size=1)
        runner.run(rows[:1], offset)  # warm-up, untimed
        barrier.wait()
        start = time.perf_counter()
        runner.run(rows[1:], offset + 1)
        out.put((len(rows) - 1, start, time.perf_counter()))
        runner.engine.dispose()
    except Exception as exc:  # reported by the parent
        barrier.abort()
        out.put(f"{type(exc).__name__}: {exc}")


def pg_workers(server: str, cfg: Config, rows: list[dict[str, Any]], k: int) -> list[str]:
    """K processes file len(rows)/K cases each, concurrently, into a fresh database."""
    ctx = mp.get_context("fork")
    barrier, out, share = ctx.Barrier(k, timeout=300), ctx.Queue(), len(rows) // k
    with common.pg_db(server, cfg) as url:
        procs = [ctx.Process(target=_worker, args=(url, cfg, rows[w * share:(w + 1) * share],
                                                   w * share, barrier, out)) for w in range(k)]
        for p in procs:
            p.start()
        results = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
        errors = [r for r in results if isinstance(r, str)]
        if errors:
            return [f"PostgreSQL worker: {e}" for e in errors]
        problems = common.check_filed(url, k * share)
    per_worker = sorted(common.rate(c, t1 - t0) for c, t0, t1 in results)
    wall = max(r[2] for r in results) - min(r[1] for r in results)
    total = sum(r[0] for r in results)
    print(f"  {k} process{'es' if k > 1 else '  '}: {total:>5} filings in {wall:5.2f} s = "
          f"{common.rate(total, wall):6.0f} filings/s; per worker "
          + ", ".join(f"{r:.0f}" for r in per_worker))
    if k == 4:
        low = per_worker[0]
        print(f"  B8 slowest of 4 workers: {low:.0f}/s (target ≥ {TARGET_PG_PER_WORKER:.0f} → "
              f"{common.verdict(low, TARGET_PG_PER_WORKER)}; {os.cpu_count()} CPUs here)")
    return problems


def run_pg(args: argparse.Namespace, cfg: Config) -> list[str]:
    print(f"\nPostgreSQL ({sa.engine.make_url(args.pg).render_as_string()}), "
          f"{args.pg_n} cases per process, one transaction each")
    problem = common.pg_problem(args.pg)
    if problem:
        print(f"  skipped: server not reachable ({problem})")
        return []
    problems: list[str] = []
    for k in sorted({1, args.workers} - {0}):
        problems += pg_workers(args.pg, cfg, common.complaints(cfg, k * args.pg_n, seed=k), k)
    return problems


def sqlite_rounds(args: argparse.Namespace, cfg: Config,
                  rows: list[dict[str, Any]]) -> tuple[dict[str, float], list[float], list[str]]:
    """Run the three SQLite variants on the same rows, interleaved in rounds so that they
    share the machine's (noisy) fsync and CPU conditions. Returns total seconds per
    variant, the casework/raw ratio of each round, and correctness problems."""
    with common.temp_dir(args.dir) as folder, common.sqlite_db(cfg, folder) as url:
        shutil.copy(folder / "casework.db", folder / "floor.db")
        raw, casework = Raw(folder / "raw.db"), Casework(url, cfg)
        runners: dict[str, Raw | Casework] = {
            "raw": raw, "floor": SameSchema(folder / "floor.db", cfg), "casework": casework}
        warm = args.warmup
        for name, runner in runners.items():  # untimed: until the WAL file reaches its size
            with common.profiled(args.profile and name == "casework"):
                runner.run(rows[:warm], 0)
        totals = dict.fromkeys(runners, 0.0)
        ratios: list[float] = []
        size = -(-(len(rows) - warm) // args.rounds)
        for lo in range(warm, len(rows), size):
            chunk, took = rows[lo:lo + size], {}
            for name, runner in runners.items():
                took[name] = runner.run(chunk, lo)
                totals[name] += took[name]
            ratios.append(took["raw"] / took["casework"])
        casework.engine.dispose()
        problems = common.check_filed(url, len(rows))
        if raw.count() != len(rows):
            problems.append("raw baseline lost rows")
    return totals, ratios, problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.filing", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="cases filed per variant (default 2000)")
    ap.add_argument("--warmup", type=int, default=500,
                    help="untimed rows filed first by each variant (default 500)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="interleaved rounds raw/floor/casework (default 5)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default=None, help="folder for the SQLite files (default: temp)")
    ap.add_argument("--profile", action="store_true",
                    help="cProfile casework's (untimed) warm-up filings")
    ap.add_argument("--pg", metavar="URL", help="also measure on this PostgreSQL server "
                    f"(a fresh database is created and dropped), e.g. {common.LOCAL_PG}")
    ap.add_argument("--pg-n", type=int, default=500,
                    help="cases per PostgreSQL process (default 500)")
    ap.add_argument("--workers", type=int, default=4,
                    help="concurrent PostgreSQL filing processes, 0 to skip (default 4)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.rounds < 1 or args.warmup < 0:
        ap.error("--n and --rounds must be positive, --warmup not negative")

    cfg = common.load_config()
    rows = common.complaints(cfg, args.warmup + args.n, seed=args.seed)
    n = args.n
    print("B1 filing on SQLite (WAL, synchronous=FULL, one durable commit per row)")
    print(f"  {n} timed rows per variant in {args.rounds} interleaved rounds, "
          f"after {args.warmup} untimed")
    totals, ratios, problems = sqlite_rounds(args, cfg, rows)
    labels = {"raw": "raw sqlite3, 1 table INSERT+COMMIT",
              "floor": "raw sqlite3, casework schema+SQL",
              "casework": "casework service.file_case"}
    for name, secs in totals.items():
        print(f"  {labels[name]:<36}: {common.rate(n, secs):7.0f} rows/s  "
              f"({1000 * secs / n:.3f} ms/row)")
    ratio = totals["raw"] / totals["casework"]
    print(f"  ratio casework/raw                  : {ratio:7.2f}   (target ≥ {TARGET_RATIO} → "
          f"{common.verdict(ratio, TARGET_RATIO)})")
    print("  per round                           : " + "  ".join(f"{r:.2f}" for r in ratios)
          + f"   (median {statistics.median(ratios):.2f})")
    print(f"  ratio floor/raw (best possible)     : {totals['raw'] / totals['floor']:7.2f}"
          f"   (what casework's schema alone costs)")
    print(f"  check: {len(rows)} cases, unique numbers, gap-free sequences: "
          + ("ok" if not problems else "FAILED"))
    if args.pg:
        problems += run_pg(args, cfg)
    for p in problems:
        print(f"  ERROR: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
