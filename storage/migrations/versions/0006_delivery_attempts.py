"""Delivery attempts: when the current attempt on a nudge began (`attempted_at`), and since when
an earlier attempt may have reached the platform without us knowing (`unknown_since`: the
sender died holding the claim, or the platform never answered), so the next attempt verifies
before it sends.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("nudges") as batch:
        batch.add_column(sa.Column("attempted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("unknown_since", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nudges") as batch:
        batch.drop_column("unknown_since")
        batch.drop_column("attempted_at")
