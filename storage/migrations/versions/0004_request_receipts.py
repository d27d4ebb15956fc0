"""Request receipts: platform request ids already handled, for deduplicating retries and replays.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_receipts",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_request_receipts"),
    )
    op.create_index("ix_request_receipts_received_at", "request_receipts", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_request_receipts_received_at", table_name="request_receipts")
    op.drop_table("request_receipts")
