"""Schema migrations, run from code: `await upgrade_database(url)` brings any SQLite or
PostgreSQL database to the latest revision. Safe to run again, and by several processes at
once (PostgreSQL: an advisory lock; SQLite: the transaction holds the write lock)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.engine import create_engine, normalize_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# pg_advisory_xact_lock key: any constant unique to this app ("followup" in ASCII).
_MIGRATION_LOCK = 0x666F6C6C6F777570


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for our migrations folder; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation: a literal % must be doubled.
        config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade_database(url: str, revision: str = "head") -> None:
    """Apply every migration not yet applied to the database at `url` (up to `revision`)."""
    config = alembic_config(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            # Take the lock before Alembic starts: its context is global to the process, so
            # two upgrades must not even interleave here. SQLite's write lock comes with the
            # transaction's first statement (`storage.sqlite_driver` sends BEGIN with it).
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            else:
                await connection.execute(text("SELECT 1"))
            await connection.run_sync(_upgrade, config, revision)
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at (None if never migrated)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
