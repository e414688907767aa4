"""Photos of a case and the citizen's feedback, through the service layer, on SQLite
and PostgreSQL; and the read side the public pages use (case page, photo access)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from casework import db, feedback, photos, queries, service
from casework.actors import citizen
from casework.errors import Conflict, Forbidden, Invalid, NotAllowed, NotFound
from casework.models import CasePhoto, Feedback
from tests.cases import case_in
from tests.conftest import COMPLAINT, ENG_STAFF, NOW, OFFICER

LATER = NOW + dt.timedelta(days=1)
PIC = "ab/" + "ab" + "1" * 62 + ".jpg"
PIC2 = "cd/" + "cd" + "2" * 62 + ".png"


def rows(engine: sa.Engine, model: Any) -> list[Any]:
    with db.reading(engine) as s:
        return list(s.exec(select(model).order_by(model.id)).all())


# ---------------------------------------------------------------- photos

def test_filing_records_before_photos(engine: sa.Engine, cfg: Any) -> None:
    ref = photos.PhotoRef(PIC2, PIC2.replace(".png", ".thumb.jpg"), 800, 600)
    with db.transaction(engine) as s:
        case = service.file_case(s, cfg, COMPLAINT, now=NOW, photos=[PIC, ref, PIC])
    got = rows(engine, CasePhoto)
    assert [(p.case_id, p.kind, p.name, p.thumb, p.width, p.event_id) for p in got] == [
        (case.id, "before", PIC, PIC.replace(".jpg", ".thumb.jpg"), None, None),
        (case.id, "before", PIC2, ref.thumb, 800, None),
    ]
    assert all(p.created_at == NOW for p in got)


def test_more_than_three_photos_file_nothing(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s, pytest.raises(Invalid) as exc:
        service.file_case(s, cfg, COMPLAINT, now=NOW, photos=[f"{i}.jpg" for i in range(4)])
    assert "photos" in exc.value.fields
    assert rows(engine, CasePhoto) == []


def test_staff_photos_are_progress_and_after(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched")
        note = service.act(s, cfg, case, "progress", by=ENG_STAFF, now=LATER,
                           note="กำลังซ่อม", photo=PIC)
        done = service.act(s, cfg, case, "complete", by=ENG_STAFF, now=LATER,
                           note="เสร็จแล้ว", photo=PIC2)
    got = [(p.kind, p.name, p.event_id) for p in rows(engine, CasePhoto)]
    assert got == [("progress", PIC, note.id), ("after", PIC2, done.id)]


def test_a_refused_action_records_no_photo(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "received")
    with db.transaction(engine) as s, pytest.raises(NotAllowed):
        service.act(s, cfg, s.merge(case), "complete", by=ENG_STAFF, now=LATER, note="x",
                    photo=PIC)
    assert rows(engine, CasePhoto) == []


def test_thumb_names() -> None:
    assert photos.thumb_of("ab/abc.jpg") == "ab/abc.thumb.jpg"
    assert photos.thumb_of("ab/abc.png") == "ab/abc.thumb.jpg"
    assert photos.thumb_of("noext") == "noext.thumb.jpg"


# ---------------------------------------------------------------- feedback

def test_confirm_rate_and_read_back(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "completed")
        feedback.confirm_fixed(s, case, now=LATER)
        feedback.confirm_fixed(s, case, now=LATER)  # twice is harmless
        row = feedback.rate(s, case, "4", "  บริการดีมาก  ", now=LATER)
        assert (row.confirmed, row.rating, row.comment, row.source) == (
            True, 4, "บริการดีมาก", "case_page")
    assert len(rows(engine, Feedback)) == 1


@pytest.mark.parametrize("rating", [0, 6, -1, "x", "", "3.5", None, True, 2.0])
def test_rating_outside_1_to_5_is_invalid(engine: sa.Engine, cfg: Any, rating: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "completed")
        with pytest.raises(Invalid) as exc:
            feedback.rate(s, case, rating, now=LATER)
        assert "rating" in exc.value.fields
    assert rows(engine, Feedback) == []


def test_one_rating_per_case(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "completed")
        feedback.rate(s, case, 5, now=LATER)
        with pytest.raises(Conflict) as exc:
            feedback.rate(s, case, 1, "เปลี่ยนใจ", now=LATER)
        assert exc.value.code == "already_rated"
    assert [(f.rating, f.comment) for f in rows(engine, Feedback)] == [(5, None)]


def test_feedback_needs_a_finished_case(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched")
        with pytest.raises(NotAllowed):
            feedback.confirm_fixed(s, case, now=LATER)
        with pytest.raises(NotAllowed):
            feedback.rate(s, case, 3, now=LATER)
        rejected = case_in(s, cfg, "rejected")
        with pytest.raises(NotAllowed):
            feedback.confirm_fixed(s, rejected, now=LATER)
        feedback.rate(s, rejected, 2, now=LATER)  # the survey may ask about any closed case


def test_comment_is_checked(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "completed")
        with pytest.raises(Invalid):
            feedback.rate(s, case, 3, "ก" * 2001, now=LATER)
        with pytest.raises(Invalid):
            feedback.rate(s, case, 3, "bad\x00byte", now=LATER)
        with pytest.raises(Invalid):
            feedback.rate(s, case, 3, source="twitter", now=LATER)


def test_dispute_then_new_completion_can_be_confirmed(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "completed")
        feedback.confirm_fixed(s, case, now=LATER)
        service.act(s, cfg, case, "reopen", by=citizen(), now=LATER, phone="0812345678",
                    reason="ไฟดับอีกแล้ว")
        feedback.disputed(s, case, now=LATER)
        assert feedback.get(s, case.id or 0).confirmed is False  # type: ignore[union-attr]
        service.act(s, cfg, case, "complete", by=ENG_STAFF, now=LATER, note="เปลี่ยนสายไฟ")
        assert feedback.confirm_fixed(s, case, now=LATER).confirmed is True


# ---------------------------------------------------------------- read side

def test_case_page_shows_public_steps_only(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched", details="ไฟดับ โทร 081-234-5678",
                       subject="ไฟทางดับ")
        service.act(s, cfg, case, "progress", by=ENG_STAFF, now=LATER, internal=True,
                    note="ผู้ร้องเป็นญาติ ผอ.", photo=PIC)
        service.act(s, cfg, case, "progress", by=ENG_STAFF, now=LATER,
                    note="สั่งซื้อหลอดไฟแล้ว ติดต่อ 089-765-4321", photo=PIC2)
        code = case.tracking_code
    with db.reading(engine) as s:
        page = queries.public_case(s, cfg, code.lower())
    assert page.subject == "ไฟทางดับ"
    assert "081-234-5678" not in page.details
    assert [e.trigger for e in page.timeline] == ["file", "receive", "dispatch", "progress"]
    step = page.timeline[-1]
    assert step.note is not None and "089-765-4321" not in step.note
    assert [p.name for p in step.photos] == [PIC2]
    assert page.timeline[2].department == "engineering"
    assert page.due_at is not None and page.dispute_until is None
    dumped = page.model_dump_json()
    for secret in ("ผู้ร้องเป็นญาติ", PIC, COMPLAINT["first_name"], COMPLAINT["surname"],
                   COMPLAINT["address"], "0812345678"):
        assert secret not in dumped


def test_sealed_and_spam_cases_have_no_page_and_no_photos(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        sealed = service.file_case(s, cfg, {**COMPLAINT, "category": "corruption"}, now=NOW,
                                   photos=[PIC])
        spam = service.file_case(s, cfg, COMPLAINT, now=NOW, photos=[PIC2])
        service.act(s, cfg, spam, "reject", by=OFFICER, now=LATER, reason="spam")
        shown = service.file_case(s, cfg, COMPLAINT, now=NOW,
                                  photos=["ef/" + "ef" + "3" * 62 + ".jpg"])
    with db.reading(engine) as s:
        for case in (sealed, spam):
            with pytest.raises(NotFound):
                queries.case_by_code(s, case.tracking_code)
            with pytest.raises(NotFound):
                queries.public_case(s, cfg, case.tracking_code)
        assert queries.case_by_code(s, shown.tracking_code).id == shown.id
        assert not queries.public_media(s, PIC) and not queries.public_media(s, PIC2)
        assert not queries.public_media(s, PIC.replace(".jpg", ".thumb.jpg"))
        assert queries.public_media(s, "ef/" + "ef" + "3" * 62 + ".thumb.jpg")
        assert not queries.public_media(s, "nothing.jpg")
        with pytest.raises(NotFound):
            queries.case_by_code(s, "'; DROP TABLE cases; --")


def test_dispute_by_citizen_needs_the_phone(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "completed")
        with pytest.raises(Forbidden):
            service.act(s, cfg, case, "reopen", by=citizen(), now=LATER, phone="0899999999",
                        reason="ยังไม่ได้ซ่อม")


def test_table_rows_carry_photos_and_search_by_number(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        first = service.file_case(s, cfg, COMPLAINT, now=NOW, photos=[PIC])
        second = case_in(s, cfg, "dispatched", now=NOW + dt.timedelta(minutes=1))
        service.act(s, cfg, second, "complete", by=ENG_STAFF, now=LATER, note="เสร็จ",
                    photo=PIC2)
    with db.reading(engine) as s:
        page = queries.tracking_page(s, 2569)
        assert [r.number for r in page.rows] == [second.number, first.number]
        assert [p.name for p in page.rows[1].before] == [PIC] and page.rows[1].after == []
        assert [p.name for p in page.rows[0].after] == [PIC2]
        only = queries.tracking_page(s, 2569, number=first.number)
        assert [r.number for r in only.rows] == [first.number]


def test_migration_0004_goes_down_and_up(tmp_path: Any) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    url = f"sqlite:///{tmp_path / 'm.db'}"
    db.migrate(url)
    alembic_cfg = AlembicConfig()
    alembic_cfg.set_main_option("script_location", str(db.MIGRATIONS))
    engine = db.make_engine(url)
    try:
        for step in ("down", "up"):
            with engine.connect() as conn:
                alembic_cfg.attributes["connection"] = conn
                if step == "down":
                    command.downgrade(alembic_cfg, "0003")
                else:
                    command.upgrade(alembic_cfg, "head")
                conn.commit()
            tables = set(sa.inspect(engine).get_table_names())
            assert ({"case_photos", "feedback"} <= tables) == (step == "up")
    finally:
        engine.dispose()
