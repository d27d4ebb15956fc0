"""The claim-token index holds claimed rows only (`WHERE state = 'claimed'`, as the lease-end
index): an index of every nudge held each pending one under a NULL token, so each row a claim
took also moved that row's entry, somewhere in an index as large as the table — one more page
read and written per claimed row, and a claim that grew with the rows stored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_nudges_claimed_claim_token",
        "nudges",
        ["claim_token"],
        postgresql_where=sa.text("state = 'claimed'"),
        sqlite_where=sa.text("state = 'claimed'"),
    )
    op.drop_index("ix_nudges_claim_token", table_name="nudges")


def downgrade() -> None:
    op.create_index("ix_nudges_claim_token", "nudges", ["claim_token"])
    op.drop_index("ix_nudges_claimed_claim_token", table_name="nudges")
