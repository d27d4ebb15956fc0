"""Request receipts (`storage.receipts`): a key is new once within the window, a stale receipt
is pruned as new ones arrive, and a burst of requests pays for one insert each, the delete of
stale receipts at most once every tenth of the window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from storage.database import Database
from storage.models import RequestReceiptRow
from storage.receipts import Receipts

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)


@pytest.fixture
def deletes(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def _stored(database: Database) -> int:
    async with database.sessions() as session:
        return int(
            (
                await session.execute(select(func.count()).select_from(RequestReceiptRow))
            ).scalar_one()
        )


async def test_a_key_is_new_once_within_the_window(database: Database) -> None:
    receipts = Receipts(database, WINDOW)
    assert await receipts.first_time("slack:T1:trigger_id:1", T0)
    assert not await receipts.first_time("slack:T1:trigger_id:1", T0 + timedelta(minutes=9))
    assert await receipts.first_time("slack:T1:trigger_id:2", T0 + timedelta(minutes=9))


async def test_a_stale_receipt_is_pruned_and_its_key_is_new_again(database: Database) -> None:
    receipts = Receipts(database, WINDOW)
    assert await receipts.first_time("a", T0)
    assert await receipts.first_time("b", T0 + WINDOW / 2)
    later = T0 + WINDOW + WINDOW / 5
    assert await receipts.first_time("a", later)  # "a" was stale: pruned, then taken anew
    assert await _stored(database) == 2


async def test_a_burst_deletes_stale_receipts_once(database: Database, deletes: list[str]) -> None:
    receipts = Receipts(database, WINDOW)
    for n in range(20):
        assert await receipts.first_time(f"burst-{n}", T0 + timedelta(seconds=n))
    assert len(deletes) == 1
    assert await receipts.first_time("next", T0 + WINDOW / 10)
    assert len(deletes) == 2
    assert await _stored(database) == 21
