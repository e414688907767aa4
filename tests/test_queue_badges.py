"""The department queue and the dashboard's counts work SLA badges out in SQL (a page is
read often): they must agree with queues.badge(), the Python reckoning, at every moment
of a clock's life, and the badge filters must split the queue into exactly those badges."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from casework import db, queues, service
from casework.models import Case
from tests.cases import case_in
from tests.conftest import ENG_STAFF, NOW, OFFICER


def test_sql_badges_agree_with_python_at_every_moment(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        for days in (1, 2, 3, 5, 7):
            c = case_in(s, cfg, "received")
            service.act(s, cfg, c, "dispatch", by=OFFICER, now=NOW + dt.timedelta(hours=2),
                        consideration="urgent", days=days)
        c = case_in(s, cfg, "received")
        service.act(s, cfg, c, "dispatch", by=OFFICER, now=NOW, consideration="normal")
    seen = set()
    for hours in range(0, 24 * 40, 7):
        at = NOW + dt.timedelta(hours=hours)
        with db.reading(engine) as s:
            page = queues.department_queue(s, ENG_STAFF, "engineering", at)
            full = {c.id: c for c in s.scalars(sa.select(Case))}
            for row in page.rows:
                assert row.badge == queues.badge(full[row.case.id], at), (hours, row.case.number)
                seen.add(row.badge)
            by_filter = {b: {r.case.id for r in queues.department_queue(
                s, ENG_STAFF, "engineering", at, badge_filter=b).rows} for b in queues.BADGES}
            counts = queues.sla_counts(s, ENG_STAFF, at)["engineering"]
        assert counts == {"open": len(page.rows),
                          **{b: sum(r.badge == b for r in page.rows) for b in queues.BADGES}}
        for b in queues.BADGES:
            assert by_filter[b] == {r.case.id for r in page.rows if r.badge == b}, (hours, b)
    assert seen == set(queues.BADGES)


def test_consideration_filter_and_cursor_together(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        for i, kind in enumerate(("urgent", "normal", "urgent", "survey", "urgent")):
            c = case_in(s, cfg, "received")
            service.act(s, cfg, c, "dispatch", by=OFFICER, now=NOW + dt.timedelta(hours=i),
                        consideration=kind, days=3 if kind == "urgent" else None)
    with db.reading(engine) as s:
        first = queues.department_queue(s, ENG_STAFF, "engineering", NOW, limit=2,
                                        consideration="urgent")
        rest = queues.department_queue(s, ENG_STAFF, "engineering", NOW, limit=2,
                                       consideration="urgent", cursor=first.next_cursor)
    got = [r.case.consideration for r in first.rows + rest.rows]
    assert got == ["urgent"] * 3 and rest.next_cursor is None
