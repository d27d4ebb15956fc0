"""What one statement costs through each layer of the stack, and what a trivial command costs,
on a SQLite file (in-process; CPU is the whole process's, the driver's thread included).

`SELECT 1`, many times over one connection, in microseconds per statement (wall and CPU): the
sqlite3 module alone; sync SQLAlchemy (a Core connection); raw aiosqlite; SQLAlchemy async
over aiosqlite as it comes; and our engine (`storage.engine`: at most one trip to the driver's
thread per statement, none for a quick one once the transaction holds the write lock) through
a Core connection and through an ORM session, as units of work use it.
Then whole commands through the facade for a person with 10 applications, in milliseconds of
CPU each, and how many statements each sends: `settings` (the person's look-up alone), `show`
(one application), `snooze` (a write); 200 people take turns, so no history grows long. The
issue measured 428 µs (async), 242 µs (aiosqlite) and 19 µs (sync) a `SELECT 1`, and about
6 ms of CPU a trivial command.
Targets: a `SELECT 1` through our engine's session at most twice raw aiosqlite's time, and no
more CPU than raw aiosqlite's; a trivial command under 3 ms of CPU.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import time as clock
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiosqlite
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.seed import fresh_database, seed, temporary_sqlite_url
from bot.clock import SimulatedClock
from bot.domain import Identity
from bot.service import Followup
from storage.database import Database

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SELECTS = 2000
COMMAND_RUNS = 200
USERS = 200  # people with 10 applications each, taking turns
REPEATS = 3  # each figure is the median of this many runs
COMMANDS = {"settings": "settings", "show": "show 3", "snooze": "snooze 5 2d"}
TARGET_SESSION_OVER_RAW = 2.0
TARGET_SESSION_CPU_OVER_RAW = 1.0
TARGET_TRIVIAL_CPU_MS = 3.0


async def _timed(work: Callable[[], Awaitable[None]], n: int) -> tuple[float, float]:
    """(wall, CPU) per call of `work`, in microseconds: the median of REPEATS runs of n calls."""
    walls, cpus = [], []
    for _ in range(REPEATS):
        t0, c0 = clock.perf_counter(), clock.process_time()
        for _ in range(n):
            await work()
        walls.append((clock.perf_counter() - t0) / n * 1e6)
        cpus.append((clock.process_time() - c0) / n * 1e6)
    return statistics.median(walls), statistics.median(cpus)


def _sync_timed(work: Callable[[], object], n: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(REPEATS):
        t0, c0 = clock.perf_counter(), clock.process_time()
        for _ in range(n):
            work()
        walls.append((clock.perf_counter() - t0) / n * 1e6)
        cpus.append((clock.process_time() - c0) / n * 1e6)
    return statistics.median(walls), statistics.median(cpus)


async def _select_one(path: str, url: str) -> dict[str, tuple[float, float]]:
    found: dict[str, tuple[float, float]] = {}

    plain = sqlite3.connect(path)
    found["sqlite3 module"] = _sync_timed(lambda: plain.execute("SELECT 1").fetchall(), SELECTS)
    plain.close()

    engine = create_sync_engine(f"sqlite:///{path}")
    with engine.connect() as sync_connection:
        found["sync SQLAlchemy"] = _sync_timed(
            lambda: sync_connection.execute(text("SELECT 1")).all(), SELECTS
        )
    engine.dispose()

    async with aiosqlite.connect(path) as raw:

        async def raw_select() -> None:
            async with raw.execute("SELECT 1") as cursor:
                await cursor.fetchall()

        found["raw aiosqlite"] = await _timed(raw_select, SELECTS)

    stock = create_async_engine(f"sqlite+aiosqlite:///{path}")
    async with stock.connect() as connection:

        async def stock_select() -> None:
            (await connection.execute(text("SELECT 1"))).all()

        found["SQLAlchemy async (aiosqlite as it comes)"] = await _timed(stock_select, SELECTS)
    await stock.dispose()

    database = Database.from_url(url)
    async with database.engine.connect() as connection:

        async def ours() -> None:
            (await connection.execute(text("SELECT 1"))).all()

        found["our engine, Core connection"] = await _timed(ours, SELECTS)
    async with database.sessions() as session:

        async def session_select() -> None:
            (await session.execute(text("SELECT 1"))).all()

        found["our engine, ORM session"] = await _timed(session_select, SELECTS)
    await database.dispose()
    return found


async def _commands(database: Database) -> dict[str, tuple[float, float, float]]:
    """(wall ms, CPU ms, statements) per run of each command."""
    followup = Followup(database.unit_of_work, SimulatedClock(NOW))
    people = [Identity("bench", "w", f"user{u}") for u in range(1, USERS + 1)]
    for line in COMMANDS.values():  # warm-up: caches, dateparser
        for who in people[:5]:
            (await followup.handle_text(who, line)).as_text()
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    found = {}
    for name, line in COMMANDS.items():

        turn = 0

        async def run(line: str = line) -> None:
            # Each run for the next person: a write adds to one application's history, and a
            # history that grew with every run would measure the replay, not the command.
            nonlocal turn
            turn += 1
            (await followup.handle_text(people[turn % USERS], line)).as_text()

        event.listen(database.engine.sync_engine, "before_cursor_execute", count)
        statements = 0
        try:
            wall, cpu = await _timed(run, COMMAND_RUNS)
        finally:
            event.remove(database.engine.sync_engine, "before_cursor_execute", count)
        found[name] = (wall / 1000, cpu / 1000, statements / (COMMAND_RUNS * REPEATS))
    return found


async def run() -> dict[str, object]:
    figures: dict[str, object] = {"suite": "statement_cost"}
    url, folder = temporary_sqlite_url("statement-cost")
    try:
        database = await fresh_database(url)
        try:
            await seed(database, users=USERS, apps_per_user=10, now=NOW)
            commands = await _commands(database)
        finally:
            await database.dispose()
        selects = await _select_one(str(folder / "bench.db"), url)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for layer, (wall, cpu) in selects.items():
        figures[f"SELECT 1, {layer}: µs"] = wall
        figures[f"SELECT 1, {layer}: CPU µs"] = cpu
    for name, (wall, cpu, sent) in commands.items():
        figures[f"{name}: ms per command"] = wall
        figures[f"{name}: CPU ms per command"] = cpu
        figures[f"{name}: statements"] = sent
    ratio = selects["our engine, ORM session"][0] / selects["raw aiosqlite"][0]
    cpu_ratio = selects["our engine, ORM session"][1] / selects["raw aiosqlite"][1]
    figures["SELECT 1, our session / raw aiosqlite"] = ratio
    figures["SELECT 1, our session / raw aiosqlite, CPU"] = cpu_ratio
    met = (
        ratio <= TARGET_SESSION_OVER_RAW
        and cpu_ratio <= TARGET_SESSION_CPU_OVER_RAW
        and commands["settings"][1] < TARGET_TRIVIAL_CPU_MS
    )
    figures[
        f"target: session ≤ {TARGET_SESSION_OVER_RAW:g}× raw aiosqlite (CPU "
        f"≤ {TARGET_SESSION_CPU_OVER_RAW:g}×), trivial command < {TARGET_TRIVIAL_CPU_MS:g} ms CPU"
    ] = "met" if met else "missed"
    return figures
