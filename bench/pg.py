"""A scratch PostgreSQL database for one benchmark: created on the server named by
`FOLLOWUP_BENCH_POSTGRES_URL` (else `FOLLOWUP_TEST_POSTGRES_URL`, else the local default) and
dropped afterwards. When no server answers, suites report the PostgreSQL figures as skipped.
`sqlite_then_postgres` runs a suite's measurements on SQLite, then on PostgreSQL if available."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from storage.engine import normalize_url

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return (
        os.environ.get("FOLLOWUP_BENCH_POSTGRES_URL")
        or os.environ.get("FOLLOWUP_TEST_POSTGRES_URL")
        or DEFAULT_SERVER
    )


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(normalize_url(url)).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        connection = await asyncpg.connect(_dsn(server_url()), timeout=5)
    except (OSError, asyncpg.PostgresError) as problem:
        return f"PostgreSQL unreachable at {make_url(server_url()).host}: {type(problem).__name__}"
    await connection.close()
    return None


@contextlib.asynccontextmanager
async def scratch_database(label: str) -> AsyncIterator[str]:
    """Yields the URL (the server's, naming the new database) of a new, empty database."""
    name = f"followup_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(server_url()), timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield (
            make_url(normalize_url(server_url()))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        admin = await asyncpg.connect(_dsn(server_url()), timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


Measure = Callable[[str], Awaitable[Mapping[str, object]]]


async def sqlite_then_postgres(
    label: str, sqlite: Sequence[tuple[str, Measure]], postgres: Sequence[tuple[str, Measure]]
) -> dict[str, object]:
    """Run each SQLite measurement on a fresh temporary file, then — when a PostgreSQL server
    answers — each PostgreSQL one on a scratch database of its own. Each figure is named after
    its run ("sqlite 1 proc: nudges/s"); two measurements may share a run's name. Without a
    server, "postgres" says why its runs were skipped."""
    figures: dict[str, object] = {}
    for run, measure in sqlite:
        folder = Path(tempfile.mkdtemp(prefix=f"followup-bench-{label}-"))
        try:
            for key, value in (await measure(f"sqlite:///{folder / 'bench.db'}")).items():
                figures[f"{run}: {key}"] = value
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    reason = await available()
    if reason is not None:
        figures["postgres"] = f"skipped: {reason}"
        return figures
    for run, measure in postgres:
        async with scratch_database(label) as url:
            for key, value in (await measure(url)).items():
                figures[f"{run}: {key}"] = value
    return figures
