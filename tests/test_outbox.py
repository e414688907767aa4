"""The outbox over a real SMTP server (aiosmtpd on 127.0.0.1): overdue mail reaches the
department's supervisor exactly once, retries survive an SMTP outage, permanent
refusals end as dead with the error kept, and complaint text never becomes HTML."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing as mp
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from casework import db, jobs, users
from casework.models import Notice
from notifications.mailer import SmtpBackend
from notifications.outbox import Outbox, backoff
from tests import smtp as smtp_fixtures
from tests.cases import case_in
from tests.smtp import SmtpServer
from tests.workers import run_scan

smtp_server = smtp_fixtures.smtp_server
BASE = "https://complaints.example.org"
SUPERVISOR = "eng-head@example.org"


def outbox(engine: sa.Engine, cfg: Any, server: SmtpServer, **kw: Any) -> Outbox:
    backend = SmtpBackend(server.host, server.port, "casework <noreply@example.org>",
                          timeout=3)
    return Outbox(engine, cfg, backend, base_url=BASE, domain="example.org", **kw)


def send(box: Outbox, now: dt.datetime) -> dict[str, int]:
    return asyncio.run(box.send_pending(now)).as_dict()


def add_staff(engine: sa.Engine, cfg: Any) -> None:
    with db.transaction(engine) as s:
        users.create_user(s, cfg, "enghead", "supervisor", department="engineering",
                          email=SUPERVISOR, full_name="ผู้อำนวยการสำนักการช่าง")
        users.create_user(s, cfg, "eng1", "staff", department="engineering",
                          email="eng1@example.org")
        users.create_user(s, cfg, "centerhead", "supervisor", email="head@example.org")
        users.create_user(s, cfg, "integrity1", "integrity", email="integrity@example.org")


def notices(engine: sa.Engine) -> list[Notice]:
    with db.reading(engine) as s:
        return list(s.exec(select(Notice).order_by(Notice.id)).all())  # type: ignore[arg-type]


def body(msg: EmailMessage, kind: str = "plain") -> str:
    part = msg.get_body(preferencelist=(kind,))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def overdue_case(engine: sa.Engine, cfg: Any, **overrides: Any) -> tuple[str, dt.datetime, int]:
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "dispatched", **overrides)
        assert case.resolution_due_at is not None and case.id is not None
        return case.number, case.resolution_due_at, case.id


def test_overdue_mail_reaches_the_supervisor_exactly_once(
        engine: sa.Engine, cfg: Any, db_url: str, smtp_server: SmtpServer) -> None:
    add_staff(engine, cfg)
    number, due, case_id = overdue_case(engine, cfg)
    box = outbox(engine, cfg, smtp_server)
    assert send(box, due - dt.timedelta(days=2))["sent"] == 1  # the assignment mail
    smtp_server.messages.clear()
    late = due + dt.timedelta(minutes=1)
    # Scan twice in this process and four times from two other processes at once.
    with db.transaction(engine) as s:
        assert jobs.scan(s, late).breached == 1
    with mp.get_context("spawn").Pool(2) as pool:
        others = pool.starmap(run_scan, [(db_url, late.isoformat())] * 4)
    assert sum(r["breached"] for r in others) == 0
    assert send(box, late) == {"sent": 1, "retried": 0, "dead": 0, "skipped": 0}
    assert send(box, late + dt.timedelta(hours=1))["sent"] == 0
    [msg] = smtp_server.wait_for(1)
    assert msg["To"] == SUPERVISOR
    assert "เกินกำหนด" in str(msg["Subject"]) and number in str(msg["Subject"])
    text = body(msg)
    assert number in text and f"{BASE}/staff/cases/{case_id}" in text
    assert f'href="{BASE}/staff/cases/{case_id}"' in body(msg, "html")
    assert msg["Message-ID"].endswith("@example.org>")
    sent = [n for n in notices(engine) if n.kind == "sla"]
    assert [(n.status, n.sent_to, n.attempts) for n in sent] == [("sent", SUPERVISOR, 1)]


def test_smtp_outage_retries_with_backoff_then_delivers(
        engine: sa.Engine, cfg: Any, smtp_server: SmtpServer) -> None:
    add_staff(engine, cfg)
    _, due, _ = overdue_case(engine, cfg)
    box = outbox(engine, cfg, smtp_server)
    now = due - dt.timedelta(days=2)
    smtp_server.stop()
    assert send(box, now) == {"sent": 0, "retried": 1, "dead": 0, "skipped": 0}
    [n] = notices(engine)
    assert n.status == "pending" and n.attempts == 1 and n.last_error
    assert n.next_attempt_at == now + backoff(1)
    assert send(box, now + dt.timedelta(seconds=10))["retried"] == 0  # not yet due
    assert send(box, n.next_attempt_at)["retried"] == 1
    [n] = notices(engine)
    assert n.attempts == 2 and n.next_attempt_at > now + backoff(1)
    smtp_server.restart()
    assert send(box, n.next_attempt_at)["sent"] == 1
    [msg] = smtp_server.wait_for(1)
    assert "มอบหมายงาน" in str(msg["Subject"])
    assert sorted(msg["To"].split(", ")) == ["eng-head@example.org", "eng1@example.org"]
    [n] = notices(engine)
    assert (n.status, n.attempts) == ("sent", 3)


def test_temporary_refusals_end_as_dead_after_the_last_attempt(
        engine: sa.Engine, cfg: Any, smtp_server: SmtpServer) -> None:
    add_staff(engine, cfg)
    _, due, _ = overdue_case(engine, cfg)
    box = outbox(engine, cfg, smtp_server, max_attempts=3)
    smtp_server.reply_code = 451
    now = due - dt.timedelta(days=3)
    outcomes = []
    for _ in range(3):
        outcomes.append(send(box, now))
        now += dt.timedelta(hours=7)
    assert [o["retried"] for o in outcomes] == [1, 1, 0] and outcomes[2]["dead"] == 1
    [n] = notices(engine)
    assert n.status == "dead" and "451" in (n.last_error or "")


def test_permanent_refusal_is_dead_with_the_error_kept(
        engine: sa.Engine, cfg: Any, smtp_server: SmtpServer) -> None:
    add_staff(engine, cfg)
    _, due, _ = overdue_case(engine, cfg)
    smtp_server.reply_code = 550
    box = outbox(engine, cfg, smtp_server)
    assert send(box, due)["dead"] == 1
    [n] = notices(engine)
    assert n.status == "dead" and n.attempts == 1 and "550" in (n.last_error or "")
    assert smtp_server.messages == []


def test_citizen_mails_escape_what_they_typed(
        engine: sa.Engine, cfg: Any, smtp_server: SmtpServer) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)> ถนนพัง & น้ำท่วม'
    with db.transaction(engine) as s:
        case = case_in(s, cfg, "received", email="somchai@example.org", copy_to_email=True,
                       details=evil, subject=evil[:60], first_name="<b>สมชาย</b>")
        code = case.tracking_code
    box = outbox(engine, cfg, smtp_server)
    assert send(box, dt.datetime.now(dt.UTC))["sent"] == 2  # acknowledgement and received
    ack, status = smtp_server.wait_for(2)
    assert ack["To"] == "somchai@example.org"
    assert "ได้รับเรื่องร้องทุกข์" in str(ack["Subject"])
    assert f"{BASE}/track/{code}" in body(ack)
    for msg in (ack, status):
        html = body(msg, "html")
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert "&lt;script&gt;" in html or "&lt;b&gt;" in html
    assert "&lt;script&gt;alert" in body(ack, "html")
    assert "รับเรื่องแล้ว" in str(status["Subject"])


def test_corruption_cases_only_reach_integrity(
        engine: sa.Engine, cfg: Any, smtp_server: SmtpServer) -> None:
    add_staff(engine, cfg)
    from casework import service
    from tests.conftest import COMPLAINT, INTEGRITY, NOW
    with db.transaction(engine) as s:
        case = service.file_case(s, cfg, {**COMPLAINT, "category": "corruption",
                                          "details": "เจ้าหน้าที่เรียกรับเงินใต้โต๊ะ"}, now=NOW)
        service.act(s, cfg, case, "receive", by=INTEGRITY, now=NOW)
        service.act(s, cfg, case, "dispatch", by=INTEGRITY, now=NOW, consideration="urgent",
                    days=2, department="integrity")
        due = case.resolution_due_at
    assert due is not None
    with db.transaction(engine) as s:
        jobs.scan(s, due + dt.timedelta(days=10))
    box = outbox(engine, cfg, smtp_server)
    result = send(box, due + dt.timedelta(days=10))
    assert result["sent"] >= 2
    for msg in smtp_server.wait_for(result["sent"]):
        assert msg["To"] == "integrity@example.org"


def test_two_senders_at_once_deliver_each_notice_once(
        engine: sa.Engine, cfg: Any, smtp_server: SmtpServer) -> None:
    import threading
    add_staff(engine, cfg)
    for _ in range(30):
        overdue_case(engine, cfg)
    now = dt.datetime.now(dt.UTC)
    results: list[dict[str, int]] = []

    def run() -> None:
        box = outbox(engine, cfg, smtp_server, batch=5)
        results.append(send(box, now))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 30
    msgs = smtp_server.wait_for(30)
    assert len({m["Message-ID"] for m in msgs}) == 30
    assert all(n.status == "sent" for n in notices(engine))


def test_digest_mail_lists_the_cases(engine: sa.Engine, cfg: Any,
                                     smtp_server: SmtpServer) -> None:
    add_staff(engine, cfg)
    number, due, _ = overdue_case(engine, cfg)
    with db.transaction(engine) as s:
        assert jobs.digest(s, cfg, due + dt.timedelta(hours=9)) == 2
    box = outbox(engine, cfg, smtp_server)
    send(box, due + dt.timedelta(hours=9))
    digests = [m for m in smtp_server.wait_for(3) if "สรุป" in str(m["Subject"])]
    assert {m["To"] for m in digests} == {SUPERVISOR, "head@example.org"}
    assert all(number in body(m) for m in digests)
