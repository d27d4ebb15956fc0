"""Weekly digests are never posted twice and never lost, with real `followup run` processes
(`fleet.py`) posting to the fake Slack and the fake Discord at once, each answering every post
in 0.5-1.5 s: 200+ group channels whose digest fell due, `kill -9` mid-burst — on SQLite the
one process dies with posts in flight and is started again; on PostgreSQL three processes share
the work and the one holding the most claims is killed.

Each asserts that every digest arrived exactly once (the fakes keep what really arrived, by
Slack metadata and Discord nonce), that the database recorded every one as posted, and that
all arrived within 90 s of the kill. Leases are 2 s here, renewed by the heartbeat while posts
are slow, so a dead process's claims come back quickly and a live one keeps its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.fleet import Fleet, slow_answers

SLACK_CHANNELS = 110
DISCORD_CHANNELS = 110
TOTAL = SLACK_CHANNELS + DISCORD_CHANNELS
KILL_AFTER = 40  # digests arrived when the kill comes
RECOVERY = 90.0  # seconds from the kill to the last digest
RECORDING = 60.0  # seconds for the records to catch up once everything arrived


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


def _arrived(fleet: Fleet) -> int:
    slack, discord = fleet.digests_arrived()
    return len(slack) + len(discord)


async def _until_recorded(fleet: Fleet) -> None:
    deadline = time.monotonic() + RECORDING
    while await fleet.recorded_digests() < TOTAL:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {await fleet.recorded_digests()} of {TOTAL} digests recorded:\n{await fleet.report()}")
        await asyncio.sleep(0.1)


async def _burst_then_kill(fleet: Fleet, processes: int, restart: bool) -> None:
    await fleet.start(answer=slow_answers(low=0.5, high=1.5))
    await fleet.seed_digests(SLACK_CHANNELS, DISCORD_CHANNELS)  # due before anyone starts
    members = [await fleet.spawn() for _ in range(processes)]
    await fleet.until(lambda: _arrived(fleet) >= KILL_AFTER, 60, "the digest burst never got going")
    victim = await fleet.busiest_poster()
    await fleet.kill(victim)
    assert _arrived(fleet) < TOTAL, "every digest arrived before the kill: nothing was in flight"
    if restart:
        await fleet.ready(await fleet.spawn())
    else:
        for member in members:
            if member is not victim:
                await fleet.ready(member)
    await fleet.until(lambda: _arrived(fleet) >= TOTAL, RECOVERY, "not every digest arrived after the kill")
    await _until_recorded(fleet)
    await fleet.stop()
    slack, discord = fleet.digests_arrived()
    assert (len(slack), len(discord)) == (SLACK_CHANNELS, DISCORD_CHANNELS)  # none lost
    assert [k for k, n in slack.items() if n > 1] == [] and [k for k, n in discord.items() if n > 1] == []  # none twice


async def test_kill_9_mid_digest_burst_on_sqlite_then_restart(sqlite_fleet: Fleet) -> None:
    await _burst_then_kill(sqlite_fleet, processes=1, restart=True)


async def test_kill_9_of_the_busiest_digest_poster_of_three_on_postgres(postgres_fleet: Fleet) -> None:
    await _burst_then_kill(postgres_fleet, processes=3, restart=False)
