"""SLA: Thai working days, clocks, and the scanner that flags them exactly once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from casework import db, jobs, service, sla
from casework.models import Case, Notice
from casework.numbering import BANGKOK
from tests.cases import case_in
from tests.conftest import ENG_HEAD, ENG_STAFF, NOW

CAL = sla.ThaiCalendar()


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(("start", "n", "expected", "why"), [
    ("2026-03-06", 1, "2026-03-09", "Friday + 1 skips the weekend"),
    ("2026-04-10", 1, "2026-04-16", "Songkran: Mon 13 – Wed 15 April 2026 are off"),
    ("2026-04-09", 3, "2026-04-17", "Thu 9 → Fri 10, Thu 16, Fri 17 April"),
    ("2025-12-30", 1, "2026-01-05", "New Year's Eve, 1 Jan and the 2 Jan bridge holiday"),
    ("2026-12-04", 1, "2026-12-08", "5 Dec 2026 is a Saturday: Monday 7th is its substitute"),
    ("2025-04-11", 2, "2025-04-18", "Songkran 2025 (Sun–Tue) and its substitute Wednesday 16th"),
    ("2026-03-02", 0, "2026-03-02", "zero days is the start day itself"),
])
def test_working_days(start: str, n: int, expected: str, why: str) -> None:
    assert sla.add_working_days(d(start), n, CAL) == d(expected), why


def test_extra_holiday_from_config(cfg: Any) -> None:
    # holidays.toml adds 1 December 2026 (a Tuesday) as a municipal day off.
    assert sla.add_working_days(d("2026-11-30"), 1, CAL) == d("2026-12-01")
    assert sla.add_working_days(d("2026-11-30"), 1, cfg.calendar) == d("2026-12-02")


def test_urgent_three_days_against_normal_fifteen_working_days(cfg: Any) -> None:
    start = dt.datetime(2026, 4, 9, 2, 0, tzinfo=dt.UTC)  # Thursday 09:00 in Bangkok
    urgent = sla.start_clock(start, 3, "calendar", cfg.calendar, warn_share=0.75)
    normal = sla.start_clock(start, 15, "working", cfg.calendar, warn_share=0.75)
    assert urgent.due_at.astimezone(BANGKOK).date() == d("2026-04-12")  # Songkran ignored
    # 15 working days: 10, 16, 17, 20–24, 27–30 April, 1, 4, 5 May (Coronation Day is the 4th?)
    days = [d("2026-04-10") + dt.timedelta(days=i) for i in range(40)]
    working = [x for x in days if cfg.calendar.is_working_day(x)]
    assert normal.due_at.astimezone(BANGKOK).date() == working[14]
    assert d("2026-04-13") not in working and d("2026-04-14") not in working
    assert normal.due_at.astimezone(BANGKOK).time() == dt.time(23, 59, 59)


def test_clock_levels_and_escalation(cfg: Any) -> None:
    start = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    clock = sla.start_clock(start, 3, "calendar", cfg.calendar, warn_share=0.75,
                            escalate_after=3)
    assert clock.warn_at == start + (clock.due_at - start) * 0.75
    assert clock.level(start) == sla.RUNNING
    assert clock.level(clock.warn_at) == sla.WARNED
    assert clock.level(clock.due_at) == sla.BREACHED
    assert clock.escalate_at is not None
    # Due Thursday 5 March 23:59:59 local; three working days later: Tuesday 10 March.
    assert clock.escalate_at.astimezone(BANGKOK).date() == d("2026-03-10")
    assert clock.level(clock.escalate_at) == sla.ESCALATED


def _notices(engine: sa.Engine) -> list[Notice]:
    with db.reading(engine) as s:
        return list(s.exec(select(Notice).order_by(Notice.id)).all())  # type: ignore[arg-type]


def _scan(engine: sa.Engine, now: dt.datetime) -> dict[str, int]:
    with db.transaction(engine) as s:
        return jobs.scan(s, now).as_dict()


def test_dispatch_sets_clock_and_scan_flags_each_level_once(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched")  # urgent, 3 days, dispatched at NOW + 2 h
        cid = case.id
        assert case.resolution_due_at is not None and case.resolution_warn_at is not None
        assert case.resolution_next_at == case.resolution_warn_at
        assert case.ack_next_at is None  # acknowledged: the clock stopped
        due, warn = case.resolution_due_at, case.resolution_warn_at
        escalate = case.resolution_escalate_at
    assert escalate is not None
    assert _scan(engine, warn - dt.timedelta(seconds=1)) == {
        "warned": 0, "breached": 0, "escalated": 0}
    assert _scan(engine, warn) == {"warned": 1, "breached": 0, "escalated": 0}
    assert _scan(engine, warn + dt.timedelta(minutes=1)) == {
        "warned": 0, "breached": 0, "escalated": 0}
    assert _scan(engine, due) == {"warned": 0, "breached": 1, "escalated": 0}
    assert _scan(engine, due) == {"warned": 0, "breached": 0, "escalated": 0}
    assert _scan(engine, escalate + dt.timedelta(hours=1)) == {
        "warned": 0, "breached": 0, "escalated": 1}
    assert _scan(engine, escalate + dt.timedelta(days=1)) == {
        "warned": 0, "breached": 0, "escalated": 0}
    sent = [(n.kind, n.clock, n.level, n.audience) for n in _notices(engine) if n.kind == "sla"]
    assert sent == [("sla", "resolution", 1, "department"),
                    ("sla", "resolution", 2, "supervisors"),
                    ("sla", "resolution", 3, "center")]
    with db.reading(engine) as s:
        row = s.get(Case, cid)
        assert row is not None
        assert (row.resolution_level, row.resolution_next_at) == (sla.ESCALATED, None)


def test_a_late_scan_skips_the_overtaken_warning(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched")
        due = case.resolution_due_at
    assert due is not None
    assert _scan(engine, due + dt.timedelta(hours=1)) == {
        "warned": 0, "breached": 1, "escalated": 0}
    # The reply clock (15 days) warned as well? No: the citizen got a public answer?
    kinds = {(n.clock, n.level) for n in _notices(engine) if n.kind == "sla"}
    assert kinds == {("resolution", 2)}


def test_completing_stops_the_clock(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched")
        due = case.resolution_due_at
        service.act(s, cfg, case, "complete", by=ENG_STAFF, now=NOW + dt.timedelta(hours=5),
                    note="ซ่อมแล้ว")
        assert case.resolution_next_at is None and case.reply_next_at is None
        assert case.replied_at == NOW + dt.timedelta(hours=5)
    assert due is not None
    assert _scan(engine, due + dt.timedelta(days=20)) == {
        "warned": 0, "breached": 0, "escalated": 0}


def test_inbox_clocks_acknowledge_and_first_reply(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "not_received")
        ack_due, reply_due = case.ack_due_at, case.reply_due_at
    assert ack_due is not None and reply_due is not None
    # Filed Monday 10:00: acknowledge by the end of Tuesday (1 working day).
    assert ack_due.astimezone(BANGKOK).date() == d("2026-03-04")  # Tue 3 Mar is Makha Bucha
    assert _scan(engine, ack_due) == {"warned": 0, "breached": 1, "escalated": 0}
    assert _scan(engine, reply_due) == {"warned": 0, "breached": 1, "escalated": 0}
    got = [(n.clock, n.level, n.audience) for n in _notices(engine)]
    assert got == [("ack", 2, "center"), ("reply", 2, "holder_supervisors")]


def test_reassign_restarts_the_clock_with_new_notices(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched")
        first_due = case.resolution_due_at
    assert first_due is not None
    assert _scan(engine, first_due)["breached"] == 1
    later = first_due + dt.timedelta(hours=1)
    with db.transaction(engine) as s:
        case = s.get(Case, case.id)
        assert case is not None
        service.act(s, cfg, case, "reassign", by=ENG_HEAD, now=later,
                    department="public_health", reason="เป็นงานของสาธารณสุข")
        assert case.resolution_level == 0 and case.sla_round == 2
        second_due = case.resolution_due_at
    assert second_due is not None and second_due > first_due
    assert _scan(engine, later)["breached"] == 0
    assert _scan(engine, second_due)["breached"] == 1
    keys = [n.key for n in _notices(engine) if n.level == 2 and n.clock == "resolution"]
    assert len(keys) == 2 and len(set(keys)) == 2


def test_transitions_write_their_notices(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case_in(s, cfg, "completed", email="somchai@example.org", copy_to_email=True)
        case_in(s, cfg, "dispatched")  # no email: the citizen gets nothing
    got = [(n.kind, n.audience, (n.data or {}).get("trigger")) for n in _notices(engine)]
    assert got == [
        ("ack", "citizen", None),
        ("status", "citizen", "receive"),
        ("assignment", "department", None),
        ("status", "citizen", "dispatch"),
        ("status", "citizen", "complete"),
        ("survey", "citizen", None),
        ("assignment", "department", None),
    ]


def test_digest_lists_the_scope_once_a_day(engine: sa.Engine, cfg: Any) -> None:
    from casework import users
    with db.transaction(engine) as s:
        users.create_user(s, cfg, "enghead", "supervisor", department="engineering",
                          email="eng-head@example.org", password="x" * 12)
        users.create_user(s, cfg, "centerhead", "supervisor", email="head@example.org",
                          password="x" * 12)
        users.create_user(s, cfg, "healthhead", "supervisor", department="public_health",
                          email="health-head@example.org", password="x" * 12)
        late = case_in(s, cfg, "dispatched")
        case_in(s, cfg, "dispatched", now=NOW + dt.timedelta(days=20))  # not yet due
        due = late.resolution_due_at
    assert due is not None
    morning = due + dt.timedelta(hours=9)
    with db.transaction(engine) as s:
        assert jobs.digest(s, cfg, morning) == 2  # engineering head and center head
    with db.transaction(engine) as s:
        assert jobs.digest(s, cfg, morning + dt.timedelta(hours=2)) == 0
    digests = {n.username: n.data for n in _notices(engine) if n.kind == "digest"}
    assert set(digests) == {"enghead", "centerhead"}
    items = digests["enghead"]["items"]  # type: ignore[index]
    assert [i["number"] for i in items] == [late.number]
    assert items[0]["level"] == sla.BREACHED


def test_scan_by_two_processes_at_once_queues_each_notice_once(db_url: str, cfg: Any) -> None:
    import multiprocessing as mp

    from tests.workers import run_scan

    engine = db.make_engine(db_url)
    with db.transaction(engine) as s:
        dues = [case_in(s, cfg, "dispatched").resolution_due_at for _ in range(40)]
    when = max(d for d in dues if d is not None)
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(run_scan, [(db_url, when.isoformat())] * 4)
    assert sum(r["breached"] for r in results) == 40
    assert len([n for n in _notices(engine) if n.kind == "sla"]) == 40
    engine.dispose()
