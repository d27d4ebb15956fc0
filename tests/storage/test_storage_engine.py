"""URL normalization and engine settings."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine, normalize_url
from storage.sqlite_driver import OneTripConnection


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


class _Trips:
    """Counts the trips a `OneTripConnection` makes to SQLite's thread."""

    def __init__(self, driver: Any) -> None:
        assert isinstance(driver, OneTripConnection)
        self.count = 0
        real = driver._execute

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await real(fn, *args, **kwargs)

        driver._execute = counted  # type: ignore[method-assign]


async def test_a_sqlite_statement_is_one_trip_to_the_database_thread(sqlite_url: str) -> None:
    """aiosqlite's own cursors cost a trip between the event loop and SQLite's thread for each
    step of a statement (make the cursor, execute, fetch, close): four or five per statement.
    Ours make one, and BEGIN goes with the first: a unit of work of N statements never seen
    before costs N trips and its COMMIT; the pool's rollback of a connection already committed
    costs none."""
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            await conn.commit()
            trips = _Trips((await conn.get_raw_connection()).driver_connection)
            await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}])
            rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
            changed = await conn.execute(text("UPDATE t SET v = 'c' WHERE v = 'a'"))
            streamed = [row async for row in await conn.stream(text("SELECT v, id FROM t"))]
            await conn.commit()
            assert trips.count == 4 + 1  # four statements (the first with BEGIN IMMEDIATE), COMMIT
            async with conn.begin():
                pass  # a transaction that sent nothing is neither begun nor ended
            assert trips.count == 5
        assert trips.count == 5  # back to the pool: nothing to roll back
        assert (
            rows == ["a", "b"] and changed.rowcount == 1 and [r.v for r in streamed] == ["c", "b"]
        )
        async with engine.connect() as conn:
            # it was committed
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2
    finally:
        await engine.dispose()


async def test_once_the_write_lock_is_held_quick_statements_make_no_trip(sqlite_url: str) -> None:
    """The first statement of a transaction takes the write lock in the thread (it may have to
    wait for it); after it, a statement whose last run was quick runs on the event loop. The
    commit, and the next transaction's first statement, still make their trips."""
    engine = create_engine(sqlite_url)
    insert, select = text("INSERT INTO t (v) VALUES (:v)"), text("SELECT v FROM t ORDER BY id")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            await conn.commit()
            trips = _Trips((await conn.get_raw_connection()).driver_connection)
            for value in ("a", "b"):  # the first run of each is a trip: nothing known of it yet
                await conn.execute(insert, {"v": value})
                await conn.execute(select)
            await conn.commit()
            assert trips.count == 2 + 1  # the first INSERT (with BEGIN), the first SELECT, COMMIT
            await conn.execute(select)  # first of its transaction: takes the lock, so a trip
            await conn.execute(insert, {"v": "c"})
            seen = (await conn.execute(select)).scalars().all()
            await conn.rollback()
            assert trips.count == 3 + 1 + 1  # the SELECT with BEGIN, ROLLBACK
            assert seen == ["a", "b", "c"]
            assert (await conn.execute(select)).scalars().all() == ["a", "b"]
    finally:
        await engine.dispose()


async def test_an_executemany_of_many_rows_makes_its_trip_however_quick_it_was(
    sqlite_url: str,
) -> None:
    """Its text is the same for 2 rows and for 2,000; its cost is not."""
    engine = create_engine(sqlite_url)
    insert = text("INSERT INTO t (v) VALUES (:v)")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            await conn.commit()
            trips = _Trips((await conn.get_raw_connection()).driver_connection)
            await conn.execute(insert, [{"v": "a"}, {"v": "b"}])  # with BEGIN; learnt: quick
            await conn.execute(insert, [{"v": "c"}, {"v": "d"}])
            assert trips.count == 1  # ran here
            await conn.execute(insert, [{"v": str(n)} for n in range(2000)])
            assert trips.count == 2
            await conn.commit()
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2004
    finally:
        await engine.dispose()


async def test_a_select_that_turns_out_slow_on_the_loop_is_stopped_and_sent_to_the_thread(
    sqlite_url: str,
) -> None:
    """Quick last time, slow this time (the same statement, other parameters): SQLite stops it
    on the event loop after a few milliseconds, and the thread runs it to its right answer."""
    engine = create_engine(sqlite_url)
    crossing = text("SELECT count(*) FROM t AS a, t AS b, t AS c WHERE a.id <= :n")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            ids = [{"i": i} for i in range(1, 301)]
            await conn.execute(text("INSERT INTO t (id) VALUES (:i)"), ids)
            await conn.commit()
            trips = _Trips((await conn.get_raw_connection()).driver_connection)
            await conn.execute(text("SELECT 1"))  # takes the lock
            assert (await conn.execute(crossing, {"n": 0})).scalar() == 0  # learnt: quick
            before = trips.count
            assert (await conn.execute(crossing, {"n": 0})).scalar() == 0
            assert trips.count == before  # ran here
            assert (await conn.execute(crossing, {"n": 100})).scalar() == 100 * 300 * 300
            assert trips.count == before + 1  # stopped here, answered by the thread
            await conn.commit()
    finally:
        await engine.dispose()


async def test_a_begin_that_cannot_lock_is_the_error_of_the_statement_it_went_with(
    sqlite_url: str,
) -> None:
    """Another process holds the write lock: the BEGIN IMMEDIATE sent with our first statement
    fails there, nothing of ours ran, and once the lock is free the connection works again."""
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            await conn.execute(text("PRAGMA busy_timeout = 0"))  # fail at once rather than wait
            await conn.commit()
            other = sqlite3.connect(sqlite_url.split("///", 1)[1], isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                with pytest.raises(OperationalError, match="locked"):
                    await conn.execute(text("INSERT INTO t (v) VALUES ('ours')"))
                await conn.rollback()
                other.execute("INSERT INTO t (v) VALUES ('theirs')")
                other.execute("COMMIT")
            finally:
                other.close()
            await conn.execute(text("INSERT INTO t (v) VALUES ('ours')"))
            await conn.commit()
            assert (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all() == [
                "theirs",
                "ours",
            ]
    finally:
        await engine.dispose()
