"""Fixtures for the fault-injection suite: a clean environment (no real tokens leak in), and
the Slack adapter fixtures (fake Slack, runtime on SQLite with a simulated clock, the real
adapter in HTTP mode) shared with `tests/slack`, and fleets of real `followup run` processes
on SQLite and PostgreSQL (`fleet.py`)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.fleet import Fleet
from tests.harness import World, make_world
from tests.slack.conftest import clock, config, fake_slack, pauses, runtime, slack  # noqa: F401


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DISCORD_")) or (name.startswith("FOLLOWUP_") and name != "FOLLOWUP_TEST_POSTGRES_URL"):
            monkeypatch.delenv(name)


@pytest.fixture
async def world(sqlite_url: str) -> AsyncIterator[World]:
    """The whole bot on a fresh SQLite file, with a simulated clock (tests/harness.py)."""
    w = await make_world(sqlite_url)
    try:
        yield w
    finally:
        await w.runtime.close()


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
