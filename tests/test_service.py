"""The service layer on a real database: every (state, trigger) pair, guards, roles,
the audit trail and bad input."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from casework import db, queries, service
from casework.actors import citizen
from casework.errors import Conflict, Forbidden, Invalid, NotAllowed, NotFound
from casework.models import Case, CaseEvent
from casework.states import TRIGGERS, State, triggers_from
from tests.cases import case_in
from tests.conftest import (
    CENTER_HEAD,
    COMPLAINT,
    ENG_HEAD,
    ENG_STAFF,
    HEALTH_STAFF,
    INTEGRITY,
    NOW,
    OFFICER,
)

# A valid actor and data for each trigger (from a state where it is allowed).
VALID: dict[str, tuple[Any, dict[str, Any]]] = {
    "receive": (OFFICER, {"category": "drainage"}),
    "dispatch": (OFFICER, {"department": "engineering", "consideration": "urgent", "days": 3}),
    "reassign": (OFFICER, {"department": "public_health", "reason": "เป็นเรื่องกลิ่น"}),
    "return_to_center": (ENG_STAFF, {"reason": "ไม่ใช่งานของสำนักการช่าง"}),
    "complete": (ENG_STAFF, {"note": "ซ่อมเสร็จแล้ว"}),
    "reject": (OFFICER, {"reason": "not_actionable", "note": "ไม่อยู่ในเขตเทศบาล"}),
    "refer": (OFFICER, {"agency": "การประปาส่วนภูมิภาค", "note": "ท่อประปาแตก ส่ง กปภ."}),
    "reopen": (citizen(), {"reason": "ไฟดับอีกแล้ว", "phone": "0812345678"}),
    "progress": (ENG_STAFF, {"note": "สั่งอะไหล่แล้ว", "internal": True}),
}
EXPECTED_DEST = {"receive": "received", "dispatch": "dispatched", "reassign": "dispatched",
                 "return_to_center": "received", "complete": "completed",
                 "reject": "rejected", "refer": "referred", "reopen": "dispatched",
                 "progress": "dispatched"}
PAIRS = [(s.value, t) for s in State for t in TRIGGERS]
LATER = NOW + dt.timedelta(days=1)


def count_events(session: Any, case_id: int) -> int:
    return session.exec(select(func.count()).where(CaseEvent.case_id == case_id)).one()


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_every_state_and_trigger(engine: sa.Engine, cfg: Any, state: str, trigger: str) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, state)
        case_id, version = case.id, case.version
        before = count_events(s, case_id)
    actor, data = VALID[trigger]
    allowed = trigger in triggers_from(state)
    with db.transaction(engine) as s:
        case = s.get(Case, case_id)
        if allowed:
            event = service.act(s, cfg, case, trigger, by=actor, now=LATER, **data)
        else:
            with pytest.raises(NotAllowed):
                service.act(s, cfg, case, trigger, by=actor, now=LATER, **data)
    with db.reading(engine) as s:
        case = s.get(Case, case_id)
        evts = queries.events(s, case_id)
        if not allowed:
            assert (case.state, case.version, len(evts)) == (state, version, before)
            return
        assert case.state == EXPECTED_DEST[trigger]
        assert case.version == version + 1
        assert len(evts) == before + 1
        last = evts[-1]
        assert (last.trigger, last.from_state, last.to_state) == (trigger, state, case.state)
        assert last.actor == actor.username and last.at == LATER
        assert last.id == event.id


def test_dispatch_sets_due_date_from_consideration(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        urgent = case_in(s, cfg, "received")
        service.act(s, cfg, urgent, "dispatch", by=OFFICER, now=NOW, consideration="urgent",
                    days=3)
        normal = case_in(s, cfg, "received")
        service.act(s, cfg, normal, "dispatch", by=OFFICER, now=NOW, consideration="normal")
    # NOW is Monday 2 March 2026 (Bangkok): +3 calendar days is Thursday 5 March;
    # 15 working days skip weekends and Makha Bucha (Tuesday 3 March): Tuesday 24 March.
    assert urgent.resolution_due_at == dt.datetime(2026, 3, 5, 16, 59, 59, tzinfo=dt.UTC)
    assert normal.resolution_due_at == dt.datetime(2026, 3, 24, 16, 59, 59, tzinfo=dt.UTC)
    assert urgent.department_code == "engineering"


@pytest.mark.parametrize(("data", "field"), [
    ({"consideration": "urgent"}, "days"),
    ({"consideration": "urgent", "days": 9}, "days"),
    ({"consideration": "someday"}, "consideration"),
    ({}, "consideration"),
    ({"consideration": "normal", "department": "external"}, "department"),
    ({"consideration": "normal", "department": "integrity"}, "department"),
    ({"consideration": "normal", "department": "nowhere"}, "department"),
])
def test_dispatch_guards(engine: sa.Engine, cfg: Any, data: dict, field: str) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "received")
        with pytest.raises(Invalid) as exc:
            service.act(s, cfg, case, "dispatch", by=OFFICER, now=NOW, **data)
        assert field in exc.value.fields
        assert case.state == "received"


@pytest.mark.parametrize(("trigger", "data", "field"), [
    ("complete", {}, "note"),
    ("reject", {}, "reason"),
    ("reject", {"reason": "bored"}, "reason"),
    ("reject", {"reason": "duplicate"}, "duplicate_of"),
    ("reject", {"reason": "duplicate", "duplicate_of": "ฟ./999"}, "duplicate_of"),
    ("refer", {"agency": "ตำรวจ"}, "note"),
    ("reassign", {"department": "engineering", "reason": "x"}, "department"),
    ("return_to_center", {}, "reason"),
    ("progress", {"note": "   "}, "note"),
    ("receive", {"category": "unicorns"}, "category"),
])
def test_required_data(engine: sa.Engine, cfg: Any, trigger: str, data: dict, field: str) -> None:
    starts = {"complete": "dispatched", "reassign": "dispatched",
              "return_to_center": "dispatched", "progress": "dispatched"}
    start = starts.get(trigger, "not_received")
    with db.transaction(engine) as s:
        case = case_in(s, cfg, start)
        n = count_events(s, case.id)
        actor = ENG_STAFF if trigger in ("complete", "return_to_center", "progress") else OFFICER
        with pytest.raises(Invalid) as exc:
            service.act(s, cfg, case, trigger, by=actor, now=LATER, **data)
        assert field in exc.value.fields
        assert count_events(s, case.id) == n and case.state == start


def test_reject_duplicate_points_at_original(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        original = case_in(s, cfg, "received")
        dup = case_in(s, cfg, "not_received")
        ev = service.act(s, cfg, dup, "reject", by=OFFICER, now=LATER, reason="duplicate",
                         duplicate_of=original.number)
    assert dup.duplicate_of_id == original.id
    assert ev.data == {"reason": "duplicate", "duplicate_of": original.number}


@pytest.mark.parametrize(("trigger", "state", "actor"), [
    ("receive", "not_received", ENG_STAFF),
    ("dispatch", "received", ENG_HEAD),
    ("complete", "dispatched", HEALTH_STAFF),      # another department
    ("complete", "dispatched", OFFICER),           # the center does not close cases
    ("progress", "dispatched", HEALTH_STAFF),
    ("return_to_center", "dispatched", OFFICER),
    ("reassign", "dispatched", ENG_STAFF),         # staff cannot reassign
    ("reopen", "completed", ENG_STAFF),
    ("receive", "not_received", INTEGRITY),        # integrity acts on corruption only
])
def test_role_and_scope(engine: sa.Engine, cfg: Any, trigger: str, state: str, actor: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, state)
        with pytest.raises(Forbidden):
            service.act(s, cfg, case, trigger, by=actor, now=LATER, **VALID[trigger][1])
        assert case.state == state


def test_supervisors_act_within_scope(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched")
        service.act(s, cfg, case, "reassign", by=ENG_HEAD, now=LATER,
                    department="city_law_enforcement", reason="เป็นเรื่องหาบเร่แผงลอย")
        with pytest.raises(Forbidden):  # no longer engineering's case
            service.act(s, cfg, case, "progress", by=ENG_HEAD, now=LATER, note="x")
        service.act(s, cfg, case, "complete", by=CENTER_HEAD, now=LATER, note="จัดระเบียบแล้ว")
    assert case.state == "completed"


def test_citizen_reopen_needs_phone_and_window(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "completed")
        with pytest.raises(Forbidden):
            service.act(s, cfg, case, "reopen", by=citizen(), now=LATER, reason="ยังไม่ได้ซ่อม",
                        phone="0899999999")
        too_late = case.completed_at + dt.timedelta(days=31)
        with pytest.raises(Forbidden):
            service.act(s, cfg, case, "reopen", by=citizen(), now=too_late, reason="x",
                        phone="081 234 5678")
        service.act(s, cfg, case, "reopen", by=citizen(), now=LATER, reason="ไฟดับอีก",
                    phone="+66 81 234 5678")
        assert (case.state, case.reopen_count, case.completed_at) == ("dispatched", 1, None)
        service.act(s, cfg, case, "complete", by=ENG_STAFF, now=LATER, note="ซ่อมใหม่")
        service.act(s, cfg, case, "reopen", by=OFFICER, now=too_late + dt.timedelta(days=99),
                    reason="ผู้ร้องโทรแจ้งว่ายังดับอยู่")
        assert case.reopen_count == 2


def test_after_photo_required_where_category_says(engine: sa.Engine, cfg: Any) -> None:
    cats = dict(cfg.categories)
    cats["lighting"] = cats["lighting"].model_copy(update={"after_photo": True})
    strict = dataclasses.replace(cfg, categories=cats)
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched")
        with pytest.raises(Invalid) as exc:
            service.act(s, strict, case, "complete", by=ENG_STAFF, now=LATER, note="เสร็จ")
        assert "photo" in exc.value.fields
        ev = service.act(s, strict, case, "complete", by=ENG_STAFF, now=LATER, note="เสร็จ",
                         photo="ab12cd.jpg")
        assert ev.data == {"photo": "ab12cd.jpg"}


def test_corruption_cases_are_sealed(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = service.file_case(s, cfg, {**COMPLAINT, "category": "corruption",
                                          "details": "เจ้าหน้าที่เรียกค่าน้ำร้อนน้ำชา"}, now=NOW)
        assert (case.track, case.number) == ("corruption", "ทจ./001")
        for actor in (OFFICER, CENTER_HEAD, ENG_HEAD):
            with pytest.raises(NotFound):
                service.act(s, cfg, case, "receive", by=actor, now=LATER)
        service.act(s, cfg, case, "receive", by=INTEGRITY, now=LATER)
        service.act(s, cfg, case, "dispatch", by=INTEGRITY, now=LATER, consideration="normal")
        assert case.department_code == "integrity"
        with pytest.raises(NotFound):
            queries.case_by_code(s, case.tracking_code)


def test_recategorising_to_corruption_moves_the_track(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "not_received")
        service.act(s, cfg, case, "receive", by=OFFICER, now=LATER, category="corruption")
        assert (case.track, case.number, case.category_code) == ("corruption", "ฟ./001",
                                                                  "corruption")


def test_stale_version_is_a_conflict(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "not_received")
        stale = case.version
        service.act(s, cfg, case, "receive", by=OFFICER, now=LATER)
        with pytest.raises(Conflict):
            service.act(s, cfg, case, "dispatch", by=OFFICER, now=LATER, consideration="normal",
                        expected_version=stale)


def test_stale_copy_conflicts_even_when_nothing_else_changes(engine: sa.Engine,
                                                             cfg: Any) -> None:
    with db.transaction(engine) as s:
        case_id = case_in(s, cfg, "dispatched").id
    with db.reading(engine) as s:
        stale = s.get(Case, case_id)  # read by A
    with db.transaction(engine) as s:  # B adds a note
        service.act(s, cfg, s.get(Case, case_id), "progress", by=ENG_STAFF, now=LATER,
                    note="ช่างรับเรื่องแล้ว")
    with pytest.raises(Conflict), db.transaction(engine) as s:  # A, from its old read
        service.act(s, cfg, s.merge(stale, load=False), "progress", by=ENG_STAFF,
                    now=stale.updated_at, note="จากสำเนาเก่า")
    with db.reading(engine) as s:
        assert [e.public_note for e in queries.events(s, case_id)][-1] == "ช่างรับเรื่องแล้ว"


def test_events_are_append_only(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case_in(s, cfg, "received")
    for sql in ("UPDATE case_events SET actor = 'mallory'", "DELETE FROM case_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.transaction(engine) as s:
            s.execute(sa.text(sql))
    with db.reading(engine) as s:
        assert s.exec(select(func.count()).select_from(CaseEvent)).one() == 2  # file, receive


# ---- bad input: a clear error and nothing written ----

LONG = "ก" * 5001


@pytest.mark.parametrize(("change", "field"), [
    ({"phone": None}, "phone"),
    ({"phone": ""}, "phone"),
    ({"phone": "12345"}, "phone"),
    ({"first_name": "  "}, "first_name"),
    ({"category": "unicorns"}, "category"),
    ({"details": LONG}, "details"),
    ({"details": "ไฟดับ\x00"}, "details"),
    ({"email": "not-an-email"}, "email"),
    ({"channel": "pigeon"}, "channel"),
    ({"surname": "x" * 101}, "surname"),
])
def test_bad_complaints_write_nothing(engine: sa.Engine, cfg: Any, change: dict,
                                      field: str) -> None:
    data = {k: v for k, v in {**COMPLAINT, **change}.items() if v is not None}
    with pytest.raises(Invalid) as exc, db.transaction(engine) as s:
        service.file_case(s, cfg, data, now=NOW)
    assert field in exc.value.fields
    assert field in exc.value.message
    with db.reading(engine) as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 0
        assert s.exec(select(func.count()).select_from(CaseEvent)).one() == 0
    # and the number was not used up: the next good complaint is 001
    with db.transaction(engine) as s:
        assert service.file_case(s, cfg, COMPLAINT, now=NOW).number == "ฟ./001"


def test_text_is_stored_literally(engine: sa.Engine, cfg: Any) -> None:
    nasty = "'); DROP TABLE cases; -- <script>alert(1)</script> ดับบบบ"
    with db.transaction(engine) as s:
        case = service.file_case(s, cfg, {**COMPLAINT, "details": nasty}, now=NOW)
    with db.reading(engine) as s:
        assert queries.case_by_number(s, case.number).details == nasty


def test_unknown_case_number(engine: sa.Engine) -> None:
    with db.reading(engine) as s, pytest.raises(NotFound, match=r"ฟ\./404"):
        queries.case_by_number(s, "ฟ./404")


def test_act_with_bad_values(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched")
        with pytest.raises(Invalid):
            service.act(s, cfg, case, "progress", by=ENG_STAFF, now=LATER, note="x" * 5001)
        with pytest.raises(Invalid):
            service.act(s, cfg, case, "progress", by=ENG_STAFF, now=LATER, note="ok", colour="red")
        with pytest.raises(NotAllowed):
            service.act(s, cfg, case, "teleport", by=ENG_STAFF, now=LATER)


def test_filing_keeps_the_routers_suggestion(engine: sa.Engine, cfg: Any) -> None:
    from casework.routing import Decision

    guess = Decision("drainage", "engineering", confidence=0.8, decided_by="rules",
                     reasons=["drainage.blocked: “ท่อตัน” (+3)"])
    with db.transaction(engine) as s:
        unsure = service.file_case(s, cfg, {**COMPLAINT, "category": None}, now=NOW,
                                   suggestion=guess)
        chosen = service.file_case(s, cfg, COMPLAINT, now=NOW, suggestion=guess)
        sealed = service.file_case(s, cfg, COMPLAINT, now=NOW, suggestion=Decision(
            "corruption", "integrity", "corruption", decided_by="rules"))
    assert (unsure.number, unsure.category_code) == ("ท./001", "drainage")
    assert (chosen.number, chosen.category_code) == ("ฟ./001", "lighting")  # citizen's choice
    assert unsure.suggestion == guess.as_dict()
    assert (sealed.track, sealed.number) == ("corruption", "ทจ./001")
    with db.reading(engine) as s:
        first = queries.events(s, unsure.id)[0]
    assert first.data["suggestion"]["category"] == "drainage"
