"""Small helpers for the Discord tests: reading the database, and colours of the tones."""

from __future__ import annotations

from adapters.bootstrap import Runtime
from bot.domain import Application, Identity, Nudge, User
from tests.fakes.discord_api import FakeUser

ERROR_COLOUR = 0xED4245


def identity(user: FakeUser) -> Identity:
    return Identity(
        platform="discord",
        workspace="discord",
        user_id=str(user.id),
        display_name=user.global_name or user.name,
    )


async def stored_user(runtime: Runtime, user: FakeUser) -> User | None:
    async with runtime.database.unit_of_work() as uow:
        return await uow.users.find(identity(user))


async def applications(runtime: Runtime, user: FakeUser) -> list[Application]:
    found = await stored_user(runtime, user)
    if found is None:
        return []
    async with runtime.database.unit_of_work() as uow:
        return await uow.applications.list_for_user(found.id, active_only=False)


async def nudges(runtime: Runtime, user: FakeUser) -> list[Nudge]:
    found = await stored_user(runtime, user)
    if found is None:
        return []
    async with runtime.database.unit_of_work() as uow:
        return await uow.nudges.for_user(found.id)

