"""Weekly digests are never posted twice and never lost, with real `followup run` processes
(`fleet.py`) posting to the fake Slack and the fake Discord at once, each answering every post
in 0.2-0.8 s: 200+ group channels whose digest fell due, `kill -9` mid-burst — on SQLite the
one process dies with posts in flight and is started again; on PostgreSQL three processes share
the work and the one holding the most claims is killed.

Each asserts that every digest arrived exactly once (the fakes keep what really arrived, by
Slack metadata and Discord nonce), that the database recorded every one as posted, and that
all arrived within 90 s of the kill. Leases are 2 s here, renewed by the heartbeat while posts
are slow, so a dead process's claims come back quickly and a live one keeps its own.
"""

from __future__ import annotations

from tests.faults.fleet import Fleet, assert_exactly_once, slow_answers

SLACK_CHANNELS = 110
DISCORD_CHANNELS = 110
TOTAL = SLACK_CHANNELS + DISCORD_CHANNELS
KILL_AFTER = 40  # digests arrived when the kill comes
RECOVERY = 90.0  # seconds from the kill to the last digest
RECORDING = 60.0  # seconds for the records to catch up once everything arrived


def _arrived(fleet: Fleet) -> int:
    slack, discord = fleet.digests_arrived()
    return len(slack) + len(discord)


async def _burst_then_kill(fleet: Fleet, processes: int, restart: bool) -> None:
    await fleet.start(answer=slow_answers(low=0.2, high=0.8))
    await fleet.seed_digests(SLACK_CHANNELS, DISCORD_CHANNELS)  # due before anyone starts
    for _ in range(processes):
        await fleet.spawn()
    await fleet.kill_mid_burst(
        lambda: _arrived(fleet),
        TOTAL,
        kill_after=KILL_AFTER,
        busiest=fleet.busiest_poster,
        restart=restart,
        within=RECOVERY,
    )
    await fleet.until_recorded(TOTAL, RECORDING, fleet.recorded_digests)
    await fleet.stop()
    assert_exactly_once(*fleet.digests_arrived(), (SLACK_CHANNELS, DISCORD_CHANNELS))


async def test_kill_9_mid_digest_burst_on_sqlite_then_restart(sqlite_fleet: Fleet) -> None:
    await _burst_then_kill(sqlite_fleet, processes=1, restart=True)


async def test_kill_9_of_the_busiest_digest_poster_of_three_on_postgres(
    postgres_fleet: Fleet,
) -> None:
    await _burst_then_kill(postgres_fleet, processes=3, restart=False)
