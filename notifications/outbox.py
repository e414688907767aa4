"""The outbox sender: claims pending notices, renders and delivers them, and records
every attempt on the notice (status, attempts, next attempt, last error).

Claiming is safe with several senders on one database: on PostgreSQL the claim takes
`FOR UPDATE SKIP LOCKED`, on SQLite the claim is an immediate (write-locked)
transaction. A claimed notice is leased; its result is recorded only by the sender
holding that lease. If a sender dies between the SMTP server's "250 OK" and recording
it, the lease runs out and the notice is sent again with the same Message-ID — the one
duplicate SMTP cannot rule out, and one that mail systems can recognise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from casework import db
from casework.config import Config
from casework.models import Notice
from notifications import compose
from notifications.mailer import Backend, DeliveryError, Mail
from notifications.render import Renderer

NOTICES: sa.Table = Notice.__table__  # type: ignore[attr-defined]


@dataclass
class SendResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "retried": self.retried, "dead": self.dead,
                "skipped": self.skipped}


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try: 30 s, 1 min, 2 min … at most 6 hours."""
    return min(dt.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), dt.timedelta(hours=6))


class Outbox:
    def __init__(self, engine: sa.Engine, cfg: Config, backend: Backend, *, base_url: str,
                 renderer: Renderer | None = None, max_attempts: int = 8,
                 lease: dt.timedelta = dt.timedelta(minutes=5), batch: int = 50,
                 domain: str = "casework.invalid", parallel: int = 4,
                 survey_token: Callable[[int], str] | None = None):
        self.engine, self.cfg, self.backend = engine, cfg, backend
        self.base_url, self.renderer = base_url, renderer or Renderer()
        self.max_attempts, self.lease, self.batch, self.domain = max_attempts, lease, batch, domain
        self.parallel = parallel  # SMTP conversations at once
        self.survey_token = survey_token

    def claim(self, now: dt.datetime) -> tuple[list[int], dt.datetime]:
        """Lease up to `batch` notices that are due (or whose sender's lease ran out)."""
        t = NOTICES.c
        due = sa.or_(sa.and_(t.status == "pending", t.next_attempt_at <= now),
                     sa.and_(t.status == "sending", t.lease_until < now))
        # The lease's end doubles as the claim's token: make it unique to this claim.
        until = now + self.lease + dt.timedelta(microseconds=random.randrange(1, 999_999))
        with db.transaction(self.engine) as s:
            conn = s.connection()
            ids = list(conn.execute(
                sa.select(t.id).where(due).order_by(t.id).limit(self.batch)
                .with_for_update(skip_locked=True)).scalars())
            if ids:
                conn.execute(sa.update(NOTICES).where(t.id.in_(ids)).values(
                    status="sending", lease_until=until, attempts=t.attempts + 1))
        return ids, until

    async def send_pending(self, now: dt.datetime | None = None) -> SendResult:
        """Deliver everything that is due; returns what happened."""
        result = SendResult()
        while True:
            moment = now or dt.datetime.now(dt.UTC)
            ids, token = self.claim(moment)
            gate = asyncio.Semaphore(self.parallel)
            outcomes = await asyncio.gather(
                *(self._gated(gate, i, token, moment) for i in ids))
            for outcome in outcomes:
                setattr(result, outcome, getattr(result, outcome) + 1)
            if len(ids) < self.batch:
                return result

    async def _gated(self, gate: asyncio.Semaphore, notice_id: int, token: dt.datetime,
                     now: dt.datetime) -> str:
        async with gate:
            return await self._deliver(notice_id, token, now)

    def message_id(self, notice: Notice) -> str:
        digest = hashlib.sha256(notice.key.encode()).hexdigest()[:16]
        return f"<casework.{notice.id}.{digest}@{self.domain}>"

    async def _deliver(self, notice_id: int, token: dt.datetime, now: dt.datetime) -> str:
        try:
            with db.reading(self.engine) as s:
                notice = s.get(Notice, notice_id)
                assert notice is not None
                draft = compose.draft(s, self.cfg, notice, self.base_url, self.survey_token)
                attempts, message_id = notice.attempts, self.message_id(notice)
                if not draft.to:
                    return self._finish(notice_id, token, now, "skipped",
                                        error="nobody to tell: no address on file")
                rendered = self.renderer.render(draft.template, draft.context)
        except Exception as exc:  # a template or data bug: keep the notice, say why
            return self._finish(notice_id, token, now, "dead", error=f"cannot render: {exc!r}")
        mail = Mail(to=draft.to, subject=rendered.subject, text=rendered.text,
                    html=rendered.html, message_id=message_id,
                    headers=(("Auto-Submitted", "auto-generated"),))
        try:
            await self.backend.send(mail)
        except DeliveryError as exc:
            if exc.permanent or attempts >= self.max_attempts:
                return self._finish(notice_id, token, now, "dead", error=str(exc))
            return self._finish(notice_id, token, now, "retried", error=str(exc),
                                retry_at=now + backoff(attempts))
        return self._finish(notice_id, token, now, "sent", sent_to=", ".join(draft.to))

    def _finish(self, notice_id: int, token: dt.datetime, now: dt.datetime, outcome: str, *,
                error: str | None = None, retry_at: dt.datetime | None = None,
                sent_to: str | None = None) -> str:
        values: dict[str, Any] = {"lease_until": None, "last_error": error}
        if outcome == "retried":
            values.update(status="pending", next_attempt_at=retry_at)
        else:
            values.update(status=outcome)
        if outcome == "sent":
            values.update(sent_at=now, sent_to=sent_to)
        t = NOTICES.c
        with db.transaction(self.engine) as s:
            s.connection().execute(sa.update(NOTICES).where(
                t.id == notice_id, t.status == "sending", t.lease_until == token).values(values))
        return outcome


def listing(session: Session, *, status: str | None = None, limit: int = 50) -> list[Notice]:
    """The newest notices, optionally of one status, for `casework outbox list`."""
    query = select(Notice).order_by(Notice.id.desc()).limit(limit)  # type: ignore[union-attr]
    if status:
        query = query.where(Notice.status == status)
    return list(session.exec(query).all())
