"""aiosqlite with one trip to its thread per statement.

aiosqlite runs every sqlite3 call on a thread of its own, so that a statement waiting for a
lock or the disk never holds up the event loop. But SQLAlchemy's adapter makes a call for
each step of a statement — create the cursor, execute, fetch the rows, close the cursor — and
each call is a round trip between the loop and that thread (a queue, a wake-up, a future). On
a busy 2-core machine those trips cost more than the statements themselves.

`OneTripConnection` is an aiosqlite connection whose cursors do all of a statement's steps in
one trip: execute, read every row (SQLAlchemy reads them all at once anyway, except when
streaming, where our partitions are small enough to hold), note the description, row count
and last row id, and close. Fetching then answers from memory.

A transaction's `BEGIN` makes no trip of its own either: it is kept and sent in the same trip
as the next statement (so a failure to begin, such as a lock not granted within the busy
timeout, is that statement's error), and a transaction that sent nothing is neither begun nor
ended. A commit or rollback with no transaction open (the pool's rollback when a connection
comes back after a commit) makes no trip. So a unit of work costs one trip per statement, plus
one for its commit.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import Any, cast

import aiosqlite

_BEGINS = frozenset({"BEGIN", "BEGIN DEFERRED", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"})


class OneTripConnection(aiosqlite.Connection):
    """An `aiosqlite.Connection` whose cursors make one trip per statement, BEGIN included in
    the trip of the statement after it."""

    _begin: str | None = None  # a BEGIN not sent yet: it goes with the next statement

    def cursor(self) -> _NewCursor:  # type: ignore[override]  # aiosqlite's is an awaitable context too
        return _NewCursor(OneTripCursor(self))

    def defer(self, sql: str) -> bool:
        """Keep `sql` for the next statement's trip if it is a BEGIN (and none is open)."""
        if (
            self._begin is not None
            or sql.strip().upper() not in _BEGINS
            or self._conn.in_transaction
        ):
            return False
        self._begin = sql
        return True

    def take_begin(self) -> str | None:
        begin, self._begin = self._begin, None
        return begin

    async def commit(self) -> None:
        if self.take_begin() is None and self._conn.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self.take_begin() is None and self._conn.in_transaction:
            await super().rollback()


class _NewCursor:
    """What `Connection.cursor()` returns: awaitable, and an async context manager, like
    aiosqlite's; making the cursor itself needs no trip (the sqlite3 cursor is made in the
    thread, with the statement)."""

    def __init__(self, cursor: OneTripCursor) -> None:
        self._cursor = cursor

    def __await__(self) -> Generator[Any, None, OneTripCursor]:
        if False:  # pragma: no cover - makes this a generator without suspending
            yield
        return self._cursor

    async def __aenter__(self) -> OneTripCursor:
        return self._cursor

    async def __aexit__(self, *_: object) -> None:
        await self._cursor.close()


class OneTripCursor:
    """The part of `aiosqlite.Cursor` SQLAlchemy uses."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.description: Sequence[Any] | None = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> OneTripCursor:
        if not parameters and self._connection.defer(sql):
            self.description, self.rowcount, self.lastrowid, self._rows = None, -1, None, deque()
            return self
        return await self._trip(lambda cursor: cursor.execute(sql, tuple(parameters or ())))

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        return await self._trip(
            lambda cursor: cursor.executemany(sql, [tuple(p) for p in parameters])
        )

    async def _trip(self, run: Callable[[sqlite3.Cursor], object]) -> OneTripCursor:
        begin = self._connection.take_begin()

        def statement() -> tuple[Any, int, int | None, list[Any]]:
            cursor = self._connection._conn.cursor()
            try:
                if begin is not None:
                    cursor.execute(begin)
                run(cursor)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()

        self.description, self.rowcount, self.lastrowid, rows = await self._connection._execute(
            statement
        )
        self._rows = deque(rows)
        return self

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(len(self._rows), size if size is not None else self.arraysize)
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


def one_trip_creator(args: Sequence[Any], kwargs: Mapping[str, Any]) -> Callable[[], Any]:
    """An `async_creator` for SQLAlchemy: a `OneTripConnection` opened with the arguments
    the aiosqlite dialect would have passed to `sqlite3.connect`."""

    async def create() -> OneTripConnection:
        def connector() -> sqlite3.Connection:
            return sqlite3.connect(*args, **kwargs)

        connection = OneTripConnection(connector, 64)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
        return cast(OneTripConnection, await connection)

    return create
