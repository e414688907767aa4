"""The staff's lists: the triage inbox, a department's queue by due date with SLA
badges and keyset paging, and duplicate candidates; corruption cases only for integrity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from casework import db, queues, service
from tests.cases import case_in
from tests.conftest import COMPLAINT, ENG_STAFF, INTEGRITY, NOW, OFFICER


def test_inbox_oldest_first_and_paged(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        made = [case_in(s, cfg, "not_received", now=NOW + dt.timedelta(minutes=i)).number
                for i in range(7)]
        case_in(s, cfg, "received", now=NOW + dt.timedelta(minutes=10))
        case_in(s, cfg, "dispatched", now=NOW - dt.timedelta(days=1))  # not in the inbox
        service.file_case(s, cfg, {**COMPLAINT, "category": "corruption"}, now=NOW)
    seen: list[str] = []
    cursor = None
    with db.reading(engine) as s:
        while True:
            page = queues.inbox(s, OFFICER, NOW + dt.timedelta(hours=1), cursor=cursor, limit=3)
            seen += [r.case.number for r in page.rows]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen[:7] == made and len(seen) == 8
        sealed = queues.inbox(s, INTEGRITY, NOW)
        assert [r.case.category_code for r in sealed.rows] == ["corruption"]
        late = queues.inbox(s, OFFICER, NOW + dt.timedelta(days=5))
        assert {r.badge for r in late.rows} == {"overdue"}


def test_department_queue_by_due_date_with_badges(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        normal = case_in(s, cfg, "completed")  # closed: not listed
        cases = []
        for days in (7, 1, 3, 5):
            c = case_in(s, cfg, "received")
            service.act(s, cfg, c, "dispatch", by=OFFICER, now=NOW + dt.timedelta(hours=3),
                        consideration="urgent", days=days)
            cases.append((days, c.number))
        other = case_in(s, cfg, "received", category="drainage")
        service.act(s, cfg, other, "dispatch", by=OFFICER, now=NOW + dt.timedelta(hours=3),
                    consideration="urgent", days=1, department="public_health")
    expected = [n for _, n in sorted(cases)]
    at = NOW + dt.timedelta(days=3)  # Thursday 10:00: 1 day overdue; 3 days due soon
    with db.reading(engine) as s:
        page = queues.department_queue(s, ENG_STAFF, "engineering", at, limit=2)
        assert [r.case.number for r in page.rows] == expected[:2]
        rest = queues.department_queue(s, ENG_STAFF, "engineering", at, cursor=page.next_cursor)
        assert [r.case.number for r in rest.rows] == expected[2:]
        assert rest.next_cursor is None
        badges = [r.badge for r in page.rows + rest.rows]
        assert badges == ["overdue", "due_soon", "on_time", "on_time"]
        only = queues.department_queue(s, ENG_STAFF, "engineering", at, badge_filter="overdue")
        assert [r.case.number for r in only.rows] == expected[:1]
        assert normal.number not in [r.case.number for r in page.rows + rest.rows]


def test_duplicates_found_by_similar_thai_text(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        first = case_in(s, cfg, "received", details="ไฟฟ้าส่องสว่างดับทั้งซอยเทพารักษ์ 11 มาสามคืนแล้ว",
                        location_text="ซอยเทพารักษ์ 11")
        again = case_in(s, cfg, "not_received", now=NOW + dt.timedelta(days=2),
                        details="ไฟ ดับทั้ง ซอยเทพารักษ์๑๑ สามคืนแล้วค่ะ",
                        location_text="ซ.เทพารักษ์ 11")
        case_in(s, cfg, "not_received", details="ไฟถนนหน้าโรงเรียนกระพริบตลอดคืน")
        old = case_in(s, cfg, "received", now=NOW - dt.timedelta(days=60),
                      details="ไฟฟ้าส่องสว่างดับทั้งซอยเทพารักษ์ 11 มาสามคืนแล้ว")
        found = queues.duplicates(s, again)
    assert [c.number for c, _ in found] == [first.number]
    assert old.number not in [c.number for c, _ in found]
