"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, case, func, select
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
    session: AsyncSession, target: Any, conflict_columns: list[str], values: dict[str, Any], update_columns: list[str]
) -> postgresql.Insert | sqlite.Insert:
    """`INSERT … ON CONFLICT (conflict_columns) DO UPDATE SET update_columns = excluded.…` for
    the session's backend: one statement, so two processes racing on a first insert both win."""
    name = dialect_name(session)
    if name not in ("postgresql", "sqlite"):
        raise ValueError(f"unsupported database backend {name!r}: use SQLite or PostgreSQL")
    stmt = (postgresql.insert(target) if name == "postgresql" else sqlite.insert(target)).values(values)
    return stmt.on_conflict_do_update(
        index_elements=conflict_columns, set_={column: stmt.excluded[column] for column in update_columns}
    )


ID_CHUNK = 500
"""How many ids go in one `IN (...)` list: well under SQLite's bound-parameter limit."""


async def earliest_claimable(
    session: AsyncSession, table: Table, waiting: ColumnElement[bool], leased: ColumnElement[bool], mine: Any
) -> datetime | None:
    """When a leased schedule row (a nudge, a digest) can next be claimed: the earliest due
    time — or retry time, when later — of the `waiting` rows, or the earliest lease end of the
    `leased` ones; `mine` narrows both (to a process's platforms)."""
    c = table.c
    ready_at = case((and_(c.retry_at.is_not(None), c.retry_at > c.due_at), c.retry_at), else_=c.due_at)
    next_ready = (await session.execute(select(func.min(ready_at)).where(waiting, mine))).scalar_one_or_none()
    next_lease = (await session.execute(select(func.min(c.lease_until)).where(leased, mine))).scalar_one_or_none()
    times = [as_utc(x) for x in (next_ready, next_lease) if x is not None]
    return min(times) if times else None
