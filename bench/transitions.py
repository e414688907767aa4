"""B3: transitions per second through service.act, with 0 lost (SPEC §9: ≥ 800/s).

Each transition is one db.transaction: load the case, act, commit (as a request would).
  sequential  receive → dispatch → complete for each of --n cases, one thread
  threads     the same life cycle, --threads threads each on its own slice of cases
  contention  --threads threads add `progress` notes to the same --hot cases, each from
              a stale read (a form shown earlier), retrying on Conflict
Then every acknowledged act must have exactly one event, and each case's version must
be 1 + its events after filing. Runs on SQLite, and on PostgreSQL when reachable.

    python -m bench.transitions [--n 2000] [--threads 4] [--hot 3] [--notes 150]
                                [--same-clock] [--no-pg]
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import sqlalchemy as sa

from bench import common
from casework import db, service
from casework.config import Config
from casework.errors import Conflict
from casework.models import Case

TARGET = 800.0
MAX_TRIES = 50
LIFECYCLE: tuple[tuple[str, Any, dict[str, Any]], ...] = (
    ("receive", common.OFFICER, {}),
    ("dispatch", common.OFFICER, {"consideration": "normal"}),
    ("complete", common.ENG_STAFF, {"note": "เปลี่ยนหลอดไฟและซ่อมสายไฟเรียบร้อยแล้ว"}),
)


class Tally:
    """Acts acknowledged (committed) per case, and conflict counts; thread-safe."""

    def __init__(self) -> None:
        self.acts: Counter[int] = Counter()
        self.conflicts = self.gave_up = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def ok(self, case_id: int) -> None:
        with self.lock:
            self.acts[case_id] += 1

    def conflict(self) -> None:
        with self.lock:
            self.conflicts += 1


def file_cases(engine: sa.Engine, cfg: Config, n: int, seed: int) -> list[int]:
    """File n engineering cases (batched, untimed); return their ids."""
    rows = common.complaints(cfg, n, seed=seed, department="engineering")
    ids: list[int] = []
    for lo in range(0, n, 250):
        with db.transaction(engine) as s:
            cases = [service.file_case(s, cfg, r, now=common.at(lo + i))
                     for i, r in enumerate(rows[lo:lo + 250])]
        ids += [c.id for c in cases if c.id is not None]
    return ids


def step(engine: sa.Engine, cfg: Config, case_id: int, trigger: str, by: Any,
         data: dict[str, Any], at: int) -> None:
    with db.transaction(engine) as s:
        case = s.get(Case, case_id)
        assert case is not None
        service.act(s, cfg, case, trigger, by=by, now=common.at(at), **data)


def lifecycles(engine: sa.Engine, cfg: Config, ids: list[int], tally: Tally,
               steps: int = len(LIFECYCLE)) -> None:
    for case_id in ids:
        for k, (trigger, by, data) in enumerate(LIFECYCLE[:steps]):
            step(engine, cfg, case_id, trigger, by, data, 3600 * (k + 1))
            tally.ok(case_id)


def notes(engine: sa.Engine, cfg: Config, ids: list[int], count: int, seed: int,
          tally: Tally, think: float, stride: int) -> None:
    """Add `count` progress notes to random cases of `ids`, each from a stale read.
    Even seeds re-load the case and pass expected_version (the web form's check); odd
    seeds act on the detached, stale object itself (the ORM version column's check).
    Each note gets its own moment (stride = thread count) unless stride is 0: then the
    threads share one grid of moments, like a frozen or coarse clock."""
    rng = random.Random(seed)
    for j in range(count):
        moment = common.at(5 * 3600 + (j * stride + seed if stride else j))
        case_id = rng.choice(ids)
        for _ in range(MAX_TRIES):
            with db.reading(engine) as s:
                seen = s.get(Case, case_id)
            assert seen is not None
            time.sleep(think)  # the user reads the page
            try:
                with db.transaction(engine) as s:
                    if seed % 2 == 0:
                        case, expected = s.get(Case, case_id), seen.version
                    else:
                        s.add(seen)
                        case, expected = seen, None
                    assert case is not None
                    service.act(s, cfg, case, "progress", by=common.ENG_STAFF,
                                now=moment, expected_version=expected,
                                note=f"บันทึกความคืบหน้า {seed}-{j}: ช่างเข้าตรวจสอบพื้นที่แล้ว")
            except Conflict:
                tally.conflict()
                continue
            tally.ok(case_id)
            break
        else:
            with tally.lock:
                tally.gave_up += 1


def threaded(tally: Tally, jobs: list[Callable[[], None]]) -> float:
    """Run each job in its own thread; returns wall seconds. Errors go to the tally."""
    def guard(job: Callable[[], None]) -> None:
        try:
            job()
        except Exception as exc:  # reported as a correctness failure, not a crash
            with tally.lock:
                tally.errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=guard, args=(job,)) for job in jobs]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def check(engine: sa.Engine, tally: Tally) -> dict[str, int]:
    """Compare the database with the acts acknowledged: one event per act, one filing
    event per case, version = 1 + events after filing. Returns counts (0 = good)."""
    per_case = "SELECT case_id, count(*) FROM case_events WHERE trigger {} GROUP BY case_id"
    with engine.connect() as conn:
        versions: dict[int, int] = dict(conn.exec_driver_sql("SELECT id, version FROM cases").all())
        files: dict[int, int] = dict(conn.exec_driver_sql(per_case.format("= 'file'")).all())
        events: dict[int, int] = dict(conn.exec_driver_sql(per_case.format("<> 'file'")).all())
    return {
        "events": sum(events.values()),
        "lost": sum(max(0, n - events.get(cid, 0)) for cid, n in tally.acts.items()),
        "unacknowledged events": sum(max(0, n - tally.acts.get(cid, 0))
                                     for cid, n in events.items()),
        "version != 1 + events": sum(1 for cid, v in versions.items()
                                     if v != 1 + events.get(cid, 0)),
        "filing events != 1": sum(1 for cid in versions if files.get(cid) != 1),
    }


def bench(url: str, cfg: Config, args: argparse.Namespace) -> list[str]:
    engine = db.make_engine(url)
    tally, k = Tally(), args.threads
    try:
        seq_ids = file_cases(engine, cfg, args.n, seed=11)
        thr_ids = file_cases(engine, cfg, args.n, seed=12)
        hot_ids = file_cases(engine, cfg, args.hot, seed=13)
        lifecycles(engine, cfg, hot_ids, tally, steps=2)  # dispatched, untimed

        def line(what: str, acts: int, secs: float, extra: str = "") -> None:
            r = common.rate(acts, secs)
            print(f"  {what:<30}: {acts:>6} transitions in {secs:6.2f} s = {r:7.0f}/s"
                  f"  ({r / TARGET:.2f}× target){extra}")

        start = time.perf_counter()
        lifecycles(engine, cfg, seq_ids, tally)
        line("sequential, 1 thread", 3 * len(seq_ids), time.perf_counter() - start)
        slices = [thr_ids[i::k] for i in range(k)]
        secs = threaded(tally, [partial(lifecycles, engine, cfg, ids, tally) for ids in slices])
        line(f"own cases, {k} threads", 3 * len(thr_ids), secs)
        before = sum(tally.acts[c] for c in hot_ids)
        stride = 0 if args.same_clock else k
        secs = threaded(tally, [partial(notes, engine, cfg, hot_ids, args.notes, i, tally,
                                        args.think_ms / 1000, stride) for i in range(k)])
        done = sum(tally.acts[c] for c in hot_ids) - before
        line(f"same {len(hot_ids)} cases, {k} threads", done, secs,
             f", {tally.conflicts} conflicts retried, {tally.gave_up} gave up")
        counts = check(engine, tally)
    finally:
        engine.dispose()
    found = counts.pop("events")
    print(f"  check: {sum(tally.acts.values())} acts acknowledged, {found} events after filing")
    print("         " + " · ".join(f"{k}: {v}" for k, v in counts.items())
          + ("  ✓" if not any(counts.values()) else "  ✗"))
    return [f"{k}: {v}" for k, v in counts.items() if v] + tally.errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.transitions", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000,
                    help="cases per life-cycle variant, 3 transitions each (default 2000)")
    ap.add_argument("--threads", type=int, default=4, help="threads (default 4)")
    ap.add_argument("--hot", type=int, default=3, help="cases shared in contention (default 3)")
    ap.add_argument("--notes", type=int, default=150,
                    help="progress notes per thread in contention (default 150)")
    ap.add_argument("--think-ms", type=float, default=1.0,
                    help="pause between reading a case and acting on it (default 1 ms)")
    ap.add_argument("--same-clock", action="store_true",
                    help="contention threads share timestamps (shows acts that change no "
                         "column skipping the version check)")
    ap.add_argument("--dir", default=None, help="folder for the SQLite file (default: temp)")
    ap.add_argument("--pg", metavar="URL", default=common.LOCAL_PG,
                    help="PostgreSQL server for a fresh database (default: %(default)s)")
    ap.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = ap.parse_args(argv)
    cfg = common.load_config()
    problems: list[str] = []

    print(f"B3 transitions through service.act, one transaction each (target ≥ {TARGET:.0f}/s)")
    print("SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE)")
    with common.temp_dir(args.dir) as folder, common.sqlite_db(cfg, folder) as url:
        problems += [f"SQLite: {p}" for p in bench(url, cfg, args)]
    if not args.no_pg:
        print(f"PostgreSQL ({sa.engine.make_url(args.pg).render_as_string()})")
        why = common.pg_problem(args.pg)
        if why:
            print(f"  skipped: server not reachable ({why})")
        else:
            with common.pg_db(args.pg, cfg) as url:
                problems += [f"PostgreSQL: {p}" for p in bench(url, cfg, args)]
    for p in problems:
        print(f"  ERROR: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
