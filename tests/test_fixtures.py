"""The shared fixtures of tests/conftest.py hand out what they promise."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.engine import create_engine
from storage.migrate import current_revision, head_revision


async def test_a_migrated_sqlite_url_is_at_head_and_a_file_of_its_own(
    migrated_sqlite_url: str, migrated_sqlite_template: Path
) -> None:
    assert await current_revision(migrated_sqlite_url) == head_revision()
    engine = create_engine(migrated_sqlite_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE written_by_this_test (x INTEGER)"))
    finally:
        await engine.dispose()
    template = create_engine(f"sqlite+aiosqlite:///{migrated_sqlite_template}")
    try:
        async with template.connect() as connection:
            names = await connection.execute(text("SELECT name FROM sqlite_master"))
            assert "written_by_this_test" not in {row[0] for row in names}
    finally:
        await template.dispose()


def test_a_plain_sqlite_url_names_a_file_not_made_yet(sqlite_url: str) -> None:
    assert not Path(sqlite_url.removeprefix("sqlite+aiosqlite:///")).exists()
