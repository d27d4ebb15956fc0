"""Filling a database fast for benchmarks: bulk Core inserts of users, applications, rounds,
interviewers and nudges, shaped like what the bot itself stores."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from storage.database import Database
from storage.migrate import upgrade_database
from storage.models import ApplicationRow, InterviewerRow, NudgeRow, RoundRow, UserRow

CHUNK = 5_000


@dataclass(frozen=True)
class Seeded:
    users: int
    applications: int
    nudges: int


def temporary_sqlite_url(name: str) -> tuple[str, Path]:
    folder = Path(tempfile.mkdtemp(prefix=f"followup-bench-{name}-"))
    return f"sqlite:///{folder / 'bench.db'}", folder


async def fresh_database(url: str) -> Database:
    await upgrade_database(url)
    return Database.from_url(url)


def _driver_rows(
    table: Table, rows: list[dict[str, Any]], dialect: Dialect
) -> tuple[str, list[tuple[Any, ...]], list[str]] | None:
    """The INSERT for the driver itself, its rows and their columns, each value converted by
    its column's own bind processor (as SQLAlchemy would; a datetime once per distinct value) —
    or None when a column left out has a default that isn't a plain value, or the paramstyle
    is unusual."""
    given = list(rows[0])
    defaults = {}
    for column in table.columns:
        if column.name not in given and column.default is not None:
            if not isinstance(column.default, ScalarElementColumnDefault):
                return None
            defaults[column.name] = column.default.arg
    names = given + list(defaults)
    marks = {
        "qmark": ["?"] * len(names),
        "numeric_dollar": [f"${i}" for i in range(1, len(names) + 1)],
        "format": ["%s"] * len(names),
    }.get(dialect.paramstyle)
    if marks is None:
        return None
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) VALUES "
        f"({', '.join(marks)})"
    )
    columns = [[row[n] for row in rows] for n in given] + [
        [defaults[n]] * len(rows) for n in names[len(given) :]
    ]
    for i, name in enumerate(names):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            columns[i] = _converted(columns[i], process)
    return sql, list(zip(*columns, strict=True)), names


def _converted(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    """Each value through `process`, once per distinct value where values can be told apart."""
    done: dict[Any, Any] = {}
    try:
        return [
            v if v is None else done[v] if v in done else done.setdefault(v, process(v))
            for v in values
        ]
    except TypeError:  # values that can't be keys
        return [v if v is None else process(v) for v in values]


async def _insert(database: Database, row_type: type, rows: list[dict[str, Any]]) -> None:
    """Rows in chunks straight to the driver (an INSERT executemany on SQLite, COPY on
    PostgreSQL): a million rows in well under a minute instead of minutes; the values are
    converted exactly as SQLAlchemy converts them."""
    if not rows:
        return
    table: Table = row_type.__table__  # type: ignore[attr-defined]
    dialect = database.engine.dialect
    driver = _driver_rows(table, rows, dialect)
    for start in range(0, len(rows), CHUNK):
        async with database.engine.begin() as connection:
            if driver is None:
                await connection.execute(insert(table), rows[start : start + CHUNK])
            elif database.backend == "postgresql":  # COPY: asyncpg's own bulk path, same codecs
                raw = (await connection.get_raw_connection()).driver_connection
                assert raw is not None  # asyncpg's connection, under SQLAlchemy's adapter
                await raw.copy_records_to_table(
                    table.name, records=driver[1][start : start + CHUNK], columns=driver[2]
                )
            else:
                await connection.exec_driver_sql(driver[0], driver[1][start : start + CHUNK])


async def seed(
    database: Database,
    *,
    users: int,
    apps_per_user: int,
    now: datetime,
    due_in: timedelta = timedelta(days=3),
    platform: str = "bench",
    workspace: str = "w",
    first_user_id: int = 1,
    external_id: Callable[[int], str] = lambda u: f"user{u}",
) -> Seeded:
    """`users` users with `apps_per_user` applications each; every application has one round
    (an interview yesterday), one interviewer and one pending nudge due at `now + due_in`.
    Users are on `platform` in `workspace`, known there as `external_id(user id)`."""
    user_rows, app_rows, round_rows, person_rows, nudge_rows = [], [], [], [], []
    app_id = (first_user_id - 1) * apps_per_user
    for u in range(first_user_id, first_user_id + users):
        user_rows.append(
            dict(
                id=u,
                platform=platform,
                workspace=workspace,
                external_id=external_id(u),
                display_name=f"User {u}",
                timezone="Europe/Berlin",
                timezone_source="user",
                nudge_hour=time(9),
                quiet_start=time(20),
                quiet_end=time(8),
                weekends=False,
                next_number=apps_per_user + 1,
                created_at=now,
            )
        )
        for n in range(1, apps_per_user + 1):
            app_id += 1
            app_rows.append(
                dict(
                    id=app_id,
                    user_id=u,
                    number=n,
                    company=f"Company {app_id}",
                    role="Engineer",
                    status="active",
                    created_at=now,
                    updated_at=now,
                    plan_due_at=now + due_in,
                )
            )
            start = now - timedelta(days=1)
            round_rows.append(dict(id=app_id, application_id=app_id, seq=1, kind="interview",
                                   starts_at=start, ends_at=start + timedelta(hours=1)))
            person_rows.append(
                dict(
                    id=app_id, round_id=app_id, position=0, name=f"Person {app_id}", title="Manager"
                )
            )
            nudge_rows.append(nudge_row(app_id, u, platform, now + due_in))
    for row_type, rows in ((UserRow, user_rows), (ApplicationRow, app_rows), (RoundRow, round_rows),
                           (InterviewerRow, person_rows), (NudgeRow, nudge_rows)):
        await _insert(database, row_type, rows)
    if database.backend == "postgresql":
        await after_bulk_load(database)
    return Seeded(users=len(user_rows), applications=len(app_rows), nudges=len(nudge_rows))


PLANNED = {
    "thank-you": ("r1:ty:due", "thank-you", "due"),
    "overdue": ("r1:ty:overdue", "thank-you", "overdue"),
}
"""Nudges the method itself plans for a seeded application (one interview yesterday), by
name: (key, step, kind). Seeded nudges carry real keys so that delivering one renders the
task the plan has, as it would in use (a test checks the plan still makes them)."""


def nudge_row(
    application_id: int, user_id: int, platform: str, due_at: datetime, nudge: str = "thank-you"
) -> dict:
    """A pending nudge of the application's first round, due at `due_at`: one of `PLANNED`."""
    key, step, kind = PLANNED[nudge]
    return dict(
        application_id=application_id,
        user_id=user_id,
        platform=platform,
        key=key,
        step=step,
        kind=kind,
        cycle="r1",
        due_at=due_at,
        send_by=due_at,
        no_agreed_date=False,
        state="pending",
        attempts=0,
        late=False,
    )


async def more_nudges(
    database: Database,
    seeded: Seeded,
    apps_per_user: int,
    platform: str,
    due_at: datetime,
    nudge: str = "overdue",
) -> None:
    """One more pending nudge (one of `PLANNED`) for every application `seed` made (from user
    1)."""
    rows = [
        nudge_row(a, (a - 1) // apps_per_user + 1, platform, due_at, nudge)
        for a in range(1, seeded.applications + 1)
    ]
    await _insert(database, NudgeRow, rows)


async def after_bulk_load(database: Database) -> None:
    """Rows were inserted with explicit ids: move PostgreSQL's id sequences past them, and
    refresh the planner's statistics (autovacuum would, a little later)."""
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("ANALYZE"))
    async with database.sessions() as session:
        for table in ("users", "applications", "rounds", "interviewers"):
            await session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT "
                    f"COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
        await session.commit()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def cpu_count() -> int:
    return os.cpu_count() or 1
