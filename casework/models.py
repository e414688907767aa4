"""Database tables (SQLModel). Timestamps are timezone-aware UTC on every backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on SQLite (which keeps no zone) and PostgreSQL alike.
    Naive values are refused: they are always a bug here."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a timezone-aware column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: sa.Dialect, coltype: Any) -> Any:
        """On SQLite, read the stored text straight into an aware datetime: one C call
        instead of parsing it naive and then replacing the zone (about 6x faster, which
        lists of many rows feel)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse, slow = dt.datetime.fromisoformat, self.process_result_value

        def process(value: Any) -> dt.datetime | None:
            if isinstance(value, str):
                try:
                    return parse(value + "+00:00")  # stored naive, in UTC
                except ValueError:
                    pass
            return slow(value, dialect)

        return process

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Department(SQLModel, table=True):
    __tablename__ = "departments"
    code: str = Field(primary_key=True, max_length=40)
    name_th: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    kind: str = Field(default="department", max_length=20)
    active: bool = True


class Category(SQLModel, table=True):
    __tablename__ = "categories"
    code: str = Field(primary_key=True, max_length=40)
    prefix: str = Field(max_length=8, unique=True)
    name_th: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    department_code: str = Field(foreign_key="departments.code", max_length=40)
    track: str = Field(default="general", max_length=20)
    after_photo: bool = False
    active: bool = True


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    full_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    department_code: str | None = Field(
        default=None, foreign_key="departments.code", max_length=40
    )
    email: str | None = Field(default=None, max_length=254)
    password_hash: str | None = Field(default=None, max_length=255)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Signed-in sessions carry this number; disabling the account or setting a new
    # password bumps it, which ends every session made before.
    session_version: int = Field(default=1, nullable=False)
    last_login_at: dt.datetime | None = _ts()


class NumberCounter(SQLModel, table=True):
    """Last case sequence handed out per (Thai fiscal year, category prefix)."""

    __tablename__ = "number_counters"
    fiscal_year: int = Field(primary_key=True)
    prefix: str = Field(primary_key=True, max_length=8)
    last: int = 0


class Case(SQLModel, table=True):
    """A complaint. `number` (prefix/seq) is unique within its fiscal year; as a prefix
    never contains '/', that also makes (fiscal_year, prefix, seq) unique."""

    __tablename__ = "cases"
    __table_args__ = (
        sa.UniqueConstraint("fiscal_year", "number", name="uq_cases_fy_number"),
        sa.Index("ix_cases_fy_filed", "fiscal_year", "filed_at", "id"),
        sa.Index("ix_cases_state_filed", "state", "filed_at", "id"),
        sa.Index("ix_cases_dept_due", "department_code", "state", "resolution_due_at", "id"),
        sa.Index("ix_cases_category_filed", "category_code", "filed_at"),  # duplicates
        # The SLA scanner looks only at clocks with something pending (partial indexes:
        # closed cases and stopped clocks are not in them).
        *(sa.Index(f"ix_cases_{c}_next", f"{c}_next_at",
                   sqlite_where=sa.text(f"{c}_next_at IS NOT NULL"),
                   postgresql_where=sa.text(f"{c}_next_at IS NOT NULL"))
          for c in ("ack", "reply", "resolution")),
    )

    id: int | None = Field(default=None, primary_key=True)
    fiscal_year: int
    prefix: str = Field(max_length=8)
    seq: int
    number: str = Field(max_length=20)
    tracking_code: str = Field(max_length=16, unique=True)
    state: str = Field(default="not_received", max_length=20)
    track: str = Field(default="general", max_length=20)
    category_code: str = Field(foreign_key="categories.code", max_length=40)
    filed_category_code: str = Field(max_length=40)
    department_code: str | None = Field(
        default=None, foreign_key="departments.code", max_length=40
    )
    consideration: str | None = Field(default=None, max_length=20)
    consideration_days: int | None = None
    channel: str = Field(default="web", max_length=20)
    subject: str = Field(max_length=200)
    details: str = Field(sa_type=sa.Text)
    location_text: str | None = Field(default=None, max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    first_name: str = Field(max_length=100, index=True)
    surname: str = Field(max_length=100, index=True)
    address: str = Field(max_length=500)
    phone: str = Field(max_length=20)
    email: str | None = Field(default=None, max_length=254)
    copy_to_email: bool = False
    agency: str | None = Field(default=None, max_length=200)
    reject_reason: str | None = Field(default=None, max_length=40)
    duplicate_of_id: int | None = Field(default=None, foreign_key="cases.id")
    resolution_note: str | None = Field(default=None, sa_type=sa.Text)
    suggestion: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)  # router's
    reopen_count: int = 0
    filed_by: str | None = Field(default=None, max_length=60)
    filed_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_at: dt.datetime | None = _ts()
    dispatched_at: dt.datetime | None = _ts()
    completed_at: dt.datetime | None = _ts()
    closed_at: dt.datetime | None = _ts()
    replied_at: dt.datetime | None = _ts()  # first public answer to the citizen
    # SLA clocks (casework.sla): warn, due, level reached, next moment to look at.
    ack_warn_at: dt.datetime | None = _ts()
    ack_due_at: dt.datetime | None = _ts()
    ack_level: int = 0
    ack_next_at: dt.datetime | None = _ts()
    reply_warn_at: dt.datetime | None = _ts()
    reply_due_at: dt.datetime | None = _ts()
    reply_level: int = 0
    reply_next_at: dt.datetime | None = _ts()
    resolution_warn_at: dt.datetime | None = _ts()
    resolution_due_at: dt.datetime | None = _ts()
    resolution_escalate_at: dt.datetime | None = _ts()
    resolution_level: int = 0
    resolution_next_at: dt.datetime | None = _ts()
    sla_round: int = 0  # how many times the resolution clock has (re)started
    updated_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class CaseEvent(SQLModel, table=True):
    """Append-only history: one row per transition, note or assignment.
    The database itself refuses UPDATE and DELETE on this table (see migrations)."""

    __tablename__ = "case_events"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str = Field(max_length=60)
    actor_role: str = Field(max_length=20)
    trigger: str = Field(max_length=30)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str = Field(max_length=20)
    public_note: str | None = Field(default=None, sa_type=sa.Text)
    internal_note: str | None = Field(default=None, sa_type=sa.Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)


class Notice(SQLModel, table=True):
    """Tell WHOM about WHAT: written by the domain in the same transaction as its cause,
    delivered later by notifications.outbox. `key` makes every notice exactly-once:
    a second scan, a second instance or a retried request inserts nothing new.

    Who receives it is worked out when it is sent, from `kind`, `audience` and the case
    (e.g. the department's supervisors of the day), and recorded in `sent_to`."""

    __tablename__ = "notices"
    __table_args__ = (
        sa.Index("ix_notices_pending", "status", "next_attempt_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    kind: str = Field(max_length=30)  # ack, status, assignment, sla, digest, survey
    audience: str = Field(max_length=30)  # citizen, department, supervisors, center, user
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    clock: str | None = Field(default=None, max_length=20)
    level: int | None = None
    username: str | None = Field(default=None, max_length=60)
    data: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default="pending", max_length=12)  # pending sending sent dead skipped
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    lease_until: dt.datetime | None = _ts()
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    sent_at: dt.datetime | None = _ts()
    sent_to: str | None = Field(default=None, sa_type=sa.Text)


class CasePhoto(SQLModel, table=True):
    """A photo of a case: 'before' (sent with the complaint), 'progress' or 'after'
    (posted by staff with an event). `name` and `thumb` are media names relative to the
    media folder (content hashes, see web.media); width/height when known."""

    __tablename__ = "case_photos"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="case_events.id")
    kind: str = Field(max_length=10)  # before, progress, after
    name: str = Field(max_length=100, index=True)
    thumb: str = Field(max_length=100, index=True)
    width: int | None = None
    height: int | None = None
    created_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class Feedback(SQLModel, table=True):
    """The citizen's answer about a finished case, one per case: did the fix hold
    (`confirmed`: True fixed, False disputed, None no answer) and a 1–5 rating with a
    comment. `source` says where it came from: the case page or the satisfaction survey."""

    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="ck_feedback_rating"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", unique=True)
    rating: int | None = None
    comment: str | None = Field(default=None, sa_type=sa.Text)
    confirmed: bool | None = None
    source: str = Field(default="case_page", max_length=20)  # case_page, survey
    created_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)


class CaseView(SQLModel, table=True):
    """Who looked at a case on the sealed corruption track, when and where (page, API,
    export, command line) — and who tried to and was refused."""

    __tablename__ = "case_views"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    username: str = Field(max_length=60)
    role: str = Field(max_length=20)
    at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    where: str = Field(max_length=60)
    allowed: bool = True
