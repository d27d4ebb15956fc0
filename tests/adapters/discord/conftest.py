"""Fixtures: a fake Discord, a runtime on a fresh SQLite file with a simulated clock, and a
started `DiscordAdapter` pointed at the fake. discord.py's process-wide endpoints
(`Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`) are checked to be restored after each test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.bootstrap import DiscordPlatform, Runtime, bootstrap
from adapters.config import Config
from adapters.discord import DiscordAdapter
from bot.clock import SimulatedClock
from tests.conftest import RuntimeFactory
from tests.fakes.discord_api import FakeDiscord, FakeUser, Interactions
from tests.harness import FacadeProbe

START = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # a Wednesday
ALICE = FakeUser(410000000000000001, "alice", "Alice")
BOB = FakeUser(410000000000000002, "bob", "Bob")

StartAdapter = Callable[..., Awaitable[DiscordAdapter]]


@pytest.fixture(autouse=True)
def restore_endpoints() -> object:
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    yield
    after = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = before
    assert after == before, "the adapter left discord.py's endpoints patched"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


def discord_config(fake: FakeDiscord, database_url: str, **extra: object) -> Config:
    return Config(
        FOLLOWUP_DATABASE_URL=database_url,
        DISCORD_TOKEN="fake-token",
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        SLACK_BOT_TOKEN=None,
        **extra,
    )


async def discord_runtime(
    config: Config,
    clock: SimulatedClock,
    worker_id: str = "test-worker",
    *,
    migrate: bool = True,
    probe: FacadeProbe | None = None,
    build: RuntimeFactory = bootstrap,
    **options: Any,
) -> Runtime:
    """The whole bot with the real Discord adapter (`options`: the platform's, e.g.
    `sharded`), handed `probe` in place of the facade. No waiting for guilds or between
    IDENTIFYs; and a loaded CI machine can take seconds for a command (over 2 s seen), so tests
    that expect an immediate answer must not see a deferral because of that (the deferral tests
    set theirs)."""
    defaults = {"guild_ready_timeout": 0.01, "identify_interval": 0, "defer_after": 10.0}
    platform = DiscordPlatform(**{**defaults, **options})
    facade = probe.wrap if probe is not None else None
    return await build(
        config,
        clock=clock,
        worker_id=worker_id,
        platforms=[platform],
        migrate=migrate,
        facade=facade,
    )


def discord_adapter(runtime: Runtime) -> DiscordAdapter:
    adapter = runtime.adapters["discord"]
    assert isinstance(adapter, DiscordAdapter)
    return adapter


@pytest.fixture
def probe() -> FacadeProbe:
    """Every command and press the adapter hands the core (tests/harness.py)."""
    return FacadeProbe()


@pytest.fixture
def discord_options() -> dict[str, Any]:
    """The Discord platform's options for the `runtime` fixture; a module overrides it."""
    return {}


@pytest.fixture
async def runtime(
    fake: FakeDiscord,
    migrated_sqlite_url: str,
    clock: SimulatedClock,
    probe: FacadeProbe,
    discord_options: dict[str, Any],
    runtime_factory: RuntimeFactory,
) -> Runtime:
    config = discord_config(fake, migrated_sqlite_url)
    return await discord_runtime(
        config, clock, probe=probe, build=runtime_factory, **discord_options
    )


@pytest.fixture
async def start_adapter(runtime: Runtime, fake: FakeDiscord) -> AsyncIterator[StartAdapter]:
    """Starts the runtime's Discord adapter (again, after a stop: a restart)."""
    started: list[DiscordAdapter] = []

    async def start() -> DiscordAdapter:
        adapter = discord_adapter(runtime)
        await adapter.start()
        started.append(adapter)
        return adapter

    try:
        yield start
    finally:
        for adapter in reversed(started):
            await adapter.stop()


@pytest.fixture
async def adapter(start_adapter: StartAdapter, fake: FakeDiscord) -> DiscordAdapter:
    started = await start_adapter()
    await asyncio.wait_for(started.wait_until_ready(), 5)
    return started


@pytest.fixture
def make(fake: FakeDiscord) -> Interactions:
    return Interactions(fake)
