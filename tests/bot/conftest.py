"""Fixtures for the core's end-to-end tests (`world` is the whole suite's: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.harness import World, make_world


@pytest.fixture
async def second(sqlite_url: str, world: World) -> AsyncIterator[World]:
    """A second bot (another process) on the same SQLite file, its clock where `world`'s is."""
    other = await make_world(sqlite_url, worker_id="second-process")
    other.clock.set(world.clock.now())
    try:
        yield other
    finally:
        await other.runtime.close()
