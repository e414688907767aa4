"""Fiscal years, Buddhist-era dates, case numbers and tracking codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from casework import db, numbering, service
from tests.conftest import COMPLAINT, OFFICER

BKK = numbering.BANGKOK


@pytest.mark.parametrize(("local_time", "fy"), [
    (dt.datetime(2020, 9, 30, 23, 30, tzinfo=BKK), 2563),
    (dt.datetime(2020, 10, 1, 0, 30, tzinfo=BKK), 2564),
    (dt.datetime(2020, 10, 8, 9, 0, tzinfo=BKK), 2564),   # the published ฟ./020, 08 ต.ค. 2563
    (dt.datetime(2021, 9, 30, 23, 59, tzinfo=BKK), 2564),
    (dt.datetime(2026, 1, 1, 0, 0, tzinfo=BKK), 2569),
])
def test_fiscal_year(local_time: dt.datetime, fy: int) -> None:
    assert numbering.fiscal_year(local_time.astimezone(dt.UTC)) == fy


def test_fiscal_year_is_decided_in_bangkok_time() -> None:
    # 30 Sep 17:30 UTC is already 1 Oct 00:30 in Bangkok
    assert numbering.fiscal_year(dt.datetime(2020, 9, 30, 17, 30, tzinfo=dt.UTC)) == 2564
    assert numbering.fiscal_year(dt.datetime(2020, 9, 30, 16, 30, tzinfo=dt.UTC)) == 2563
    start, end = numbering.fiscal_year_bounds(2564)
    assert start == dt.datetime(2020, 9, 30, 17, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2021, 9, 30, 17, 0, tzinfo=dt.UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        numbering.fiscal_year(dt.datetime(2020, 10, 1))


@pytest.mark.parametrize(("moment", "text"), [
    (dt.datetime(2020, 10, 8, 1, 0, tzinfo=dt.UTC), "08 ต.ค. 2563"),
    (dt.datetime(2020, 10, 7, 18, 0, tzinfo=dt.UTC), "08 ต.ค. 2563"),  # 01:00 in Bangkok
    (dt.datetime(2025, 1, 15, 5, 0, tzinfo=dt.UTC), "15 ม.ค. 2568"),
    (dt.datetime(2024, 4, 13, 5, 0, tzinfo=dt.UTC), "13 เม.ย. 2567"),
    (dt.date(2026, 12, 31), "31 ธ.ค. 2569"),
])
def test_thai_dates(moment: Any, text: str) -> None:
    assert numbering.thai_date(moment) == text


def test_number_format_and_parse() -> None:
    assert numbering.format_number("ฟ.", 20) == "ฟ./020"
    assert numbering.format_number("อ.ท.", 1) == "อ.ท./001"
    assert numbering.format_number("ท.", 1234) == "ท./1234"
    assert numbering.parse_number(" ทจ./007 ") == ("ทจ.", 7)
    for bad in ("020", "ฟ./", "/020", "ฟ./abc"):
        with pytest.raises(ValueError):
            numbering.parse_number(bad)


def test_tracking_codes_avoid_ambiguous_characters() -> None:
    codes = {numbering.new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 10 and not set(c) & set("01OILZ25SB8") for c in codes)


def test_numbers_run_per_prefix_and_restart_each_fiscal_year(engine: sa.Engine, cfg: Any) -> None:
    last_day = dt.datetime(2020, 9, 30, 23, 30, tzinfo=BKK).astimezone(dt.UTC)
    first_day = dt.datetime(2020, 10, 1, 0, 30, tzinfo=BKK).astimezone(dt.UTC)
    with db.transaction(engine) as s:
        got = [
            service.file_case(s, cfg, {**COMPLAINT, "category": cat}, now=when)
            for when, cat in [(last_day, "lighting"), (last_day, "lighting"),
                              (last_day, "drainage"), (first_day, "lighting"),
                              (first_day, None)]
        ]
    assert [(c.fiscal_year, c.number) for c in got] == [
        (2563, "ฟ./001"), (2563, "ฟ./002"), (2563, "ท./001"), (2564, "ฟ./001"),
        (2564, "อ.ท./001"),
    ]
    with db.transaction(engine) as s:  # recategorising never changes the number
        case = s.merge(got[0])
        service.act(s, cfg, case, "receive", by=OFFICER, now=first_day, category="road")
        assert (case.number, case.category_code, case.filed_category_code) == (
            "ฟ./001", "road", "lighting")
