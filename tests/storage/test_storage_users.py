"""Users: creation on first contact, timezone hints, settings, the unit of work."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import time

from sqlalchemy import func, select

from bot.domain import DateOrder, DeliverySettings, TimezoneSource
from storage.database import Database
from storage.models import UserRow
from tests.storage.helpers import NOW, identity


async def test_get_or_create_creates_once_with_defaults(database: Database) -> None:
    async with database.unit_of_work() as uow:
        first = await uow.users.get_or_create(identity("U1"), NOW)
        again = await uow.users.get_or_create(identity("U1"), NOW)
        other = await uow.users.get_or_create(identity("U1", platform="discord"), NOW)
        await uow.commit()
    assert first == again
    assert other.id != first.id
    assert (first.platform, first.workspace, first.external_id) == ("slack", "T1", "U1")
    assert first.display_name == "U1"
    assert first.settings == DeliverySettings()
    assert first.timezone_source == TimezoneSource.DEFAULT
    async with database.unit_of_work() as uow:
        assert await uow.users.get(first.id) == first
        assert await uow.users.find(identity("U1")) == first
        assert await uow.users.find(identity("nobody")) is None
        assert await uow.users.get(999_999) is None


async def test_platform_timezone_hint(database: Database) -> None:
    async with database.unit_of_work() as uow:
        user = await uow.users.get_or_create(identity("U1", tz="Europe/Berlin"), NOW)
        assert (user.settings.timezone, user.timezone_source) == (
            "Europe/Berlin",
            TimezoneSource.PLATFORM,
        )
        # a later valid hint moves it while the user hasn't chosen one
        user = await uow.users.get_or_create(identity("U1", tz="Asia/Tokyo"), NOW)
        assert (user.settings.timezone, user.timezone_source) == (
            "Asia/Tokyo",
            TimezoneSource.PLATFORM,
        )
        # an invalid hint is ignored
        user = await uow.users.get_or_create(identity("U1", tz="Mars/Olympus_Mons"), NOW)
        assert user.settings.timezone == "Asia/Tokyo"
        await uow.commit()


async def test_invalid_hint_on_creation_keeps_default(database: Database) -> None:
    async with database.unit_of_work() as uow:
        for bad in ("Not/AZone", "../../etc/passwd", "", "x" * 300):
            user = await uow.users.get_or_create(identity(f"U-{len(bad)}", tz=bad), NOW)
            assert (user.settings.timezone, user.timezone_source) == ("UTC", TimezoneSource.DEFAULT)


async def test_user_choice_beats_platform_hint(database: Database) -> None:
    chosen = DeliverySettings(
        timezone="America/New_York",
        nudge_hour=time(7, 30),
        quiet_start=time(21, 15),
        quiet_end=time(6, 45),
        weekends=True,
    )
    async with database.unit_of_work() as uow:
        user = await uow.users.get_or_create(identity("U1", tz="Europe/Berlin"), NOW)
        updated = await uow.users.update_settings(user.id, chosen, TimezoneSource.USER)
        await uow.commit()
    assert updated.settings == chosen
    assert updated.timezone_source == TimezoneSource.USER
    async with database.unit_of_work() as uow:
        again = await uow.users.get_or_create(identity("U1", tz="Asia/Tokyo"), NOW)
        await uow.commit()
    assert again == updated


async def test_unit_of_work_rolls_back_unless_committed(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.users.get_or_create(identity("U1"), NOW)
    async with database.unit_of_work() as uow:
        await uow.users.get_or_create(identity("U2"), NOW)
        await uow.rollback()
    async with database.unit_of_work() as uow:
        assert await uow.users.find(identity("U1")) is None
        assert await uow.users.find(identity("U2")) is None


async def test_get_or_create_is_race_safe_across_processes(
    database_url: str, database: Database
) -> None:
    others = [Database.from_url(database_url) for _ in range(3)]

    async def contact(db: Database) -> int:
        async with db.unit_of_work() as uow:
            user = await uow.users.get_or_create(identity("racer", tz="Europe/Paris"), NOW)
            await uow.commit()
        return user.id

    try:
        ids = await asyncio.gather(*(contact(db) for db in [database, *others] * 3))
    finally:
        for db in others:
            await db.dispose()
    assert len(set(ids)) == 1
    async with database.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(UserRow))
    assert count == 1


async def test_locale_and_date_order_are_kept(database: Database) -> None:
    async with database.unit_of_work() as uow:
        user = await uow.users.get_or_create(replace(identity("U1"), locale="en-GB"), NOW)
        assert user.locale == "en-GB" and user.settings.date_order is None
        user = await uow.users.get_or_create(replace(identity("U1"), locale="en-US"), NOW)
        assert user.locale == "en-US"  # the platform's latest word
        user = await uow.users.get_or_create(replace(identity("U1"), locale="<script>"), NOW)
        assert user.locale == "en-US"  # nonsense is ignored
        user = await uow.users.update_settings(
            user.id, replace(user.settings, date_order=DateOrder.DMY), TimezoneSource.DEFAULT
        )
        await uow.commit()
    async with database.unit_of_work() as uow:
        stored = await uow.users.get(user.id)
    assert (
        stored is not None
        and stored.settings.date_order is DateOrder.DMY
        and stored.locale == "en-US"
    )
