"""Code that runs in separate processes during concurrency and durability tests
(several app instances on one database). Also runnable: `python -m tests.workers burst URL`."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from casework import config as config_mod
from casework import db, queries, service
from casework.actors import Actor
from casework.errors import CaseworkError
from tests.conftest import COMPLAINT, CONFIG_DIR, NOW, OFFICER

CATEGORIES = ("lighting", "drainage")


def file_many(url: str, worker: int, n: int, start: Any) -> list[tuple[str, str]]:
    """File n cases, one transaction each, alternating categories; return (number, code)."""
    cfg = config_mod.load(CONFIG_DIR)
    engine = db.make_engine(url)
    start.wait()
    out = []
    for i in range(n):
        data = {**COMPLAINT, "category": CATEGORIES[i % 2],
                "details": f"ท่อระบายน้ำตัน จุดที่ {worker}-{i}"}
        with db.transaction(engine) as s:
            case = service.file_case(s, cfg, data, now=NOW)
        out.append((case.number, case.tracking_code))
    engine.dispose()
    return out


def race(url: str, number: str, trigger: str, start: Any) -> str:
    """Try one action on a case at the same moment as others; say who won."""
    cfg = config_mod.load(CONFIG_DIR)
    engine = db.make_engine(url)
    data: dict[str, Any] = ({"reason": "spam"} if trigger == "reject" else
                            {"agency": "การไฟฟ้าส่วนภูมิภาค", "note": "ส่งต่อ กฟภ."})
    start.wait()
    try:
        with db.transaction(engine) as s:
            case = queries.case_by_number(s, number)
            service.act(s, cfg, case, trigger, by=OFFICER, now=NOW + dt.timedelta(hours=1),
                        **data)
        return "won:" + trigger
    except CaseworkError as exc:
        return type(exc).__name__
    finally:
        engine.dispose()


def burst(url: str) -> None:
    """File cases until killed; print each one's tracking code once it is committed."""
    cfg = config_mod.load(CONFIG_DIR)
    engine = db.make_engine(url)
    officer = Actor("officer1", "officer")
    i = 0
    while True:
        i += 1
        data = {**COMPLAINT, "details": f"เรื่องที่ {i} ไฟฟ้าดับ", "channel": "phone"}
        with db.transaction(engine) as s:
            case = service.file_case(s, cfg, data, now=dt.datetime.now(dt.UTC), by=officer)
        print(case.tracking_code, flush=True)  # acknowledged only after commit


if __name__ == "__main__":
    if sys.argv[1] == "burst":
        burst(sys.argv[2])


def run_scan(url: str, when: str) -> dict[str, int]:
    """One SLA scan at `when`, as another app instance would run it."""
    from casework import jobs

    engine = db.make_engine(url)
    try:
        with db.transaction(engine) as s:
            return jobs.scan(s, dt.datetime.fromisoformat(when)).as_dict()
    finally:
        engine.dispose()
