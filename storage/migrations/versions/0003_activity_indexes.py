"""Indexes for counting a week of activity: events by time, rounds by start.

A board or digest counts what a channel's members did in one week; without these, both
tables are read whole.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ix_rounds_starts_at", "rounds", ["starts_at"])


def downgrade() -> None:
    op.drop_index("ix_rounds_starts_at", table_name="rounds")
    op.drop_index("ix_events_at", table_name="events")
