"""Alembic environment for Followup's schema.

Normally run through `storage.migrate.upgrade_database(url)`, which hands over a connection
in `config.attributes["connection"]`. The `alembic` command line works too (async engine,
URL from the `sqlalchemy.url` option or `FOLLOWUP_DATABASE_URL`).
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import create_engine, normalize_url
from storage.models import metadata

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("FOLLOWUP_DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: set sqlalchemy.url or FOLLOWUP_DATABASE_URL")
    return normalize_url(url)


def _configure(**options: object) -> None:
    context.configure(
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=True,
        **options,  # type: ignore[arg-type]
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        asyncio.run(run_async_migrations())
    else:
        do_run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
