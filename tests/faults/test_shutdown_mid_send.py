"""Shutting down mid-send: APScheduler cancels a running sweep when it shuts down. The batch
being delivered is finished and recorded all the same, so a message the platform accepted is
never sent again after the restart."""

from __future__ import annotations

import asyncio

from bot.domain import NudgeState, User
from bot.messages import Message
from bot.ports import Delivery
from tests.harness import World, person


class SlowPlatform:
    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.go_on = asyncio.Event()
        self.accepted: list[str] = []

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        self.started.set()
        await self.go_on.wait()
        self.accepted.append(user.external_id)


async def test_a_cancelled_sweep_still_records_what_it_sent(world: World) -> None:
    for i in range(3):
        await world.say(person(f"user{i}"), f"add Company {i}; Engineer; yesterday 10:00; Jane Doe")
    platform = SlowPlatform()
    world.plug.notifier = platform
    sweep = asyncio.create_task(world.runtime.dispatcher.run_once())
    await asyncio.wait_for(platform.started.wait(), 5)
    sweep.cancel()  # what the scheduler's shutdown does to a running job
    await asyncio.sleep(0)
    platform.go_on.set()
    done, _ = await asyncio.wait({sweep}, timeout=5)
    assert done and sweep.cancelled()
    assert sorted(platform.accepted) == ["user0", "user1", "user2"]
    async with world.runtime.database.unit_of_work() as uow:
        states = []
        for i in range(3):
            user = await uow.users.find(person(f"user{i}"))
            assert user is not None
            states += [n.state for n in await uow.nudges.for_user(user.id)]
    assert states.count(NudgeState.SENT) == 3
    assert (await world.runtime.dispatcher.run_once()).delivered == 0  # nothing to send twice
