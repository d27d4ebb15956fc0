"""The benchmarks' seeding writes straight to the driver: what it stores must be, row for row,
what SQLAlchemy's own insert of the same rows stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, text

import bench.seed as seeding
from bot.method import plan
from storage.database import Database
from storage.models import ApplicationRow, InterviewerRow, NudgeRow, RoundRow, UserRow

NOW = datetime(2026, 11, 25, 9, 0, 7, 123456, tzinfo=UTC)
TABLES = (UserRow, ApplicationRow, RoundRow, InterviewerRow, NudgeRow)


async def _dump(database: Database) -> dict[str, list[Any]]:
    """Every seeded table's rows (nudges without their generated id)."""
    found = {}
    async with database.engine.connect() as connection:
        for row_type in TABLES:
            table = row_type.__table__
            columns = [
                c.name for c in table.columns if not (row_type is NudgeRow and c.name == "id")
            ]
            order = "application_id, key" if row_type is NudgeRow else "id"
            found[table.name] = (
                await connection.execute(
                    text(f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY {order}")
                )
            ).all()
    return found


async def _orm_insert(database: Database, row_type: type, rows: list[dict[str, Any]]) -> None:
    async with database.sessions() as session:
        await session.execute(insert(row_type), rows)
        await session.commit()


async def _empty(database: Database) -> None:
    async with database.sessions() as session:
        for row_type in reversed(TABLES):
            await session.execute(delete(row_type))
        await session.commit()


@pytest.mark.parametrize("platform", ["slack", "bench"])
async def test_seeded_rows_are_the_ones_sqlalchemy_would_store(
    database: Database, platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shape = dict(
        users=7,
        apps_per_user=3,
        now=NOW,
        due_in=timedelta(hours=-2),
        platform=platform,
        workspace="T1",
        first_user_id=5,
        external_id=lambda u: f"U{u}",
    )
    await seeding.seed(database, **shape)  # type: ignore[arg-type]
    fast = await _dump(database)
    await _empty(database)
    monkeypatch.setattr(seeding, "_insert", _orm_insert)
    await seeding.seed(database, **shape)  # type: ignore[arg-type]
    assert await _dump(database) == fast
    assert len(fast["nudges"]) == 21 and fast["users"][0][:4] == (5, platform, "T1", "U5")


async def test_seeded_nudges_are_ones_the_method_plans(database: Database) -> None:
    """Delivering a seeded nudge renders the task the plan has, as in use — not the fallback
    for a nudge the plan doesn't know."""
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    await seeding.seed(database, users=1, apps_per_user=1, now=now, platform="slack")
    async with database.unit_of_work() as uow:
        app = (await uow.applications.get_many({1}))[1]
        user = (await uow.users.get_many({1}))[1]
    planned = {(n.key, n.step.value, n.kind.value) for n in plan(app, user.settings, now).nudges}
    assert set(seeding.PLANNED.values()) <= planned
