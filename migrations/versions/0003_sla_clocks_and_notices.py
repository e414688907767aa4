"""SLA clock columns on cases (warn, level, next moment to look) and the notices outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOCKS = ("ack", "reply", "resolution")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch:
        batch.add_column(sa.Column("replied_at", UTCDateTime(), nullable=True))
        for c in CLOCKS:
            batch.add_column(sa.Column(f"{c}_warn_at", UTCDateTime(), nullable=True))
            batch.add_column(sa.Column(f"{c}_level", sa.Integer(), nullable=False,
                                       server_default="0"))
            batch.add_column(sa.Column(f"{c}_next_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("resolution_escalate_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("sla_round", sa.Integer(), nullable=False,
                                   server_default="0"))
    # Clocks of cases filed before this revision: look at them again when they fall due.
    op.execute("UPDATE cases SET ack_warn_at = ack_due_at, ack_next_at = ack_due_at "
               "WHERE state = 'not_received'")
    op.execute("UPDATE cases SET reply_warn_at = reply_due_at, reply_next_at = reply_due_at "
               "WHERE state IN ('not_received', 'received', 'dispatched')")
    op.execute("UPDATE cases SET resolution_warn_at = resolution_due_at, "
               "resolution_next_at = resolution_due_at, sla_round = 1 "
               "WHERE state = 'dispatched'")
    for c in CLOCKS:
        op.create_index(f"ix_cases_{c}_next", "cases", [f"{c}_next_at"],
                        sqlite_where=sa.text(f"{c}_next_at IS NOT NULL"),
                        postgresql_where=sa.text(f"{c}_next_at IS NOT NULL"))

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("audience", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("clock", sa.String(length=20), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=60), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("sent_to", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_notices_case_id", "notices", ["case_id"])
    op.create_index("ix_notices_pending", "notices", ["status", "next_attempt_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_notices_pending", table_name="notices")
    op.drop_index("ix_notices_case_id", table_name="notices")
    op.drop_table("notices")
    for c in CLOCKS:
        op.drop_index(f"ix_cases_{c}_next", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch:
        batch.drop_column("sla_round")
        batch.drop_column("resolution_escalate_at")
        for c in CLOCKS:
            batch.drop_column(f"{c}_next_at")
            batch.drop_column(f"{c}_level")
            batch.drop_column(f"{c}_warn_at")
        batch.drop_column("replied_at")
