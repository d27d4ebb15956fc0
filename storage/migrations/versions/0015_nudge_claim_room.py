"""Room for a claim in each waiting nudge (`nudges.claim_room`, SQLite): a new row holds as
many bytes as its first claim writes (a token, a worker id, two timestamps), and the claim
empties it, so claiming a row rewrites it in place. A row that grows no longer fits its
page: SQLite then splits the page, and a claim of 200 wrote about 800 pages instead of about
200. PostgreSQL writes a new version of every row it updates anyway: the column stays NULL.

Existing rows are left as they are (rewriting every waiting row would split every page of
the table now, to spare a split later); a row gets its room when next rewritten while
waiting, and rows planned from now on have it from their insert.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a first claim writes into a row: a token of 16 characters, a lease end and an attempt
# start of 26 each (SQLite's text for a datetime), and a worker id of up to 45 characters
# (`host:pid:hex`); one byte less, for the row header's smaller entry for a NULL.
ROOM = 16 + 26 + 26 + 45 - 1


def upgrade() -> None:
    # SQLite's ADD COLUMN takes a literal default only (no zeroblob()): a blob literal.
    sqlite = op.get_context().dialect.name == "sqlite"
    default = sa.text(f"x'{bytes(ROOM).hex()}'") if sqlite else None
    op.add_column("nudges", sa.Column("claim_room", sa.LargeBinary(), server_default=default))


def downgrade() -> None:
    with op.batch_alter_table("nudges") as batch:
        batch.drop_column("claim_room")
