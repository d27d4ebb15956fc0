"""An index of failed nudges by user (`WHERE state = 'failed'`): every read of a user row asks
whether they have failures not reported to them yet, and was answered by reading each of their
nudges; now by one probe of an index that holds only the failed few.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_nudges_failed_user_id",
        "nudges",
        ["user_id", "failed_at"],
        postgresql_where=sa.text("state = 'failed'"),
        sqlite_where=sa.text("state = 'failed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_nudges_failed_user_id", table_name="nudges")
