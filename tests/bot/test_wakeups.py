"""The wake-up chain cannot break: nudges falling due 20 ms apart while sweeps are slow are
all delivered long before the next interval tick (set to the maximum, 30 s, so only the chain
itself can deliver them); a command that changes the schedule wakes this process's dispatcher
after its commit, on every platform, because the core publishes the change and the runtime
subscribes the wake-up.

The first test drives the real APScheduler on the real clock (that is what it schedules on);
it waits on conditions, never on time, and a broken chain shows as a timeout. The others use
the simulated clock."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from adapters.bootstrap import Runtime, bootstrap
from adapters.config import Config
from adapters.outlets import Outlet
from bot.clock import SystemClock
from bot.domain import User
from bot.events import ScheduleChanged
from bot.messages import Message
from bot.ports import Delivery
from storage.models import NudgeRow
from tests.harness import RecordingPoster, World, person

GAP = timedelta(milliseconds=20)
NUDGES = 30
WITHIN = 10.0  # seconds to wait for the last delivery: far below the 30 s interval tick


class SlowPlatform:
    """Each send takes a little under the gap between due times, so every sweep ends just
    as the next nudge falls due: the moment a wake-up used to be swallowed."""

    max_in_flight = 4

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.delivered: list[str] = []
        self.changed = asyncio.Event()

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        await asyncio.sleep(self.pause)  # stands for the platform's answer time
        self.delivered.append(user.external_id)
        self.changed.set()

    async def wait_for(self, count: int) -> None:
        async def enough() -> None:
            while len(self.delivered) < count:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(enough(), WITHIN)


@pytest.fixture
def slow_platform() -> SlowPlatform:
    return SlowPlatform(pause=0.017)


@pytest.fixture
async def live(sqlite_url: str, slow_platform: SlowPlatform) -> AsyncIterator[Runtime]:
    clock = SystemClock()
    runtime = await bootstrap(
        Config(FOLLOWUP_DATABASE_URL=sqlite_url, FOLLOWUP_DISPATCH_INTERVAL=30),
        clock=clock,
        worker_id="live",
        outlets={"console": Outlet(slow_platform, RecordingPoster(clock))},
    )
    try:
        yield runtime
    finally:
        await runtime.close()


async def _thank_yous(runtime: Runtime, count: int) -> list[int]:
    """`count` users with a thank-you each; their ids, earliest due first."""
    for i in range(count):
        await runtime.followup.handle_text(
            person(f"user{i}"), f"add Co{i}; Role; yesterday 10:00; P{i}"
        )
    async with runtime.database.sessions() as session:
        rows = (
            await session.execute(
                select(NudgeRow.id, NudgeRow.application_id, NudgeRow.due_at).order_by(
                    NudgeRow.due_at
                )
            )
        ).all()
    first: dict[int, int] = {}
    for row in rows:
        first.setdefault(row.application_id, row.id)
    return list(first.values())


async def _spread(runtime: Runtime, ids: list[int], start: datetime, gap: timedelta) -> None:
    async with runtime.database.sessions() as session:
        for i, nudge_id in enumerate(ids):
            await session.execute(
                update(NudgeRow).where(NudgeRow.id == nudge_id).values(due_at=start + i * gap)
            )
        await session.commit()


async def test_nudges_falling_due_20ms_apart_during_slow_sweeps_all_go_out(
    live: Runtime, slow_platform: SlowPlatform
) -> None:
    ids = await _thank_yous(live, NUDGES)
    platform = slow_platform
    await _spread(live, ids, live.clock.now() + timedelta(milliseconds=300), GAP)
    live.scheduler.start()
    try:
        await platform.wait_for(NUDGES)
    finally:
        await live.scheduler.stop()
    assert sorted(platform.delivered) == sorted(f"user{i}" for i in range(NUDGES))


async def test_a_sweep_looks_again_for_what_falls_due_while_it_runs(world: World) -> None:
    """Simulated time: every send takes 20 ms of it, and the next nudge falls due meanwhile;
    one sweep delivers them all, each no later than one send after its due time."""
    ids = await _thank_yous(world.runtime, 10)
    clock = world.clock
    await _spread(world.runtime, ids, clock.now() + GAP, GAP)
    clock.advance(GAP)
    delivered_at: dict[str, object] = {}

    class Stepping:
        async def send_direct(
            self, user: User, message: Message, delivery: Delivery | None = None
        ) -> None:
            clock.advance(GAP)
            delivered_at[user.external_id] = clock.now()

    world.plug.notifier = Stepping()
    report = await world.runtime.scheduler.sweep()
    assert report is not None and report.delivered == 10 and len(delivered_at) == 10


async def test_a_wake_up_during_a_sweep_makes_it_look_again(world: World) -> None:
    """A command stored while a sweep is sending: its nudge, already due, goes out in the
    same sweep (the wake-up asks the running sweep to look again; it is not dropped)."""
    await world.say(person("first"), "add Co; Role; yesterday 10:00; P")
    scheduler = world.runtime.scheduler
    sent: list[str] = []

    class CommandMeanwhile:
        async def send_direct(
            self, user: User, message: Message, delivery: Delivery | None = None
        ) -> None:
            sent.append(user.external_id)
            if user.external_id == "first":
                await world.say(person("second"), "add Co2; Role; yesterday 10:00; P2")

    world.plug.notifier = CommandMeanwhile()
    scheduler.scheduler.start(paused=True)  # running (so wake-ups count) but firing no jobs
    try:
        report = await scheduler.sweep()
    finally:
        scheduler.scheduler.shutdown(wait=False)
    assert report is not None and sent == ["first", "second"]


async def test_every_command_that_changes_the_schedule_wakes_the_dispatcher(world: World) -> None:
    woken: list[str] = []
    world.runtime.followup.events.subscribe(ScheduleChanged.NUDGES, lambda: woken.append("nudges"))
    await world.say(person("ann"), "add Acme; Engineer; yesterday 10:00; Jane")
    assert woken == ["nudges"]
    await world.say(person("ann"), "list")  # changes nothing
    await world.say(person("ann"), "snooze 99 2d")  # refused: nothing stored, nothing published
    assert woken == ["nudges"]
    await world.say(person("ann"), "snooze 1 2d")
    assert woken == ["nudges", "nudges"]


async def test_the_wake_up_comes_after_the_commit(world: World, sqlite_url: str) -> None:
    """The subscriber reads the database (on a connection of its own) when woken: the new
    nudges are already there for it to see."""
    path = make_url(sqlite_url).database
    assert path is not None
    seen: list[int] = []

    def look() -> None:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            seen.append(connection.execute("SELECT count(*) FROM nudges").fetchone()[0])

    world.runtime.followup.events.subscribe(ScheduleChanged.NUDGES, look)
    await world.say(person("ann"), "add Acme; Engineer; yesterday 10:00; Jane")
    assert len(seen) == 1 and seen[0] > 0
