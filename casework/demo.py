"""Synthetic demo data: staff accounts for every role and realistic Thai cases spread
over states, departments and the last two fiscal years. Goes through the service
layer, so every case has a proper number and history."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from casework import feedback, numbering, service, users
from casework.actors import Actor
from casework.config import Config
from casework.demo_data import DemoComplaint, synthetic_complaints
from casework.models import Case, Notice, User

DEMO_PASSWORD = "casework-demo"
DEMO_MAIL_DOMAIN = "example.org"  # reserved for examples (RFC 2606): no real mailbox
# username, role, department, full name
DEMO_USERS = (
    ("officer", "officer", None, "เจ้าหน้าที่ศูนย์รับเรื่อง"),
    ("engineer", "staff", "engineering", "เจ้าหน้าที่สำนักการช่าง"),
    ("eng_head", "supervisor", "engineering", "ผู้อำนวยการสำนักการช่าง"),
    ("health", "staff", "public_health", "เจ้าหน้าที่สำนักการสาธารณสุขฯ"),
    ("center_head", "supervisor", None, "หัวหน้าศูนย์รับเรื่องร้องทุกข์"),
    ("integrity", "integrity", None, "เจ้าหน้าที่ป้องกันการทุจริต"),
    ("admin", "admin", None, "ผู้ดูแลระบบ"),
)
AGENCIES = ("การไฟฟ้าส่วนภูมิภาค จังหวัดขอนแก่น", "การประปาส่วนภูมิภาค สาขาขอนแก่น",
            "สถานีตำรวจภูธรเมืองขอนแก่น", "แขวงทางหลวงขอนแก่นที่ 1")
PROGRESS = ("ลงพื้นที่สำรวจแล้ว อยู่ระหว่างจัดหาวัสดุ", "นัดหมายผู้ร้องเพื่อตรวจสอบพื้นที่",
            "อยู่ระหว่างดำเนินการ คาดว่าแล้วเสร็จภายในสัปดาห์นี้")
DONE = ("ดำเนินการแก้ไขเรียบร้อยแล้ว", "ซ่อมแซมแล้วเสร็จ ตรวจสอบแล้วใช้งานได้ปกติ",
        "เจ้าหน้าที่เข้าดำเนินการแล้ว และแจ้งผู้ร้องทราบแล้ว")


def ensure_users(session: Session, cfg: Config) -> list[tuple[str, str, str | None, bool]]:
    """Create the demo accounts that do not exist yet; (name, role, dept, created)."""
    out = []
    for name, role, dept, full in DEMO_USERS:
        exists = session.exec(select(User).where(User.username == name)).first()
        if exists is None:
            users.create_user(session, cfg, name, role, department=dept,
                              password=DEMO_PASSWORD, full_name=full,
                              email=f"{name}@{DEMO_MAIL_DOMAIN}")
        out.append((name, role, dept, exists is None))
    return out


@dataclass
class _Plan:
    rng: random.Random
    cfg: Config
    now: dt.datetime
    staff: dict[str, Actor]

    def actors(self, case: Case) -> tuple[Actor, Actor]:
        if case.track == "corruption":
            return self.staff["integrity"], self.staff["integrity"]
        dept = case.department_code or ""
        doer = self.staff.get(dept) or Actor(f"{dept}_staff", "staff", dept)
        return self.staff["officer"], doer


def _steps(plan: _Plan, c: DemoComplaint, case: Case) -> Iterator[tuple[str, str, dict]]:
    """The life of one case as (trigger, who, data), decided by its age."""
    rng = plan.rng
    age = (plan.now - case.filed_at).days
    roll = rng.random()
    if age < 7 and roll < 0.5:
        return
    if roll < 0.05:
        yield "reject", "officer", {"reason": rng.choice(["not_actionable", "spam",
                                                          "insufficient_contact"])}
        return
    if roll < 0.10 and case.track == "general":
        yield "refer", "officer", {"agency": rng.choice(AGENCIES),
                                   "note": "เรื่องนี้อยู่ในความรับผิดชอบของหน่วยงานภายนอก"}
        return
    yield "receive", "officer", {}
    if age < 14 and roll < 0.6:
        return
    if c.urgent:
        yield "dispatch", "officer", {"consideration": "urgent", "days": rng.randint(1, 7)}
    else:
        kind = "survey" if rng.random() < 0.25 else "normal"
        yield "dispatch", "officer", {"consideration": kind}
    if rng.random() < 0.3:
        yield "progress", "doer", {"note": rng.choice(PROGRESS)}
    if (age < 30 and roll < 0.8) or (age >= 30 and roll < 0.15):
        return
    yield "complete", "doer", {"note": rng.choice(DONE)}
    if rng.random() < 0.03:
        yield "reopen", "officer", {"reason": "ผู้ร้องแจ้งว่าปัญหายังไม่หมดไป"}


# Typical hours between one step and the next (log-normal around these medians):
# most cases are received the same day and dispatched within a day or two.
STEP_HOURS = {"receive": 3.0, "reject": 8.0, "refer": 12.0, "dispatch": 10.0,
              "progress": 48.0, "reopen": 96.0}


def _delay(rng: random.Random, trigger: str, case: Case) -> dt.timedelta:
    if trigger == "complete":
        # about four in five finish within their deadline
        assert case.dispatched_at is not None and case.resolution_due_at is not None
        budget = (case.resolution_due_at - case.dispatched_at).total_seconds() / 3600
        return dt.timedelta(hours=budget * rng.uniform(0.2, 1.25) * rng.uniform(0.5, 1.0))
    return dt.timedelta(hours=STEP_HOURS[trigger] * rng.lognormvariate(0, 0.9))


def _file_one(session: Session, plan: _Plan, c: DemoComplaint, filed_at: dt.datetime) -> Case:
    data = {"first_name": c.first_name, "surname": c.surname, "phone": c.phone,
            "address": c.address, "email": c.email, "copy_to_email": bool(c.email),
            "category": c.category, "subject": c.subject, "details": c.details,
            "location_text": c.location_text, "channel": c.channel}
    by = plan.staff["officer"] if c.channel != "web" else None
    case = service.file_case(session, plan.cfg, data, now=filed_at, by=by)
    when = filed_at
    for trigger, who, step in _steps(plan, c, case):
        when = min(when + _delay(plan.rng, trigger, case), plan.now)
        officer, doer = plan.actors(case)
        service.act(session, plan.cfg, case, trigger, by=officer if who == "officer" else doer,
                    now=when, **step)
    _feedback(session, case, plan.now)
    return case


RATINGS = (5, 5, 5, 4, 4, 4, 4, 3, 3, 2, 1)
COMMENTS = ("เจ้าหน้าที่มาแก้ไขรวดเร็ว ขอบคุณครับ", "ขอบคุณค่ะ", "ช้าไปหน่อยแต่ก็เรียบร้อยดี",
            None, None, None)


def _feedback(session: Session, case: Case, now: dt.datetime) -> None:
    """About half of the citizens whose case was completed answer the survey."""
    rng = random.Random(case.id)  # its own stream: the demo's cases stay as they were
    if case.state != "completed" or case.track != "general" or rng.random() > 0.45:
        return
    assert case.completed_at is not None
    when = min(case.completed_at + dt.timedelta(hours=rng.uniform(2, 72)), now)
    feedback.rate(session, case, rng.choice(RATINGS), rng.choice(COMMENTS), now=when,
                  source="survey")


def populate(
    session_factory: Callable[[], Any],
    cfg: Config,
    n: int,
    *,
    now: dt.datetime,
    seed: int = 2563,
    progress: Callable[[int], None] = lambda _n: None,
    batch: int = 100,
) -> int:
    """File `n` demo cases from the start of last fiscal year until `now`, in
    transactions of `batch` cases opened by `session_factory()`."""
    rng = random.Random(seed)
    start, _ = numbering.fiscal_year_bounds(numbering.fiscal_year(now) - 1)
    staff = {"officer": Actor("officer", "officer"), "integrity": Actor("integrity", "integrity"),
             "engineering": Actor("engineer", "staff", "engineering"),
             "public_health": Actor("health", "staff", "public_health")}
    plan = _Plan(rng, cfg, now, staff)
    complaints = synthetic_complaints(n, seed)
    span = (now - start).total_seconds()
    # more recent complaints are more numerous: sqrt spreads times toward `now`
    times = sorted(start + dt.timedelta(seconds=span * rng.random() ** 0.7) for _ in range(n))
    done = 0
    for lo in range(0, n, batch):
        with session_factory() as session:
            ids = []
            for c, filed_at in zip(complaints[lo:lo + batch], times[lo:lo + batch], strict=True):
                ids.append(_file_one(session, plan, c, filed_at).id)
                done += 1
            # The history is made up: nobody is told about it. (The SLA scan still
            # mails supervisors about demo cases that are overdue today.)
            session.connection().execute(
                sa.update(Notice).where(Notice.case_id.in_(ids))  # type: ignore[union-attr]
                .values(status="skipped", last_error="demo history: not sent"))
        progress(min(batch, n - lo))
    return done
