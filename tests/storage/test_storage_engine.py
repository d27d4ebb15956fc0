"""URL normalization and engine settings."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine, normalize_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///followup.db", "sqlite+aiosqlite:///followup.db"),
        ("sqlite:////var/lib/followup.db", "sqlite+aiosqlite:////var/lib/followup.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://user@host/db", "postgresql+asyncpg://user@host/db"),
        ("postgres://user:p%40ss@host:5433/db", "postgresql+asyncpg://user:p%40ss@host:5433/db"),
        ("postgresql+asyncpg://user@host/db", "postgresql+asyncpg://user@host/db"),
        ("postgres+asyncpg://user@host/db", "postgresql+asyncpg://user@host/db"),
        ("  postgresql://h/db?sslmode=require  ", "postgresql+asyncpg://h/db?ssl=require"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_normalize_url_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        normalize_url("followup.db")


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url.replace("sqlite+aiosqlite", "sqlite"))
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (
                await conn.execute(text("PRAGMA busy_timeout"))
            ).scalar() == SQLITE_BUSY_TIMEOUT_MS
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_postgres_engine_connects_with_plain_url(postgres_url: str) -> None:
    engine = create_engine(postgres_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        assert engine.dialect.driver == "asyncpg"
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
