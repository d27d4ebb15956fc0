"""Migrations: idempotent, safe to run concurrently, and matching the models exactly."""

from __future__ import annotations

import asyncio
import warnings

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.engine import create_engine
from storage.migrate import current_revision, head_revision, upgrade_database
from storage.models import metadata

EXPRESSION_INDEXES = {"ix_nudges_pending_ready_at"}


def _diffs(connection: Connection) -> list[object]:
    """What differs between the migrated database and the models. An index on an expression
    is compared by name only: PostgreSQL hands its expression back rewritten, so its text
    never matches the models' even when the index is the same."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    with warnings.catch_warnings():  # "can't reflect expression-based indexes": known, see above
        warnings.simplefilter("ignore")
        found = list(compare_metadata(context, metadata))
    listing = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if connection.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes"
    )
    assert set(connection.exec_driver_sql(listing).scalars()) >= EXPRESSION_INDEXES
    return [
        d
        for d in found
        if not (
            isinstance(d, tuple)
            and d[0] in ("add_index", "remove_index")
            and d[1].name in EXPRESSION_INDEXES
        )
    ]


async def test_upgrade_is_idempotent_and_matches_models(database_url: str) -> None:
    assert await current_revision(database_url) is None
    await upgrade_database(database_url)
    await upgrade_database(database_url)
    assert await current_revision(database_url) == head_revision() == "0015"

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diffs) == []
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    assert set(metadata.tables) <= tables


async def test_concurrent_upgrades_do_not_collide(database_url: str) -> None:
    await asyncio.gather(*(upgrade_database(database_url) for _ in range(3)))
    assert await current_revision(database_url) == head_revision()
