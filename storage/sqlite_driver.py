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
comes back after a commit) makes no trip.

Once a transaction holds the write lock (its BEGIN IMMEDIATE went through), no statement of it
can wait for a lock any more: each is then just SQLite's work, which for most statements is a
few microseconds against the trip's hundreds. So a statement known to be quick — its last run
took at most `INLINE_WITHIN` — runs right here on the event loop, without a trip. A SELECT run
here is also cut off if it runs past `INLINE_GUARD` (SQLite stops it, nothing changed) and sent
to the thread instead; a write can't be cut off without losing the transaction, so it runs here
only when its last run was quick, and an executemany only for a few rows (its cost grows with
them, its text doesn't). The first statement (it takes the lock) and the commit always make
the trip. So a unit of work costs a trip for its first statement and one for its commit,
plus one for each statement that was not quick last time.
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import Any, cast

import aiosqlite

_BEGINS = frozenset({"BEGIN", "BEGIN DEFERRED", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"})
_LOCKING = frozenset({"BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"})
INLINE_WITHIN = 0.001
"""Seconds: a statement whose last run took at most this runs on the event loop (see above)."""
INLINE_GUARD = 0.005
"""Seconds a SELECT may run on the event loop before SQLite is told to stop it."""
_GUARD_EVERY = 1000  # SQLite instructions between two looks at the clock
_INLINE_ROWS = 20  # an executemany of more rows than this is never run on the event loop
_KEPT = 4096  # statements whose cost a connection remembers (forgotten all at once past this)


class OneTripConnection(aiosqlite.Connection):
    """An `aiosqlite.Connection` whose cursors make one trip per statement, BEGIN included in
    the trip of the statement after it."""

    _begin: str | None = None  # a BEGIN not sent yet: it goes with the next statement
    _locked = False  # this transaction began IMMEDIATE (or EXCLUSIVE): it holds the write lock

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self.costs: dict[str, float] = {}  # SQL text → seconds its last run took in SQLite

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

    def began(self, begin: str) -> None:
        self._locked = begin.strip().upper() in _LOCKING

    def quick_here(self, sql: str) -> bool:
        """Whether `sql` may run on the event loop now: the write lock is held, and its last
        run was quick."""
        if not (self._locked and self._conn.in_transaction):
            return False
        cost = self.costs.get(sql)
        return cost is not None and cost <= INLINE_WITHIN

    async def commit(self) -> None:
        self._locked = False
        if self.take_begin() is None and self._conn.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        self._locked = False
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
        values = tuple(parameters or ())
        return await self._trip(sql, lambda cursor: cursor.execute(sql, values))

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        rows = [tuple(p) for p in parameters]
        return await self._trip(
            sql, lambda cursor: cursor.executemany(sql, rows), here=len(rows) <= _INLINE_ROWS
        )

    async def _trip(
        self, sql: str, run: Callable[[sqlite3.Cursor], object], *, here: bool = True
    ) -> OneTripCursor:
        """Run the statement (in the thread, or here when `here` allows and it is quick)."""
        connection = self._connection
        begin = connection.take_begin()
        raw = connection._conn

        def statement() -> tuple[Any, int, int | None, list[Any], float]:
            cursor = raw.cursor()
            try:
                if begin is not None:
                    cursor.execute(begin)
                started = time.perf_counter()
                run(cursor)
                rows = cursor.fetchall() if cursor.description else []
                took = time.perf_counter() - started
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows, took
            finally:
                cursor.close()

        done = None
        if here and begin is None and connection.quick_here(sql):
            done = _guarded(raw, statement) if _reads_only(sql) else statement()
        if done is None:
            done = await connection._execute(statement)
        self.description, self.rowcount, self.lastrowid, rows, took = done
        if begin is not None:
            connection.began(begin)
        if len(connection.costs) >= _KEPT:
            connection.costs.clear()
        connection.costs[sql] = took
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


def _reads_only(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


def _guarded(
    raw: sqlite3.Connection, statement: Callable[[], tuple[Any, int, int | None, list[Any], float]]
) -> tuple[Any, int, int | None, list[Any], float] | None:
    """Run a SELECT on the event loop, or None if SQLite had to stop it past `INLINE_GUARD`
    (it changed nothing; the caller sends it to the thread)."""
    deadline = time.perf_counter() + INLINE_GUARD
    raw.set_progress_handler(lambda: time.perf_counter() > deadline, _GUARD_EVERY)
    try:
        return statement()
    except sqlite3.OperationalError as problem:
        if "interrupt" not in str(problem):
            raise
        return None
    finally:
        raw.set_progress_handler(None, 0)


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
