"""Staff workspace: a session version per user (bumped to end every session of an
account: disabled, new password), the time of the last sign-in, and an index that
finds a complaint's possible duplicates (same category, filed about the same time)
without reading the whole table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from casework.models import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                      server_default="1"))
        batch_op.add_column(sa.Column("last_login_at", UTCDateTime(), nullable=True))
    op.create_index("ix_cases_category_filed", "cases", ["category_code", "filed_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_category_filed", table_name="cases")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("session_version")
