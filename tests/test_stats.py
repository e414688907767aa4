"""Statistics on a generated data set, checked against figures recomputed here, one
case at a time, from the raw event log (not from the case columns stats.py reads)."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import Counter, defaultdict
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from casework import db, demo, feedback, stats
from casework.models import Case, CaseEvent
from casework.numbering import BANGKOK

NOW = dt.datetime(2026, 9, 20, 3, 0, tzinfo=dt.UTC)  # late in fiscal year 2569


@pytest.fixture
def generated(engine: sa.Engine, cfg: Any) -> sa.Engine:
    demo.populate(lambda: db.transaction(engine), cfg, 400, now=NOW, seed=7)
    rng = random.Random(3)
    with db.transaction(engine) as s:
        done = s.exec(select(Case).where(Case.state == "completed")).all()
        for case in done:
            if rng.random() < 0.6 and feedback.get(s, case.id or 0) is None:
                feedback.rate(s, case, rng.choice([1, 3, 4, 4, 5, 5]), "ขอบคุณครับ",
                              now=NOW)
    return engine


def _from_events(engine: sa.Engine, cfg: Any, start: dt.datetime,
                 end: dt.datetime) -> dict[str, Any]:
    """The same figures, derived from case_events only."""
    with db.reading(engine) as s:
        events = s.exec(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.id)).all()
    by_case: dict[int, list[CaseEvent]] = defaultdict(list)
    for e in events:
        by_case[e.case_id].append(e)
    out: dict[str, Any] = {"state": Counter(), "department": Counter(), "category": Counter(),
                           "channel": Counter(), "month": Counter(), "receive": [],
                           "dispatch": [], "complete": [], "completed": 0, "reopened": 0,
                           "resolution": Counter(), "corruption": 0, "ids": []}
    for case_id, evs in by_case.items():
        filed = evs[0]
        assert filed.trigger == "file"
        if not start <= filed.at < end:
            continue
        category, dept, due = filed.data["category"], None, None
        received = dispatched = completed = None
        for e in evs[1:]:
            category = e.data.get("category", category) if e.trigger == "receive" else category
            if e.trigger in ("dispatch", "reassign"):
                dept = e.data["department"]
            if e.trigger == "return_to_center":
                dept = None
            if e.trigger in ("dispatch", "reassign", "reopen"):
                due = dt.datetime.fromisoformat(e.data["due"])
            if e.trigger == "receive" and received is None:
                received = e.at
            if e.trigger == "dispatch":
                dispatched = e.at
            completed = e.at if e.trigger == "complete" else (
                None if e.trigger == "reopen" else completed)
        if cfg.categories[category].track == "corruption":
            out["corruption"] += 1
            continue
        state = evs[-1].to_state
        out["ids"].append(case_id)
        out["state"][state] += 1
        out["department"][dept or "center"] += 1
        out["category"][category] += 1
        out["channel"][filed.data["channel"]] += 1
        out["month"][filed.at.astimezone(BANGKOK).strftime("%Y-%m")] += 1
        for name, at in (("receive", received), ("dispatch", dispatched),
                         ("complete", completed)):
            if at is not None:
                out[name].append((at - filed.at).total_seconds() / 3600)
        ever_completed = any(e.trigger == "complete" for e in evs)
        out["completed"] += ever_completed
        out["reopened"] += any(e.trigger == "reopen" for e in evs)
        if due is not None and dispatched is not None:
            if completed is not None:
                out["resolution"]["met" if completed <= due else "breached"] += 1
            else:
                out["resolution"]["breached" if NOW > due else "running"] += 1
    return out


@pytest.mark.parametrize("months", [12, 6])
def test_statistics_match_the_event_log(generated: sa.Engine, cfg: Any, months: int) -> None:
    period = stats.Period(2569, months)
    with db.reading(generated) as s:
        got = stats.compute(s, period, NOW)
    start, end = period.bounds
    want = _from_events(generated, cfg, start, end)
    assert got.total == sum(want["state"].values()) > 50
    assert got.by_state == dict(want["state"])
    assert got.by_department == dict(want["department"])
    assert got.by_category == dict(want["category"])
    assert got.by_channel == dict(want["channel"])
    assert {k: v for k, v in got.by_month.items() if v} == dict(want["month"])
    assert len(got.by_month) == months
    for name in ("receive", "dispatch", "complete"):
        hours = sorted(want[name])
        assert got.times[name].count == len(hours)
        if hours:
            assert got.times[name].median_hours == pytest.approx(statistics.median(hours),
                                                                 abs=0.01)
            p90 = statistics.quantiles(hours, n=10, method="inclusive")[-1] if len(hours) > 1 \
                else hours[0]
            # nearest-rank p90 lies within one step of the interpolated one
            assert min(hours) <= got.times[name].p90_hours <= max(hours)  # type: ignore[operator]
            assert abs(got.times[name].p90_hours - p90) <= (  # type: ignore[operator]
                max(hours) - min(hours)) / 2
    res = got.compliance["resolution"]
    assert (res.met, res.breached, res.running) == (
        want["resolution"]["met"], want["resolution"]["breached"], want["resolution"]["running"])
    assert got.completed == want["completed"] and got.reopened == want["reopened"]
    assert got.corruption_total == want["corruption"]


def test_satisfaction_figures(generated: sa.Engine) -> None:
    with db.reading(generated) as s:
        got = stats.compute(s, stats.Period(2569), NOW)
        rows = s.connection().execute(sa.text(
            "SELECT f.rating FROM feedback f JOIN cases c ON c.id = f.case_id "
            "WHERE c.track = 'general' AND c.filed_at >= :a AND c.filed_at < :b"),
            {"a": stats.Period(2569).bounds[0].replace(tzinfo=None),
             "b": stats.Period(2569).bounds[1].replace(tzinfo=None)}).all()
    ratings = [r[0] for r in rows if r[0] is not None]
    assert got.responses == len(ratings) > 10
    assert got.mean_rating == round(sum(ratings) / len(ratings), 2)
    assert got.ratings == dict(sorted(Counter(ratings).items()))
    assert got.response_rate == round(len(ratings) / got.completed, 4)


def test_periods() -> None:
    six = stats.Period(2569, 6)
    start, end = six.bounds
    assert start.astimezone(BANGKOK).date() == dt.date(2025, 10, 1)
    assert end.astimezone(BANGKOK).date() == dt.date(2026, 4, 1)
    assert six.months_list()[0] == "2025-10" and six.months_list()[-1] == "2026-03"
    with pytest.raises(ValueError):
        stats.Period(2569, 7)
