"""SLA compliance for any window (the supervisor's dashboard: this month, this fiscal
year) counted by the database must equal what stats.compute counts row by row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from casework import db, demo, numbering, stats
from tests.conftest import NOW


def test_window_compliance_equals_the_period_statistics(engine: sa.Engine, cfg: Any) -> None:
    demo.populate(lambda: db.transaction(engine), cfg, 150, now=NOW, seed=7)
    period = stats.Period(numbering.fiscal_year(NOW))
    for later in (0, 3, 40):
        at = NOW + dt.timedelta(days=later)
        with db.reading(engine) as s:
            whole = stats.compute(s, period, at).compliance
            window = stats.compliance(s, *period.bounds, at)
            engineering = stats.compliance(s, *period.bounds, at, department="engineering")
        assert window == whole
        eng, every = engineering["resolution"], window["resolution"]
        assert 0 < eng.met + eng.breached + eng.running < every.met + every.breached + every.running


def test_month_bounds_in_bangkok_time() -> None:
    # 31 Dec 2025, 20:00 UTC is already 1 January 2026 in Bangkok
    start, end = stats.month_bounds(dt.datetime(2025, 12, 31, 20, 0, tzinfo=dt.UTC))
    assert start == dt.datetime(2026, 1, 1, tzinfo=numbering.BANGKOK)
    assert end == dt.datetime(2026, 2, 1, tzinfo=numbering.BANGKOK)
    start, end = stats.month_bounds(dt.datetime(2025, 12, 15, tzinfo=dt.UTC))
    assert start == dt.datetime(2025, 12, 1, tzinfo=numbering.BANGKOK)
    assert end == dt.datetime(2026, 1, 1, tzinfo=numbering.BANGKOK)
