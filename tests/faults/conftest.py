"""Fixtures for the fault-injection suite: a clean environment (no real tokens leak in), the
fake Slack (knowing `BOT_TOKEN`, workspace T1) and fake Discord that `followup run` child
processes are pointed at (`fakes`), a free loopback port (`free_port`), the Slack adapter
fixtures (fake Slack, runtime on SQLite with a simulated clock, the real adapter in HTTP mode
or in Socket Mode) shared with `tests/adapters/slack`, and fleets of real `followup run`
processes on SQLite and PostgreSQL (`fleet.py`)."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.slack.conftest import (  # noqa: F401
    clock,
    config,
    fake_slack,
    pauses,
    runtime,
    slack,
    socket_slack,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.faults.fleet import Fleet

BOT_TOKEN = "xoxb-1111-2222-KnownBotTokenValue"


def free_port() -> int:
    """A loopback port nothing listens on (for a while): for a child to serve, or to refuse."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeSlack, FakeDiscord]]:
    fake_slack_api = FakeSlack()
    fake_slack_api.tokens[BOT_TOKEN] = "T1"
    async with fake_slack_api, FakeDiscord() as fake_discord_api:
        yield fake_slack_api, fake_discord_api


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DISCORD_")) or (
            name.startswith("FOLLOWUP_") and name != "FOLLOWUP_TEST_POSTGRES_URL"
        ):
            monkeypatch.delenv(name)

@pytest.fixture
async def sqlite_fleet(tmp_path: Path) -> AsyncIterator[Fleet]:
    fleet = Fleet(f"sqlite:///{tmp_path / 'fleet.db'}", tmp_path)
    try:
        yield fleet
    finally:
        await fleet.close()


@pytest.fixture
async def postgres_fleet(postgres_url: str, tmp_path: Path) -> AsyncIterator[Fleet]:
    fleet = Fleet(postgres_url, tmp_path)
    try:
        yield fleet
    finally:
        await fleet.close()
