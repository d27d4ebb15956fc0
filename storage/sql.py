"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.columns import as_utc


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_or_ignore(
    session: AsyncSession, target: Any, conflict_columns: list[str]
) -> postgresql.Insert | sqlite.Insert:
    """`INSERT … ON CONFLICT (conflict_columns) DO NOTHING` for the session's backend; add
    `.values(...)` to it."""
    name = dialect_name(session)
    if name == "postgresql":
        return postgresql.insert(target).on_conflict_do_nothing(index_elements=conflict_columns)
    if name == "sqlite":
        return sqlite.insert(target).on_conflict_do_nothing(index_elements=conflict_columns)
    raise ValueError(f"unsupported database backend {name!r}: use SQLite or PostgreSQL")


def upsert(
    session: AsyncSession,
    target: Any,
    conflict_columns: list[str],
    values: dict[str, Any],
    update_columns: list[str],
) -> postgresql.Insert | sqlite.Insert:
    """`INSERT … ON CONFLICT (conflict_columns) DO UPDATE SET update_columns = excluded.…` for
    the session's backend: one statement, so two processes racing on a first insert both win."""
    name = dialect_name(session)
    if name not in ("postgresql", "sqlite"):
        raise ValueError(f"unsupported database backend {name!r}: use SQLite or PostgreSQL")
    stmt = (postgresql.insert(target) if name == "postgresql" else sqlite.insert(target)).values(
        values
    )
    return stmt.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={column: stmt.excluded[column] for column in update_columns},
    )


ID_CHUNK = 500
"""How many ids go in one `IN (...)` list: well under SQLite's bound-parameter limit."""


def ready_at(table: Table) -> ColumnElement[datetime]:
    """When a waiting schedule row (a nudge, a digest) may be claimed: its due time, or its
    retry time when that is later. Nudges index exactly this expression (for pending rows), so
    it must be spelled the same way wherever a query means it to be read from the index."""
    c = table.c
    return case((and_(c.retry_at.is_not(None), c.retry_at > c.due_at), c.retry_at), else_=c.due_at)


async def earliest_claimable(
    session: AsyncSession,
    table: Table,
    waiting: ColumnElement[bool],
    leased: ColumnElement[bool],
    mine: Any,
) -> datetime | None:
    """When a leased schedule row (a nudge, a digest) can next be claimed: the earliest due
    time — or retry time, when later — of the `waiting` rows, or the earliest lease end of the
    `leased` ones; `mine` narrows both (to a process's platforms). Each is the first row in
    index order (`ORDER BY … LIMIT 1`), not a `min()` over every row: with `mine`, a database
    can't take a minimum from an index, but it can stop at the first row that qualifies."""
    c = table.c
    ready = ready_at(table)
    first_ready = select(ready).where(waiting, mine).order_by(ready).limit(1)
    first_lease = (
        select(c.lease_until)
        .where(leased, c.lease_until.is_not(None), mine)
        .order_by(c.lease_until)
        .limit(1)
    )
    next_ready = (await session.execute(first_ready)).scalar_one_or_none()
    next_lease = (await session.execute(first_lease)).scalar_one_or_none()
    times = [as_utc(x) for x in (next_ready, next_lease) if x is not None]
    return min(times) if times else None
