"""B4: the SLA scan on a large SQLite database (SPEC §9: ≤ 250 ms at 1,000,000 cases).

A fresh database (migrated, config synced) is filled with --cases cases by raw sqlite3
executemany; the service layer would take hours at 1M. The cases are filed over two
fiscal years and each one's life (receive, dispatch, reassign, progress, complete,
reopen, reject, refer) is replayed up to the bench's "now" with the columns service.act
writes: clocks as sla.start_clock computes them, at the level the scanner would have
left them, with one sent notice per level each clock reached. Then, on that database:

  idle    jobs.scan(session, now) in db.transaction when no clock has reached its next
          threshold (median and max of --runs), against the 250 ms target
  storm   --breach of the cases (1 %) fall due at once: one scan queues that many
          notices, a second scan at the same moment finds nothing
  raw     the scan's own statements replayed with plain sqlite3, and the bare
          `SELECT count(*) FROM cases WHERE <clock>_next_at <= ?`, as baselines
  plans   EXPLAIN QUERY PLAN of every statement the scan issues

    python -m bench.sla_scan [--cases 1000000] [--db PATH [--reuse]] [--runs 20]
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import math
import operator
import random
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich import progress as rp
from rich.console import Console
from sqlalchemy import event

from bench import common
from casework import db, jobs, numbering, sla
from casework.config import Config
from casework.demo_data import synthetic_complaints
from casework.models import Case, UTCDateTime
from casework.schemas import normalise_phone
from casework.states import OPEN_STATES, State

TARGET_MS = 250.0
NOW = common.NOW  # Monday 2 March 2026, 10:00 in Bangkok (FY 2569)
BKK = numbering.BANGKOK
UTC = dt.UTC
CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
COLUMNS = tuple(c.name for c in CASES.columns)
TIME_COLUMNS = tuple(c.name for c in CASES.columns if isinstance(c.type, UTCDateTime))
ROW_OF = operator.itemgetter(*COLUMNS)
INSERT_CASE = (f"INSERT INTO cases ({', '.join(COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(COLUMNS))})")
NOTICE_COLUMNS = ("key", "kind", "audience", "case_id", "clock", "level", "created_at", "status",
                  "attempts", "next_attempt_at", "sent_at", "sent_to")
INSERT_NOTICE = (f"INSERT INTO notices ({', '.join(NOTICE_COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(NOTICE_COLUMNS))})")
OPEN = frozenset(s.value for s in OPEN_STATES)
OFFICE_OPENS, OFFICE_CLOSES = dt.time(8, 30), dt.time(16, 30)
# Filings per local hour of the day (relative): few at night, most in office hours.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 6, 9, 10, 10, 9, 8, 9, 9, 8, 7, 6, 6, 5, 4, 3, 2, 1)
BATCH = 10_000
STORM_DAYS = 3  # the storm's cases were dispatched as urgent with this many days
Row = tuple[Any, ...]


def ts(moment: dt.datetime | None) -> str | None:
    """A UTC moment as SQLAlchemy stores a UTCDateTime on SQLite (naive, microseconds)."""
    # [:26] drops the "+00:00" of an aware UTC moment
    return None if moment is None else moment.isoformat(" ", "microseconds")[:26]


def hours(h: float) -> dt.timedelta:
    return dt.timedelta(hours=h)


# --------------------------------------------------------------------------- filling


class Calendar:
    """sla.start_clock with its deadline dates cached (a deadline depends only on the
    start's local day), plus office hours for when people act."""

    def __init__(self, cfg: Config, rng: random.Random):
        self.cal, self.rng = cfg.calendar, rng
        self.warn_share = cfg.clocks.warn_at
        self.escalate_after = cfg.clocks.escalate_after_working_days
        self._due: dict[tuple[dt.date, int, str], dt.datetime] = {}
        self._working: dict[dt.date, bool] = {}

    def due(self, start: dt.datetime, days: int, kind: str) -> dt.datetime:
        key = (start.astimezone(BKK).date(), days, kind)
        found = self._due.get(key)
        if found is None:
            found = self._due[key] = sla.due_at(start, days, kind, self.cal)
        return found

    def clock(self, start: dt.datetime, days: int, kind: str, escalates: bool) -> sla.Clock:
        due = self.due(start, days, kind)
        escalate = self.due(due, self.escalate_after, "working") if escalates else None
        return sla.Clock(start, start + (due - start) * self.warn_share, due, escalate)

    def working(self, day: dt.date) -> bool:
        found = self._working.get(day)
        if found is None:
            found = self._working[day] = self.cal.is_working_day(day)
        return found

    def office(self, moment: dt.datetime) -> dt.datetime:
        """`moment` if the municipality is at work then, else a little after it opens."""
        local = moment.astimezone(BKK)
        day, clock = local.date(), local.time()
        if self.working(day) and OFFICE_OPENS <= clock < OFFICE_CLOSES:
            return moment
        if not (self.working(day) and clock < OFFICE_OPENS):
            day += dt.timedelta(days=1)
            while not self.working(day):
                day += dt.timedelta(days=1)
        opens = dt.datetime.combine(day, OFFICE_OPENS, tzinfo=BKK).astimezone(UTC)
        return opens + hours(self.rng.uniform(0, 2.5))


class Life:
    """One case, moved the way service.act and its guards move it."""

    def __init__(self, row: dict[str, Any], ack: sla.Clock, reply: sla.Clock):
        self.row = row
        self.ack: list[Any] = [ack, None]  # [clock, moment it stopped]
        self.reply: list[Any] = [reply, None]
        self.rounds: list[list[Any]] = []  # resolution clock of each round

    def move(self, at: dt.datetime, state: str, *, public: bool = False,
             **changes: Any) -> None:
        """service.act: stop the clocks this move stops, apply the guard's changes."""
        r = self.row
        if r["state"] == State.NOT_RECEIVED and state != State.NOT_RECEIVED:
            self.ack[1] = at
        closes = state not in OPEN
        if r["replied_at"] is None and (public or closes):
            r["replied_at"], self.reply[1] = at, at
        if closes and self.rounds and self.rounds[-1][1] is None:
            self.rounds[-1][1] = at
        r.update(changes)
        r["state"], r["updated_at"] = state, at
        r["version"] += 1

    def start_resolution(self, at: dt.datetime, clock: sla.Clock) -> dict[str, Any]:
        """guards._resolution_clock: a new round (a running one is replaced)."""
        if self.rounds and self.rounds[-1][1] is None:
            self.rounds[-1][1] = at
        self.rounds.append([clock, None])
        return {"sla_round": self.row["sla_round"] + 1}

    def settle(self, notices: list[Row], dept_mail: str) -> Row:
        """Clock columns as the scanner leaves them at NOW, and one sent notice per
        level each clock reached (key as jobs.scan writes it)."""
        r, cid = self.row, self.row["id"]
        starts = [c.start for c, _ in self.rounds]

        def level_of(name: str, entry: list[Any], round_no: int | None) -> int:
            clock, stopped = entry
            level = clock.level(stopped if stopped is not None else NOW)
            for lvl in range(1, level + 1):
                at = (clock.warn_at, clock.due_at, clock.escalate_at)[lvl - 1]
                rnd = bisect.bisect_right(starts, at) if round_no is None else round_no
                audience = jobs.AUDIENCE[name, lvl]
                sent = min(at + dt.timedelta(seconds=30), NOW)
                notices.append((f"sla:{cid}:{name}:{rnd}:{lvl}", "sla", audience, cid, name, lvl,
                                ts(at), "sent", 1, ts(at), ts(sent), dept_mail))
            return level

        for name, entry in (("ack", self.ack), ("reply", self.reply)):
            clock, stopped = entry
            level = level_of(name, entry, None)
            r[f"{name}_warn_at"], r[f"{name}_due_at"] = clock.warn_at, clock.due_at
            r[f"{name}_level"] = level
            r[f"{name}_next_at"] = sla.next_at(clock, level) if stopped is None else None
        levels = [level_of("resolution", entry, k) for k, entry in enumerate(self.rounds, 1)]
        if self.rounds:
            (clock, stopped), level = self.rounds[-1], levels[-1]
            r.update(resolution_warn_at=clock.warn_at, resolution_due_at=clock.due_at,
                     resolution_escalate_at=clock.escalate_at, resolution_level=level,
                     resolution_next_at=sla.next_at(clock, level) if stopped is None else None)
        for c in TIME_COLUMNS:
            if r[c] is not None:
                r[c] = r[c].isoformat(" ", "microseconds")[:26]
        return ROW_OF(r)  # type: ignore[no-any-return]


class Filler:
    """Generates realistic cases (and their past SLA notices) in filing order."""

    def __init__(self, cfg: Config, n: int, seed: int):
        self.cfg, self.rng = cfg, random.Random(seed)
        self.cal = Calendar(cfg, self.rng)
        self.pool = [dict(first_name=c.first_name, surname=c.surname,
                          phone=normalise_phone(c.phone), address=c.address, email=c.email,
                          category=c.category, subject=c.subject, details=c.details,
                          location_text=c.location_text, urgent=c.urgent,
                          channel=c.channel if c.channel in cfg.intake_channels else "web")
                     for c in synthetic_complaints(min(n, 20_000), seed)]
        self.general = [k for k, c in cfg.categories.items() if c.track == "general"]
        self.departments = [k for k, d in cfg.departments.items() if d.kind == "department"]
        self.reasons = list(cfg.reject_reasons)
        self.counters: dict[tuple[int, str], int] = {}
        self.codes: set[str] = set()
        self.general_ids: list[int] = []
        self.defaults = {c: None for c in COLUMNS} | dict(
            ack_level=0, reply_level=0, resolution_level=0, sla_round=0, reopen_count=0,
            version=1, copy_to_email=False)

    def filing_times(self, n: int) -> Iterator[dt.datetime]:
        """n moments from the start of last fiscal year to NOW, busier toward NOW (as
        a city's use of the system grows) and in the daytime, in order."""
        start, _ = numbering.fiscal_year_bounds(numbering.fiscal_year(NOW) - 1)
        origin, end = start.timestamp(), NOW.timestamp()
        days = (NOW - start).total_seconds() / 86400
        rng, out = self.rng, []
        hours_of_day = rng.choices(range(24), HOUR_WEIGHTS, k=n + n // 10 + 100)
        while len(out) < n:
            day = int(days * rng.random() ** 0.7)  # local midnights: Bangkok has no DST
            moment = origin + day * 86400 + (hours_of_day.pop() + rng.random()) * 3600
            if moment < end:
                out.append(moment)
            if not hours_of_day:
                hours_of_day = rng.choices(range(24), HOUR_WEIGHTS, k=1000)
        out.sort()
        return (dt.datetime.fromtimestamp(m, UTC) for m in out)

    def tracking_code(self) -> str:
        while True:
            code = "".join(self.rng.choices(numbering.TRACKING_ALPHABET,
                                            k=numbering.TRACKING_LENGTH))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def case(self, cid: int, filed: dt.datetime, notices: list[Row]) -> Row:
        """One case filed at `filed` (service._case_row), then lived until NOW."""
        cfg, c = self.cfg, self.pool[cid % len(self.pool)]
        category = cfg.categories[c["category"]]
        fy = numbering.fiscal_year(filed)
        seq = self.counters[fy, category.prefix] = self.counters.get((fy, category.prefix), 0) + 1
        row = self.defaults | dict(
            id=cid, fiscal_year=fy, prefix=category.prefix, seq=seq,
            number=numbering.format_number(category.prefix, seq),
            tracking_code=self.tracking_code(), state=State.NOT_RECEIVED.value,
            track=category.track, category_code=c["category"],
            filed_category_code=c["category"], channel=c["channel"], subject=c["subject"],
            details=f"{c['details']} (อ้างอิง {cid})", location_text=c["location_text"],
            first_name=c["first_name"], surname=c["surname"], address=c["address"],
            phone=c["phone"], email=c["email"], copy_to_email=bool(c["email"]),
            filed_by=None if c["channel"] == "web" else "officer", filed_at=filed,
            updated_at=filed)
        clocks = cfg.clocks
        life = Life(row,
                    self.cal.clock(filed, clocks.acknowledge_working_days, "working", False),
                    self.cal.clock(filed, clocks.first_reply_days, "calendar", False))
        self.live(life, c["urgent"])
        if row["track"] == "general":
            self.general_ids.append(cid)
        return life.settle(notices, f"{row['department_code'] or 'center'}@example.org")

    def live(self, life: Life, urgent: bool) -> None:
        """Replay the case's moves that happen before NOW."""
        rng, cal, cfg, row = self.rng, self.cal, self.cfg, life.row
        general = row["track"] == "general"

        def later(moment: dt.datetime, median_h: float, sigma: float) -> dt.datetime:
            return cal.office(moment + hours(rng.lognormvariate(math.log(median_h), sigma)))

        at = later(row["filed_at"], 2, 1.2)
        if at >= NOW:
            return
        roll = rng.random()
        if roll < 0.04:
            self.reject(life, at)
            return
        if roll < 0.07 and general:
            life.move(at, State.REFERRED, public=True, agency="การไฟฟ้าส่วนภูมิภาค จังหวัดขอนแก่น",
                      closed_at=at)
            return
        changes: dict[str, Any] = {"received_at": at}
        if general and rng.random() < 0.04:
            changes["category_code"] = rng.choice(self.general)
        life.move(at, State.RECEIVED, public=rng.random() < 0.3, **changes)
        roll = rng.random()
        if roll < 0.03:
            at = later(at, 3, 1.2)
            if at < NOW:
                self.reject(life, at)
            return
        at = later(at, 4, 1.3)
        if at >= NOW:
            return
        if not general:
            dept, consideration, days = "integrity", "normal", 15
        elif urgent:
            dept, consideration, days = (cfg.categories[row["category_code"]].department,
                                         "urgent", rng.randint(1, 7))
        else:
            consideration = "survey" if rng.random() < 0.25 else "normal"
            dept = cfg.categories[row["category_code"]].department
            days = cfg.considerations[consideration].default_days
        kind = cfg.considerations[consideration].calendar
        life.move(at, State.DISPATCHED, public=rng.random() < 0.4, department_code=dept,
                  dispatched_at=at, consideration=consideration, consideration_days=days,
                  **life.start_resolution(at, cal.clock(at, days, kind, True)))
        for _ in range(3):  # the first round, then up to two reopenings
            clock = life.rounds[-1][0]
            done = cal.office(clock.start + (clock.due_at - clock.start)
                              * rng.lognormvariate(math.log(0.5), 0.75))
            if general and rng.random() < 0.03:  # reassigned before it is done
                at = later(clock.start, 48, 0.8)
                if at < done:
                    if at >= NOW:
                        return
                    dept = rng.choice([d for d in self.departments if d != dept])
                    life.move(at, State.DISPATCHED, department_code=dept, dispatched_at=at,
                              **life.start_resolution(at, cal.clock(at, days, kind, True)))
                    clock = life.rounds[-1][0]
                    done = cal.office(at + (clock.due_at - at)
                                      * rng.lognormvariate(math.log(0.5), 0.75))
            if rng.random() < 0.3:
                noted = cal.office(clock.start + (done - clock.start) * rng.uniform(0.2, 0.8))
                if noted >= NOW:
                    return
                life.move(noted, State.DISPATCHED, public=rng.random() < 0.7)
            if done >= NOW:
                return
            life.move(done, State.COMPLETED, public=True, completed_at=done, closed_at=done,
                      resolution_note="ดำเนินการแก้ไขเรียบร้อยแล้ว")
            if rng.random() >= 0.02:
                return
            at = cal.office(done + dt.timedelta(days=rng.uniform(1, 25)))
            if at >= NOW:
                return
            life.move(at, State.DISPATCHED, public=True, completed_at=None, closed_at=None,
                      reopen_count=row["reopen_count"] + 1,
                      **life.start_resolution(at, cal.clock(at, days, kind, True)))

    def reject(self, life: Life, at: dt.datetime) -> None:
        reason = self.rng.choice(self.reasons)
        changes: dict[str, Any] = {"reject_reason": reason, "closed_at": at}
        if reason == "duplicate":
            if life.row["track"] != "general" or not self.general_ids:
                changes["reject_reason"] = "not_actionable"
            else:
                recent = self.general_ids[-2000:]
                changes["duplicate_of_id"] = recent[int(self.rng.random() * len(recent))]
        life.move(at, State.REJECTED, public=True, **changes)


class Bar:
    """A rich progress bar on a terminal, a line every 10 % elsewhere."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.done = total, label, 0
        self.console = Console()
        self.progress: rp.Progress | None = None
        if self.console.is_terminal:
            self.progress = rp.Progress(
                rp.TextColumn(f"  {label}"), rp.BarColumn(), rp.MofNCompleteColumn(),
                rp.TimeElapsedColumn(), rp.TextColumn("left"), rp.TimeRemainingColumn(),
                console=self.console)
            self.task = self.progress.add_task(label, total=total)
            self.progress.start()
        self.start = time.perf_counter()

    def advance(self, n: int) -> None:
        before, self.done = self.done, self.done + n
        if self.progress is not None:
            self.progress.advance(self.task, n)
        elif self.done * 10 // self.total > before * 10 // self.total:
            secs = time.perf_counter() - self.start
            print(f"  {self.label}: {self.done:>9,} / {self.total:,}  {secs:6.1f} s", flush=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def fill(path: Path, cfg: Config, n: int, seed: int) -> tuple[float, int]:
    """Insert n cases and their past SLA notices; returns (seconds, notices)."""
    start = time.perf_counter()
    filler = Filler(cfg, n, seed)
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "locking_mode=EXCLUSIVE",
                   "cache_size=-1000000", "temp_store=MEMORY", "foreign_keys=ON"):
        con.execute(f"PRAGMA {pragma}")
    bar, notices_total = Bar(n, "filling"), 0
    try:
        times = filler.filing_times(n)
        cid = 0
        while cid < n:
            size, cases, notices = min(BATCH, n - cid), [], []
            for _ in range(size):
                cid += 1
                cases.append(filler.case(cid, next(times), notices))
            con.execute("BEGIN")
            con.executemany(INSERT_CASE, cases)
            con.executemany(INSERT_NOTICE, notices)
            con.execute("COMMIT")
            notices_total += len(notices)
            bar.advance(size)
        con.executemany("INSERT INTO number_counters (fiscal_year, prefix, last) VALUES (?, ?, ?)",
                        [(fy, prefix, last) for (fy, prefix), last in filler.counters.items()])
    finally:
        bar.close()
        con.execute("PRAGMA locking_mode=NORMAL")
        con.execute("PRAGMA journal_mode=WAL")
        con.close()
    return time.perf_counter() - start, notices_total


def check_fill(url: str, cfg: Config, n: int) -> list[str]:
    """The invariants the scan relies on, and a sample of clocks recomputed with sla."""
    problems: list[str] = []
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            q = conn.exec_driver_sql
            count = q("SELECT count(*) FROM cases").scalar_one()
            if count != n:
                problems.append(f"{count} cases stored, expected {n}")
            for clock in sla.CLOCKS:
                due = q(f"SELECT count(*) FROM cases WHERE {clock}_next_at <= ?",
                        (ts(NOW),)).scalar_one()
                if due:
                    problems.append(f"{due} {clock} clocks already due at NOW")
            closed_running = q(
                "SELECT count(*) FROM cases WHERE state NOT IN ('not_received', 'received', "
                "'dispatched') AND (ack_next_at IS NOT NULL OR reply_next_at IS NOT NULL "
                "OR resolution_next_at IS NOT NULL)").scalar_one()
            if closed_running:
                problems.append(f"{closed_running} closed cases with a running clock")
            sample = q("SELECT id FROM cases WHERE state = 'dispatched' AND reopen_count = 0 "
                       "ORDER BY random() LIMIT 100").scalars().all()
        with db.reading(engine) as s:
            for cid in sample:
                case = s.get(Case, cid)
                assert case is not None and case.dispatched_at is not None
                klass = cfg.considerations[case.consideration or "normal"]
                days = case.consideration_days or klass.default_days
                want = sla.start_clock(case.dispatched_at, days, klass.calendar, cfg.calendar,
                                       warn_share=cfg.clocks.warn_at,
                                       escalate_after=cfg.clocks.escalate_after_working_days)
                got = (case.resolution_warn_at, case.resolution_due_at,
                       case.resolution_escalate_at)
                if got != (want.warn_at, want.due_at, want.escalate_at):
                    problems.append(f"case {cid}: resolution clock {got} != sla's {want}")
                    break
                ack = sla.start_clock(case.filed_at, cfg.clocks.acknowledge_working_days,
                                      "working", cfg.calendar, warn_share=cfg.clocks.warn_at)
                if (case.ack_warn_at, case.ack_due_at) != (ack.warn_at, ack.due_at):
                    problems.append(f"case {cid}: ack clock differs from sla's")
                    break
    finally:
        engine.dispose()
    return problems


def describe(con: sqlite3.Connection, path: Path) -> int:
    states = dict(con.execute("SELECT state, count(*) FROM cases GROUP BY state").fetchall())
    total = sum(states.values())
    open_n = sum(states.get(s, 0) for s in OPEN)
    print(f"  {total:,} cases, {open_n:,} open ({100 * open_n / max(total, 1):.1f} %): "
          + ", ".join(f"{s} {states.get(s, 0):,}" for s in
                      ("not_received", "received", "dispatched", "completed", "rejected",
                       "referred")))
    running = [con.execute(f"SELECT count(*) FROM cases WHERE {c}_next_at IS NOT NULL")
               .fetchone()[0] for c in sla.CLOCKS]
    years = con.execute("SELECT fiscal_year, count(*) FROM cases GROUP BY 1").fetchall()
    notices = con.execute("SELECT count(*) FROM notices").fetchone()[0]
    by_level = con.execute("SELECT clock, level, count(*) FROM notices WHERE kind = 'sla' "
                           "GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    print("  clocks running (rows in the partial indexes): "
          + ", ".join(f"{c} {k:,}" for c, k in zip(sla.CLOCKS, running, strict=True))
          + "; fiscal years " + ", ".join(f"{fy}: {k:,}" for fy, k in years)
          + f"; {notices:,} notices")
    print("  SLA notices by clock and level: "
          + ", ".join(f"{c} {sla.LEVEL_NAMES[lvl]} {k:,}" for c, lvl, k in by_level))
    size = path.stat().st_size / 2**20
    print(f"  database file {size:,.0f} MiB")
    return total


# --------------------------------------------------------------------------- timing


class Recorder:
    """The statements the engine sends while `on` (BEGIN excluded)."""

    def __init__(self, engine: sa.Engine):
        self.on = False
        self.seen: list[tuple[str, tuple[Any, ...]]] = []
        event.listen(engine, "before_cursor_execute", self._hook)

    def _hook(self, _conn: Any, _cursor: Any, statement: str, parameters: Any,
              _context: Any, _many: bool) -> None:
        if self.on and not statement.startswith("BEGIN"):
            self.seen.append((statement, tuple(parameters)))

    @contextmanager
    def recording(self) -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
        self.seen, self.on = [], True
        try:
            yield self.seen
        finally:
            self.on = False


def timed_scan(engine: sa.Engine, now: dt.datetime) -> tuple[jobs.ScanResult, float, float]:
    """(result, seconds in jobs.scan, seconds for the whole transaction with commit)."""
    t0 = time.perf_counter()
    with db.transaction(engine) as s:
        t1 = time.perf_counter()
        result = jobs.scan(s, now)
        t2 = time.perf_counter()
    return result, t2 - t1, time.perf_counter() - t0


class _Rollback(Exception):
    pass


def scan_rolled_back(engine: sa.Engine, now: dt.datetime) -> tuple[jobs.ScanResult, float]:
    """jobs.scan in db.transaction, rolled back: (result, seconds in jobs.scan)."""
    try:
        with db.transaction(engine) as s:
            t0 = time.perf_counter()
            result = jobs.scan(s, now)
            secs = time.perf_counter() - t0
            raise _Rollback
    except _Rollback:
        pass
    return result, secs


def replay(con: sqlite3.Connection, statements: list[tuple[str, tuple[Any, ...]]], *,
           commit: bool, each: list[float] | None = None) -> tuple[float, float, int]:
    """The scan's statements with plain sqlite3: (seconds for the statements, seconds
    with BEGIN IMMEDIATE and COMMIT/ROLLBACK, rows returned). `each` gets the seconds
    of every statement."""
    t0 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    t1, rows = time.perf_counter(), 0
    for sql, params in statements:
        t = time.perf_counter()
        rows += len(con.execute(sql, params).fetchall())
        if each is not None:
            each.append(time.perf_counter() - t)
    t2 = time.perf_counter()
    con.execute("COMMIT" if commit else "ROLLBACK")
    return t2 - t1, time.perf_counter() - t0, rows


def counts(con: sqlite3.Connection, now: dt.datetime) -> float:
    """The bare minimum: count the due clocks of each kind through the partial indexes."""
    t0 = time.perf_counter()
    for clock in sla.CLOCKS:
        con.execute(f"SELECT count(*) FROM cases WHERE {clock}_next_at <= ?",
                    (ts(now),)).fetchone()
    return time.perf_counter() - t0


def label(sql: str) -> str:
    clock = re.search(r"cases\.(\w+)_next_at <=", sql)
    name = clock.group(1) if clock else "?"
    if sql.startswith("UPDATE"):
        return f"UPDATE cases, advance {name}"
    level = re.search(r"WHERE .*?cases\.\w+_(warn|due|escalate)_at <=", sql)
    return f"INSERT notices, {name} {level.group(1) if level else '?'}"


def plans(con: sqlite3.Connection, statements: list[tuple[str, tuple[Any, ...]]]) -> list[str]:
    """Print EXPLAIN QUERY PLAN of each statement; problems if one reads all of cases."""
    problems: list[str] = []
    print("  query plans (EXPLAIN QUERY PLAN, parameters as the scan bound them)")
    for sql, params in statements:
        rows = con.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        details = [r[3] for r in rows]
        print(f"    {label(sql):<36}: " + " | ".join(details))
        clock = re.search(r"cases\.(\w+)_next_at <=", sql)
        index = f"ix_cases_{clock.group(1)}_next" if clock else "?"
        if not any(index in d for d in details):
            problems.append(f"{label(sql)} does not use {index}: {' | '.join(details)}")
    return problems


def ms(seconds: float) -> str:
    return f"{1000 * seconds:8.2f} ms"


def storm(con: sqlite3.Connection, cfg: Config, n: int,
          rng: random.Random) -> tuple[list[int], dt.datetime]:
    """Give n open dispatched cases (resolution level below breached) the clock of an
    urgent dispatch a few days before NOW that fell due before NOW: as if a storm of
    complaints had been dispatched the same day. Returns their ids and that moment."""
    moment = dt.datetime.combine(NOW.astimezone(BKK).date(), dt.time(10), tzinfo=BKK)
    for _ in range(30):
        moment -= dt.timedelta(days=1)
        clock = sla.start_clock(moment, STORM_DAYS, "calendar", cfg.calendar,
                                warn_share=cfg.clocks.warn_at,
                                escalate_after=cfg.clocks.escalate_after_working_days)
        assert clock.escalate_at is not None
        if clock.due_at <= NOW < clock.escalate_at:
            break
    else:
        raise RuntimeError("no dispatch moment puts a storm clock past due at NOW")
    moment = moment.astimezone(UTC)
    candidates = con.execute(
        "SELECT id, resolution_level FROM cases WHERE state = 'dispatched' AND "
        "resolution_next_at IS NOT NULL AND resolution_level < ? AND received_at < ? "
        "ORDER BY id", (sla.BREACHED, ts(moment))).fetchall()
    if len(candidates) < n:  # earlier storms on a reused database took them
        print(f"  (only {len(candidates):,} open dispatched cases left below breached)")
    chosen = sorted(rng.sample(candidates, min(n, len(candidates))))
    con.execute("BEGIN IMMEDIATE")
    con.executemany(
        "UPDATE cases SET consideration = 'urgent', consideration_days = ?, dispatched_at = ?,"
        " resolution_warn_at = ?, resolution_due_at = ?, resolution_escalate_at = ?,"
        " resolution_next_at = ?, updated_at = max(updated_at, ?), version = version + 1"
        " WHERE id = ?",
        [(STORM_DAYS, ts(moment), ts(clock.warn_at), ts(clock.due_at), ts(clock.escalate_at),
          ts(sla.next_at(clock, level)), ts(moment), cid) for cid, level in chosen])
    con.execute("COMMIT")
    return [cid for cid, _ in chosen], clock.due_at


def run(path: Path, cfg: Config, args: argparse.Namespace) -> list[str]:
    url = f"sqlite:///{path}"
    problems: list[str] = []
    if not path.exists():
        print(f"  new database {path}, {args.cases:,} cases")
        common.prepare(url, cfg)
        secs, notices = fill(path, cfg, args.cases, args.seed)
        print(f"  filled {args.cases:,} cases and {notices:,} past SLA notices in {secs:.1f} s "
              f"({common.rate(args.cases, secs):,.0f} cases/s, raw sqlite3 executemany)")
        problems += check_fill(url, cfg, args.cases)
        print("  check: case count, no clock due at NOW, no running clock on a closed case, "
              "100 clocks = sla.start_clock: " + ("ok" if not problems else "FAILED"))
    else:
        print(f"  reusing {path}")
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA synchronous=FULL")
    args.cases = describe(raw, path)
    engine = db.make_engine(url)
    recorder = Recorder(engine)
    try:
        problems += timings(engine, raw, recorder, cfg, args)
    finally:
        engine.dispose()
        raw.close()
    return problems


def timings(engine: sa.Engine, raw: sqlite3.Connection, recorder: Recorder, cfg: Config,
            args: argparse.Namespace) -> list[str]:
    problems: list[str] = []
    with recorder.recording() as statements:
        first, _, first_tx = timed_scan(engine, NOW)
    if first.as_dict() != {"warned": 0, "breached": 0, "escalated": 0}:
        problems.append(f"idle scan flagged {first.as_dict()}")
    if not any(ts(NOW) in params for _, params in statements):
        problems.append("the scan bound NOW differently from the fill's timestamps")
    scan_s, tx_s = [], []
    for _ in range(args.runs):
        result, s1, s2 = timed_scan(engine, NOW)
        scan_s.append(s1)
        tx_s.append(s2)
        if result.as_dict() != first.as_dict():
            problems.append(f"idle scan flagged {result.as_dict()}")
    raw_replay = [replay(raw, statements, commit=True) for _ in range(args.runs)]
    raw_counts = [counts(raw, NOW) for _ in range(args.runs)]
    t0 = time.perf_counter()
    raw.execute("SELECT count(*) FROM cases NOT INDEXED WHERE resolution_next_at <= ?",
                (ts(NOW),)).fetchone()
    full_scan = time.perf_counter() - t0
    med = statistics.median(tx_s)
    print(f"\n  idle: nothing to flag at {NOW.isoformat()} ({len(statements)} statements, "
          f"{args.runs} runs after one untimed)")
    print(f"    casework jobs.scan                 : median {ms(statistics.median(scan_s))}"
          f"   max {ms(max(scan_s))}")
    print(f"    casework db.transaction + scan     : median {ms(med)}   max {ms(max(tx_s))}"
          f"   (first run {ms(first_tx)})")
    print(f"    raw sqlite3, same statements + tx  : median "
          f"{ms(statistics.median(r[1] for r in raw_replay))}   max "
          f"{ms(max(r[1] for r in raw_replay))}")
    print(f"    raw sqlite3, 3 × count(*) next_at<=: median {ms(statistics.median(raw_counts))}"
          f"   max {ms(max(raw_counts))}")
    print(f"    (for scale: one count(*) NOT INDEXED, full table scan: {ms(full_scan)})")
    ratio = statistics.median(r[1] for r in raw_replay) / med
    print(f"    ratio raw/casework (same statements): {ratio:6.2f}  (casework's "
          f"{1000 * (med - statistics.median(r[1] for r in raw_replay)):.1f} ms more is Python: "
          "building the statements, SQLAlchemy's execution)")
    worst = 1000 * max(tx_s)
    print(f"    B4 target ≤ {TARGET_MS:.0f} ms: slowest of {args.runs} runs {worst:.2f} ms → "
          + ("meets target" if worst <= TARGET_MS else "ABOVE target"))
    print()
    problems += plans(raw, statements)

    n = args.breach if args.breach is not None else max(1, args.cases // 100)
    rng = random.Random(args.seed + 1)
    ids, due = storm(raw, cfg, n, rng)
    n = len(ids)
    notices_before = raw.execute("SELECT count(*) FROM notices").fetchone()[0]
    print(f"\n  storm: {n:,} dispatched cases ({100 * n / args.cases:.1f} %) fell due at "
          f"{due.isoformat()}, scanned at {NOW.isoformat()}")
    want = {"warned": 0, "breached": n, "escalated": 0}
    # Rolled-back rounds first (raw and casework interleaved), then the one that commits.
    raw_s: list[float] = []
    cw_s: list[float] = []
    each: list[list[float]] = [[] for _ in statements]
    for _ in range(args.storm_runs):
        timings_each: list[float] = []
        stmt_s, _, returned = replay(raw, statements, commit=False, each=timings_each)
        raw_s.append(stmt_s)
        for slot, t in zip(each, timings_each, strict=True):
            slot.append(t)
        if returned != n:
            problems.append(f"raw replay of the storm returned {returned} notices, expected {n}")
        result, secs = scan_rolled_back(engine, NOW)
        cw_s.append(secs)
        if result.as_dict() != want:
            problems.append(f"rolled-back storm scan gave {result.as_dict()}, expected {want}")
    with recorder.recording() as storm_statements:
        hit, hit_scan, hit_tx = timed_scan(engine, NOW)
    cw_s.append(hit_scan)
    again, again_scan, again_tx = timed_scan(engine, NOW)
    print(f"    casework jobs.scan                 : median {ms(statistics.median(cw_s))}   max "
          f"{ms(max(cw_s))}   ({args.storm_runs} rolled back, 1 committed)")
    print(f"    casework, committed run            : scan {ms(hit_scan)}   with commit "
          f"{ms(hit_tx)}   {hit.as_dict()}")
    print(f"    raw sqlite3, same statements       : median {ms(statistics.median(raw_s))}   max "
          f"{ms(max(raw_s))}   ({args.storm_runs} rolled back); ratio raw/casework "
          f"{statistics.median(raw_s) / statistics.median(cw_s):.2f}")
    print("      of which (raw, median): " + ", ".join(
        f"{label(sql).split(', ', 1)[1]} {1000 * statistics.median(t):.1f} ms"
        for (sql, _), t in zip(statements, each, strict=True) if statistics.median(t) >= 0.001))
    print(f"    casework, second scan, same moment : scan {ms(again_scan)}   with commit "
          f"{ms(again_tx)}   {again.as_dict()}")
    want = {"warned": 0, "breached": n, "escalated": 0}
    if hit.as_dict() != want:
        problems.append(f"storm scan gave {hit.as_dict()}, expected {want}")
    if any(again.as_dict().values()):
        problems.append(f"second scan gave {again.as_dict()}, expected nothing")
    added = raw.execute("SELECT count(*) FROM notices").fetchone()[0] - notices_before
    chosen = json.dumps(ids)
    queued = raw.execute(
        "SELECT count(*) FROM notices WHERE case_id IN (SELECT value FROM json_each(?)) AND "
        "created_at = ? AND clock = 'resolution' AND level = ? AND status = 'pending'",
        (chosen, ts(NOW), sla.BREACHED)).fetchone()[0]
    advanced = raw.execute(
        "SELECT count(*) FROM cases WHERE id IN (SELECT value FROM json_each(?)) AND "
        "resolution_level = ? AND resolution_next_at = resolution_escalate_at",
        (chosen, sla.BREACHED)).fetchone()[0]
    print(f"    check: {added:,} notices added ({queued:,} of them pending "
          f"breaches of the storm's cases), {advanced:,} cases now breached with escalation next: "
          + ("ok" if added == queued == advanced == n else "FAILED"))
    if not added == queued == advanced == n:
        problems.append(f"storm: {added} notices added, {queued} queued, {advanced} advanced,"
                        f" expected {n}")
    if len(storm_statements) != len(statements):
        problems.append("the storm scan issued other statements than the idle one")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.sla_scan", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=1_000_000,
                    help="cases in the database (default 1,000,000)")
    ap.add_argument("--db", metavar="PATH", help="SQLite file to create and keep "
                    "(default: a temporary folder, removed afterwards)")
    ap.add_argument("--reuse", action="store_true",
                    help="with --db: if the file exists, skip filling and time the scan on it")
    ap.add_argument("--runs", type=int, default=20, help="timed idle scans (default 20)")
    ap.add_argument("--breach", type=int, default=None,
                    help="cases falling due at once in the storm (default 1 %% of --cases)")
    ap.add_argument("--storm-runs", type=int, default=3,
                    help="rolled-back storm scans timed before the one that commits (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default=None, help="parent of the temporary folder")
    args = ap.parse_args(argv)
    if args.cases < 100 or args.runs < 1 or args.storm_runs < 1:
        ap.error("--cases must be at least 100, --runs and --storm-runs positive")
    path = Path(args.db) if args.db else None
    if path is not None and path.exists() and not args.reuse:
        ap.error(f"{path} exists: remove it, or pass --reuse to time the scan on it")
    cfg = common.load_config()
    print(f"B4 SLA scan on SQLite (WAL, synchronous=FULL), target ≤ {TARGET_MS:.0f} ms "
          "with nothing to flag")
    if path is not None:
        problems = run(path, cfg, args)
    else:
        with common.temp_dir(args.dir) as folder:
            problems = run(folder / "sla.db", cfg, args)
    for p in problems:
        print(f"  ERROR: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
