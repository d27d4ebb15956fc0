"""Deleting: `forget` leaves no row about the user in any table; `delete` removes one
application with everything under it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from bot.domain import Event, EventKind, NudgeKind, PlannedNudge, Step, User
from storage.database import Database
from storage.models import metadata
from tests.storage.helpers import NOW, first_round, make_application, make_user


async def _populate(db: Database, user: User) -> int:
    app = await make_application(db, user)
    async with db.unit_of_work() as uow:
        await uow.applications.add_round(app.id, first_round(NOW + timedelta(days=3)), NOW)
        app = await uow.applications.add_event(
            app.id, Event(EventKind.SENT, NOW, "r1", step=Step.THANK_YOU)
        )
        plan = [PlannedNudge(f"k{i}", Step.VALUE_ADD, NudgeKind.DUE, NOW, "r1") for i in range(3)]
        await uow.nudges.sync(app, plan, NOW)
        [nudge, *_] = await uow.nudges.claim_due(NOW, "w", timedelta(minutes=1), 1)
        await uow.nudges.mark_failed(nudge.id, nudge.claim_token or "", NOW, "boom")
        await uow.commit()
    return app.id


async def _counts(db: Database) -> dict[str, int]:
    async with db.sessions() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in metadata.sorted_tables
        }


async def test_forget_removes_every_row_about_the_user(database: Database) -> None:
    keep = await make_user(database, "keep")
    await _populate(database, keep)
    baseline = await _counts(database)
    assert all(baseline.values()), baseline  # every table has a row to lose

    gone = await make_user(database, "gone")
    await _populate(database, gone)
    await _populate(database, gone)
    assert all(n > baseline[t] for t, n in (await _counts(database)).items())

    async with database.unit_of_work() as uow:
        await uow.users.forget(gone.id)
        await uow.commit()
    assert await _counts(database) == baseline
    async with database.unit_of_work() as uow:
        assert await uow.users.get(gone.id) is None
        assert await uow.nudges.for_user(gone.id) == []
        assert await uow.applications.list_for_user(gone.id) == []
        kept = await uow.users.get(keep.id)
        assert kept is not None and kept.has_unreported_failures  # _populate fails a nudge
        assert replace(kept, has_unreported_failures=False) == keep


async def test_delete_application_takes_rounds_events_and_nudges(database: Database) -> None:
    user = await make_user(database)
    await _populate(database, user)
    baseline = await _counts(database)
    doomed = await _populate(database, user)
    async with database.unit_of_work() as uow:
        await uow.applications.delete(doomed)
        await uow.commit()
    counts = await _counts(database)
    assert {t: n for t, n in counts.items() if t != "users"} == {
        t: n for t, n in baseline.items() if t != "users"
    }
    async with database.unit_of_work() as uow:
        assert await uow.applications.get(doomed) is None
        assert await uow.nudges.for_application(doomed) == []
