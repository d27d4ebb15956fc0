"""Shared database fixtures.

- `sqlite_url`: a fresh SQLite file in `tmp_path`; `migrated_sqlite_url`: the same file, already
  at the latest revision (a copy of one file migrated once per session: a migration costs
  ~50 ms of CPU and ~0.2 s on a loaded machine, finding nothing to do ~10 ms).
- `postgres_url`: an empty PostgreSQL database of its own for each test, on the server named
  by `FOLLOWUP_TEST_POSTGRES_URL` (databases are emptied and reused, and dropped at the end of
  the session). Unset → the test is skipped; set but unreachable → the test fails.
- `database_url`: parametrized over both (`[sqlite]`, `[postgres]`).
- `database`: a migrated `storage.database.Database` on `database_url`.
- `world`: the whole bot on a fresh SQLite file with a simulated clock and a recording fake
  platform (`tests/harness.py`); `runtime_factory`: whole bots built through
  `adapters.bootstrap` with the arguments given (a second process, a restart, real adapters),
  each closed at the end of the test.
- Every test gets its own console data directory (`FOLLOWUP_DATA_DIR` in `tmp_path`), so no
  test reads or writes a developer's real console data, history or exports.

Every URL is given with its async driver (`sqlite+aiosqlite://`, `postgresql+asyncpg://`),
so it also works with `create_async_engine` directly.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from adapters.bootstrap import Runtime, bootstrap
from adapters.config import Config
from storage.database import Database
from storage.engine import normalize_url
from storage.migrate import upgrade_database
from tests.harness import World, make_world

POSTGRES_ENV = "FOLLOWUP_TEST_POSTGRES_URL"
RuntimeFactory = Callable[..., Awaitable[Runtime]]


@pytest.fixture(autouse=True)
def console_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "console-data"
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(directory))
    return directory


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'followup.db'}"


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def migrated_sqlite_url(sqlite_url: str, migrated_sqlite_template: Path) -> str:
    shutil.copyfile(migrated_sqlite_template, sqlite_url.removeprefix("sqlite+aiosqlite:///"))
    return sqlite_url


class PostgresDatabases:
    """Empty databases on one PostgreSQL server. CREATE DATABASE costs ~0.25 s, so a database is
    emptied after its test (schemas dropped, `public` recreated) and handed out again; all are
    dropped at the end of the session."""

    def __init__(self, server_url: str) -> None:
        self.url = make_url(normalize_url(server_url))
        self.free: list[str] = []
        self.created: list[str] = []

    def dsn(self, database: str | None = None) -> str:
        url = self.url.set(drivername="postgresql")
        if database is not None:
            url = url.set(database=database)
        return url.render_as_string(hide_password=False)

    def sqlalchemy_url(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    async def _admin(self) -> asyncpg.Connection:
        try:
            return await asyncpg.connect(self.dsn(), timeout=10)
        except (OSError, asyncpg.PostgresError) as exc:
            pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL is unreachable: {exc!r}")

    async def acquire(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"followup_test_{uuid.uuid4().hex[:16]}"
        admin = await self._admin()
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        self.created.append(name)
        return name

    async def release(self, name: str) -> None:
        admin = await self._admin()
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            conn = await asyncpg.connect(self.dsn(name), timeout=10)
            try:
                schemas = await conn.fetch(
                    "SELECT nspname FROM pg_namespace"
                    " WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
                )
                for row in schemas:
                    await conn.execute(f'DROP SCHEMA "{row["nspname"]}" CASCADE')
                await conn.execute("CREATE SCHEMA public")
            finally:
                await conn.close()
        except asyncpg.PostgresError:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.created.remove(name)
        else:
            self.free.append(name)
        finally:
            await admin.close()

    async def drop_all(self) -> None:
        if not self.created:
            return
        admin = await asyncpg.connect(self.dsn(), timeout=10)
        try:
            for name in self.created:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | None]:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        yield None
        return
    databases = PostgresDatabases(server)
    yield databases
    asyncio.run(databases.drop_all())


@pytest.fixture
async def postgres_url(postgres_databases: PostgresDatabases | None) -> AsyncIterator[str]:
    if postgres_databases is None:
        pytest.skip(f"{POSTGRES_ENV} not set: PostgreSQL tests skipped")
    name = await postgres_databases.acquire()
    try:
        yield postgres_databases.sqlalchemy_url(name)
    finally:
        await postgres_databases.release(name)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
async def database(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    if database_url.startswith("sqlite"):
        request.getfixturevalue("migrated_sqlite_url")
    await upgrade_database(database_url)
    db = Database.from_url(database_url)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def world(migrated_sqlite_url: str) -> AsyncIterator[World]:
    """The whole bot on a fresh SQLite file, with a simulated clock at Wed 2026-11-25 09:00 UTC."""
    w = await make_world(migrated_sqlite_url)
    try:
        yield w
    finally:
        await w.runtime.close()


@pytest.fixture
async def runtime_factory() -> AsyncIterator[RuntimeFactory]:
    """`await runtime_factory(config, **bootstrap_arguments)`: a whole
    bot, closed after the test."""
    built: list[Runtime] = []

    async def build(config: Config, **options: Any) -> Runtime:
        runtime = await bootstrap(config, **options)
        built.append(runtime)
        return runtime

    try:
        yield build
    finally:
        for runtime in reversed(built):
            await runtime.close()
