"""A whole bot wired as in production (`adapters.bootstrap`), with a simulated clock and one
fake platform, "console" unless told: a `Plug` that sends through a recording notifier (direct
messages) and a recording poster (group channel posts), or through the fakes a test plugs in."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from adapters.bootstrap import Runtime, bootstrap
from adapters.config import Config
from adapters.outlets import Outlet
from bot.clock import Clock, SimulatedClock
from bot.domain import Identity, Place, User
from bot.groups import ChannelRef
from bot.leased_queue import max_in_flight
from bot.messages import Message
from bot.ports import ChannelPoster, Delivery, DeliveryError, Notifier
from bot.service import DIRECT, Followup
from storage.models import Base

START = datetime.fromisoformat("2026-11-25T09:00:00+00:00")  # a Wednesday


def person(name: str, tz: str | None = "Europe/Berlin") -> Identity:
    return Identity("console", "local", name, display_name=name.title(), timezone=tz)


@dataclass
class RecordingNotifier:
    """Records every delivered message; raises the scripted errors first, in order."""

    delivered: list[tuple[User, Message]] = field(default_factory=list)
    script: deque[DeliveryError] = field(default_factory=deque)
    attempts: int = 0

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        self.attempts += 1
        if self.script:
            raise self.script.popleft()
        self.delivered.append((user, message))

    def to(self, name: str) -> list[Message]:
        return [m for u, m in self.delivered if u.external_id == name]


@dataclass
class RecordingPoster:
    """Records every channel post with the (simulated) time it was made; raises the scripted
    errors first, in order."""

    clock: Clock
    posts: list[tuple[ChannelRef, Message, datetime]] = field(default_factory=list)
    script: deque[DeliveryError] = field(default_factory=deque)
    attempts: int = 0
    deliveries: list[Delivery | None] = field(default_factory=list)  # what each attempt was given

    async def post(
        self, channel: ChannelRef, message: Message, delivery: Delivery | None = None
    ) -> None:
        self.attempts += 1
        self.deliveries.append(delivery)
        if self.script:
            raise self.script.popleft()
        self.posts.append((channel, message, self.clock.now()))

    def to(self, channel_id: str) -> list[Message]:
        return [m for ref, m, _ in self.posts if ref.channel_id == channel_id]

    def texts(self) -> list[str]:
        return [m.as_text() for _, m, _ in self.posts]


class HeldPlatform:
    """Sends — direct messages and channel posts alike — wait until the test lets them
    finish; records what each send was given (who or which channel, and its delivery)."""

    def __init__(self, max_in_flight: int = 32) -> None:
        self.max_in_flight = max_in_flight
        self.started: list[tuple[str, Delivery | None]] = []
        self.delivered: list[str] = []
        self.release = asyncio.Event()
        self.fail_with: Exception | None = None
        self.in_flight = 0
        self.most_in_flight = 0
        self._moved = asyncio.Event()

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        await self._send(user.external_id, delivery)

    async def post(
        self, channel: ChannelRef, message: Message, delivery: Delivery | None = None
    ) -> None:
        await self._send(channel.channel_id, delivery)

    async def _send(self, to: str, delivery: Delivery | None) -> None:
        self.started.append((to, delivery))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self._moved.set()
        try:
            await self.release.wait()
            if self.fail_with is not None:
                raise self.fail_with
            self.delivered.append(to)
        finally:
            self.in_flight -= 1

    async def until_started(self, count: int) -> None:
        async def enough() -> None:
            while len(self.started) < count:
                self._moved.clear()
                await self._moved.wait()

        await asyncio.wait_for(enough(), 5)


@dataclass
class Plug:
    """The test world's platform, built into the graph by `bootstrap` (`outlet()`): it sends
    through `notifier` and posts through `poster`, the recording ones unless a test plugs in
    fakes of its own (one that holds its sends, one that counts them)."""

    notifier: Notifier
    poster: ChannelPoster

    def outlet(self) -> Outlet:
        return Outlet(_PluggedNotifier(self), _PluggedPoster(self))


@dataclass
class _PluggedNotifier:
    plug: Plug

    @property
    def max_in_flight(self) -> int:
        return max_in_flight(self.plug.notifier)

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        await self.plug.notifier.send_direct(user, message, delivery)


@dataclass
class _PluggedPoster:
    plug: Plug

    @property
    def max_in_flight(self) -> int:
        return max_in_flight(self.plug.poster)

    async def post(
        self, channel: ChannelRef, message: Message, delivery: Delivery | None = None
    ) -> None:
        await self.plug.poster.post(channel, message, delivery)


@dataclass
class World:
    runtime: Runtime
    clock: SimulatedClock
    notifier: RecordingNotifier
    poster: RecordingPoster
    plug: Plug

    async def say(self, who: Identity, line: str, where: Place | None = None) -> Message:
        return await self.runtime.followup.handle_text(who, line, where or Place())

    async def press(self, who: Identity, action_id: str) -> Message:
        return await self.runtime.followup.handle_action(who, action_id)

    async def advance(self, span: timedelta) -> None:
        """Move the clock, delivering every nudge and digest that falls due on the way, in order."""
        target = self.clock.now() + span
        while True:
            due = [
                await self.runtime.dispatcher.next_due_at(),
                await self.runtime.digests.next_due_at(),
            ]
            upcoming = min((t for t in due if t is not None), default=None)
            if upcoming is None or upcoming > target:
                break
            self.clock.set(max(upcoming, self.clock.now()))
            await self.runtime.dispatcher.run_once()
            await self.runtime.digests.run_once()
        self.clock.set(target)

    async def row_counts(self) -> dict[str, int]:
        counts = {}
        async with self.runtime.database.sessions() as session:
            for table in Base.metadata.sorted_tables:
                counts[table.name] = (
                    await session.execute(select(func.count()).select_from(table))
                ).scalar_one()
        return counts

    async def dump(self) -> str:
        """Every row of every table as text, to search for a user's traces."""
        lines = []
        async with self.runtime.database.sessions() as session:
            for table in Base.metadata.sorted_tables:
                for row in (await session.execute(text(f"SELECT * FROM {table.name}"))).all():
                    lines.append(f"{table.name}: {tuple(row)}")
        return "\n".join(lines)


async def make_world(
    url: str, start: datetime = START, worker_id: str = "test-worker", platform: str = "console"
) -> World:
    """`platform`: the name the fake platform is known by (a Slack-only process: "slack")."""
    clock = SimulatedClock(start)
    notifier, poster = RecordingNotifier(), RecordingPoster(clock)
    plug = Plug(notifier, poster)
    runtime = await bootstrap(
        Config(FOLLOWUP_DATABASE_URL=url),
        clock=clock,
        worker_id=worker_id,
        outlets={platform: plug.outlet()},
    )
    return World(runtime, clock, notifier, poster, plug)


@contextlib.asynccontextmanager
async def processes(url: str, count: int) -> AsyncIterator[list[World]]:
    """`count` bots sharing one database, as separate processes would (workers `worker-<i>`)."""
    worlds = [await make_world(url, worker_id=f"worker-{i}") for i in range(count)]
    try:
        yield worlds
    finally:
        for w in worlds:
            await w.runtime.close()


class FacadeProbe:
    """What the platform adapters are handed in place of the facade (`bootstrap(facade=…)`):
    it records every command and press an adapter hands the core, then hands it on to the real
    facade — after `gate` opens, when a test holds the core back (a slow database), or not at
    all when `fail` is set (a bug on our side)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []  # ("command", command) and ("action", id), in order
        self.commands: list[Any] = []
        self.gate: asyncio.Event | None = None
        self.fail: Exception | None = None
        self._followup: Followup | None = None

    def wrap(self, followup: Followup) -> FacadeProbe:
        self._followup = followup
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._followup, name)

    async def _through(self) -> Followup:
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        assert self._followup is not None
        return self._followup

    async def handle_command(self, who: Identity, command: Any, where: Place = DIRECT) -> Message:
        self.seen.append(("command", command))
        self.commands.append(command)
        return await (await self._through()).handle_command(who, command, where)

    async def handle_action(
        self, who: Identity, action_id: str, where: Place = DIRECT, proposal: Any = None
    ) -> Message:
        self.seen.append(("action", action_id))
        return await (await self._through()).handle_action(who, action_id, where, proposal)
