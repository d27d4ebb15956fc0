"""Fixtures for the Slack adapter tests: a fake Slack, a runtime on a fresh SQLite database with
a simulated clock, and the real adapter in HTTP mode on a free loopback port."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from adapters.bootstrap import Runtime, SlackPlatform, bootstrap
from adapters.config import Config
from adapters.slack import SlackAdapter
from bot.clock import SimulatedClock
from tests.adapters.slack.driver import SECRET, SlackDriver
from tests.conftest import RuntimeFactory
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack

START = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin


class Pauses:
    """The adapter's retry pauses, recorded instead of slept."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "FOLLOWUP_")):
            monkeypatch.delenv(name)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def pauses() -> Pauses:
    return Pauses()


def slack_config(database_url: str, fake: FakeSlack, **extra: Any) -> Config:
    values: dict[str, Any] = {
        "FOLLOWUP_DATABASE_URL": database_url,
        "FOLLOWUP_HTTP_PORT": 0,
        "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    values.update(extra)
    return Config(**{k: v for k, v in values.items() if v is not None})


@pytest.fixture
def config(sqlite_url: str, fake_slack: FakeSlack) -> Config:
    return slack_config(sqlite_url, fake_slack)


def slack_adapter(runtime: Runtime) -> SlackAdapter:
    adapter = runtime.adapters["slack"]
    assert isinstance(adapter, SlackAdapter)
    return adapter


async def slack_runtime(
    config: Config, clock: SimulatedClock, worker_id: str, *, migrate: bool = True, build: RuntimeFactory = bootstrap, **options: Any
) -> Runtime:
    """The whole bot with the real Slack adapter, listening on loopback (`options`: the
    platform's, e.g. `sleep`)."""
    platform = SlackPlatform(**{"host": "127.0.0.1", **options})
    return await build(config, clock=clock, worker_id=worker_id, platforms=[platform], migrate=migrate)


@pytest.fixture
async def runtime(config: Config, clock: SimulatedClock, pauses: Pauses, runtime_factory: RuntimeFactory) -> Runtime:
    return await slack_runtime(config, clock, "slack-test", sleep=pauses, build=runtime_factory)


@pytest.fixture
async def slack(runtime: Runtime, fake_slack: FakeSlack) -> AsyncIterator[SlackDriver]:
    adapter = slack_adapter(runtime)
    await adapter.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield SlackDriver(adapter, fake_slack, session)
    finally:
        await adapter.stop()
