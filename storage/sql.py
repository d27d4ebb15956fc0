"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


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
