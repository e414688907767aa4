"""Several processes (like several app instances) on one real database: numbering
stays unique and gap-free, one action wins a race, and nothing acknowledged is lost."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from casework import db, queries, service
from casework.errors import Conflict, NotAllowed
from casework.models import Case
from tests import workers
from tests.conftest import COMPLAINT, NOW, OFFICER

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
SPAWN = multiprocessing.get_context("spawn")


def test_concurrent_filing_gives_unique_gap_free_numbers(db_url: str) -> None:
    procs, per_proc = 4, 30
    with SPAWN.Manager() as manager:
        start = manager.Event()
        with SPAWN.Pool(procs) as pool:
            jobs = [pool.apply_async(workers.file_many, (db_url, w, per_proc, start))
                    for w in range(procs)]
            start.set()
            results = [j.get(timeout=300) for j in jobs]
    filed = [n for r in results for n, _code in r]
    assert len(filed) == len(set(filed)) == procs * per_proc
    engine = db.make_engine(db_url)
    with db.reading(engine) as s:
        rows = s.exec(select(Case.prefix, Case.seq, Case.number, Case.tracking_code)).all()
    engine.dispose()
    by_prefix: dict[str, list[int]] = {}
    for prefix, seq, _number, _code in rows:
        by_prefix.setdefault(prefix, []).append(seq)
    half = procs * per_proc // 2
    assert {p: sorted(v) for p, v in by_prefix.items()} == {
        "ฟ.": list(range(1, half + 1)), "ท.": list(range(1, half + 1))}
    assert sorted(r[2] for r in rows) == sorted(filed)
    assert len({r[3] for r in rows}) == len(rows)  # tracking codes unique too


@pytest.mark.parametrize("rounds", [6])
def test_concurrent_transitions_one_winner(db_url: str, cfg: Any, rounds: int) -> None:
    engine = db.make_engine(db_url)
    numbers = []
    with db.transaction(engine) as s:
        for _ in range(rounds):
            numbers.append(service.file_case(s, cfg, COMPLAINT, now=NOW).number)
    procs = 4
    # reject and refer both close the case: after one, the other is impossible.
    triggers = ["reject", "refer"] * (procs // 2)
    with SPAWN.Manager() as manager, SPAWN.Pool(procs) as pool:
        for number in numbers:
            start = manager.Event()
            jobs = [pool.apply_async(workers.race, (db_url, number, t, start)) for t in triggers]
            start.set()
            outcomes = Counter(j.get(timeout=120) for j in jobs)
            winners = [o for o in outcomes if o.startswith("won:")]
            assert sum(outcomes[w] for w in winners) == 1, outcomes
            assert set(outcomes) - set(winners) <= {"Conflict", "NotAllowed"}, outcomes
            with db.reading(engine) as s:
                case = queries.case_by_number(s, number)
                evts = queries.events(s, case.id)
            won = winners[0].split(":")[1]
            assert [e.trigger for e in evts] == ["file", won]
            assert case.state == {"refer": "referred", "reject": "rejected"}[won]
            assert case.version == 2
    engine.dispose()


def test_threads_racing_on_one_case(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = service.file_case(s, cfg, COMPLAINT, now=NOW)
        number, version = case.number, case.version
    barrier = threading.Barrier(6)
    results: list[str] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            with db.transaction(engine) as s:
                c = queries.case_by_number(s, number)
                service.act(s, cfg, c, "receive", by=OFFICER, now=NOW,
                            expected_version=version, note=f"รับเรื่อง {i}")
            results.append("won")
        except (Conflict, NotAllowed) as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1, results
    with db.reading(engine) as s:
        c = queries.case_by_number(s, number)
        assert [e.trigger for e in queries.events(s, c.id)] == ["file", "receive"]


def test_kill_9_during_filing_burst_loses_nothing_acknowledged(db_url: str) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "tests.workers", "burst", db_url],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    acknowledged = []
    assert proc.stdout is not None
    try:
        while len(acknowledged) < 150:
            line = proc.stdout.readline()
            if not line:
                break
            acknowledged.append(line.strip())
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert len(acknowledged) == 150, "the filing process stopped early"
    engine = db.make_engine(db_url)
    with db.reading(engine) as s:
        stored = set(s.exec(select(Case.tracking_code)).all())
    engine.dispose()
    missing = [code for code in acknowledged if code not in stored]
    assert missing == []
