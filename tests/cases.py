"""Building cases in a given state through the service layer, for tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from casework import service
from casework.config import Config
from casework.models import Case
from tests.conftest import COMPLAINT, ENG_STAFF, NOW, OFFICER

# The path from a new case to each state, as (trigger, actor, data).
PATHS: dict[str, list[tuple[str, Any, dict[str, Any]]]] = {
    "not_received": [],
    "received": [("receive", OFFICER, {})],
    "dispatched": [("receive", OFFICER, {}),
                   ("dispatch", OFFICER, {"consideration": "urgent", "days": 3})],
    "completed": [("receive", OFFICER, {}),
                  ("dispatch", OFFICER, {"consideration": "normal"}),
                  ("complete", ENG_STAFF, {"note": "เปลี่ยนหลอดไฟแล้ว"})],
    "rejected": [("reject", OFFICER, {"reason": "spam"})],
    "referred": [("refer", OFFICER, {"agency": "การไฟฟ้าส่วนภูมิภาค",
                                     "note": "ส่งเรื่องให้ กฟภ. ดำเนินการ"})],
}


def case_in(session: Session, cfg: Config, state: str, now: dt.datetime = NOW,
            **overrides: Any) -> Case:
    case = service.file_case(session, cfg, {**COMPLAINT, **overrides}, now=now)
    for i, (trigger, actor, data) in enumerate(PATHS[state]):
        service.act(session, cfg, case, trigger, by=actor, now=now + dt.timedelta(hours=i + 1),
                    **data)
    assert case.state == state
    return case
