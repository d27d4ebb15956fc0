"""Fixtures for the Slack adapter tests: a fake Slack, a runtime on a fresh SQLite database with
a simulated clock, and the real adapter started against it: in HTTP mode on a free loopback
port with one bot token (`slack`), installed per workspace through OAuth (`oauth_slack`, and
`install` runs the browser's side of the flow), or in Socket Mode (`socket_slack`)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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
    async with FakeSlack() as fake:
        yield fake


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
def config(migrated_sqlite_url: str, fake_slack: FakeSlack) -> Config:
    return slack_config(migrated_sqlite_url, fake_slack)


def slack_adapter(runtime: Runtime) -> SlackAdapter:
    adapter = runtime.adapters["slack"]
    assert isinstance(adapter, SlackAdapter)
    return adapter


async def slack_runtime(
    config: Config,
    clock: SimulatedClock,
    worker_id: str,
    *,
    migrate: bool = True,
    build: RuntimeFactory = bootstrap,
    **options: Any,
) -> Runtime:
    """The whole bot with the real Slack adapter, listening on loopback (`options`: the
    platform's, e.g. `sleep`)."""
    platform = SlackPlatform(**{"host": "127.0.0.1", **options})
    return await build(
        config, clock=clock, worker_id=worker_id, platforms=[platform], migrate=migrate
    )


@pytest.fixture
async def runtime(
    config: Config, clock: SimulatedClock, pauses: Pauses, runtime_factory: RuntimeFactory
) -> Runtime:
    return await slack_runtime(config, clock, "slack-test", sleep=pauses, build=runtime_factory)


@asynccontextmanager
async def started(runtime: Runtime, fake: FakeSlack) -> AsyncIterator[SlackDriver]:
    """The runtime's Slack adapter started (connected, in Socket Mode), and a driver for it."""
    adapter = slack_adapter(runtime)
    try:
        await adapter.start()
        if adapter.mode == "socket":
            await fake.wait_for_socket()
        async with aiohttp.ClientSession() as session:
            yield SlackDriver(adapter, fake, session)
    finally:
        await adapter.stop()


@pytest.fixture
async def slack(runtime: Runtime, fake_slack: FakeSlack) -> AsyncIterator[SlackDriver]:
    async with started(runtime, fake_slack) as driver:
        yield driver


CLIENT_ID = "111.222"


@pytest.fixture
async def oauth_runtime(
    sqlite_url: str, fake_slack: FakeSlack, clock: SimulatedClock, runtime_factory: RuntimeFactory
) -> Runtime:
    """The bot installed per workspace through OAuth, with no bot token of its own."""
    config = slack_config(
        sqlite_url,
        fake_slack,
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET="client-secret",
    )
    return await slack_runtime(config, clock, "oauth-test", sleep=Pauses(), build=runtime_factory)


@pytest.fixture
async def oauth_slack(oauth_runtime: Runtime, fake_slack: FakeSlack) -> AsyncIterator[SlackDriver]:
    async with started(oauth_runtime, fake_slack) as driver:
        yield driver


async def install(driver: SlackDriver, team: str) -> str:
    """Run the browser side of the OAuth flow for `team`; returns the success page."""
    driver.fake.installs[f"code-{team}"] = team
    base = f"http://127.0.0.1:{driver.adapter.http_port}"
    async with driver.session.get(f"{base}/slack/install", allow_redirects=False) as page:
        html = await page.text()
        assert page.status == 200
        cookie = page.headers["Set-Cookie"].split(";")[0]
    consent = re.search(r"href=\"(http[^\"]+)\"", html)
    assert consent is not None and consent.group(1).startswith(
        f"{driver.fake.base}/oauth/v2/authorize?"
    )
    state = re.search(r"state=([^&\"]+)", html)
    assert state is not None
    callback = f"{base}/slack/oauth_redirect?code=code-{team}&state={state.group(1)}"
    async with driver.session.get(
        callback, headers={"Cookie": cookie}, allow_redirects=False
    ) as done:
        assert done.status == 200, await done.text()
        return await done.text()


@pytest.fixture
async def socket_slack(
    sqlite_url: str, fake_slack: FakeSlack, clock: SimulatedClock, runtime_factory: RuntimeFactory
) -> AsyncIterator[SlackDriver]:
    """The bot in Socket Mode (an app token, no signing secret), connected to the fake."""
    config = slack_config(
        sqlite_url, fake_slack, SLACK_APP_TOKEN="xapp-1-test", SLACK_SIGNING_SECRET=None
    )
    runtime = await slack_runtime(
        config, clock, "socket-test", sleep=Pauses(), build=runtime_factory
    )
    async with started(runtime, fake_slack) as driver:
        yield driver
