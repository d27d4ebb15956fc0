"""Fixtures for the core's end-to-end tests: the whole bot on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.harness import World, make_world


@pytest.fixture
async def world(sqlite_url: str) -> AsyncIterator[World]:
    """The whole bot on a fresh SQLite file, with a simulated clock at Wed 2026-11-25 09:00 UTC."""
    w = await make_world(sqlite_url)
    try:
        yield w
    finally:
        await w.runtime.close()


@pytest.fixture
async def second(sqlite_url: str, world: World) -> AsyncIterator[World]:
    """A second bot (another process) on the same SQLite file, its clock where `world`'s is."""
    other = await make_world(sqlite_url, worker_id="second-process")
    other.clock.set(world.clock.now())
    try:
        yield other
    finally:
        await other.runtime.close()
