"""Never twice, never lost, with real `followup run` processes (`fleet.py`) delivering to the
fake Slack and the fake Discord at once, each answering every message in 0.1-0.5 s:

- `kill -9` mid-burst on SQLite: the one process dies with sends in flight and is started
  again; on PostgreSQL: three processes share the work and the busiest is killed;
- Slack and Discord accept messages but answer only after the client gave up.

Each asserts that every nudge arrived exactly once (the fakes keep what really arrived, by
Slack metadata and Discord nonce), that the database recorded every one as sent, and that all
arrived within 90 s of the kill. Leases are 2 s here (set through the environment), so a dead
process's claims come back quickly.
"""

from __future__ import annotations

from tests.faults.fleet import LEASE, SEND_TIMEOUT, Fleet, assert_exactly_once, slow_answers

SLACK_USERS = 110
DISCORD_USERS = 110
TOTAL = SLACK_USERS + DISCORD_USERS  # 200+ due nudges
KILL_AFTER = 60  # nudges arrived when the kill comes
RECOVERY = 90.0  # seconds from the kill to the last nudge
RECORDING = 60.0  # seconds for the records to catch up once everything arrived


async def _burst_then_kill(fleet: Fleet, processes: int, restart: bool) -> None:
    await fleet.start(answer=slow_answers())
    members = [await fleet.spawn() for _ in range(processes)]
    for member in members:
        await fleet.ready(member)
    await fleet.seed(SLACK_USERS, DISCORD_USERS)
    await fleet.kill_mid_burst(
        fleet.arrived,
        TOTAL,
        kill_after=KILL_AFTER,
        busiest=fleet.busiest,
        restart=restart,
        within=RECOVERY,
    )
    await fleet.until_recorded(TOTAL, RECORDING)
    await fleet.stop()
    assert_exactly_once(
        fleet.slack_arrived(), fleet.discord_arrived(), (SLACK_USERS, DISCORD_USERS)
    )


async def test_kill_9_mid_burst_on_sqlite_then_restart(sqlite_fleet: Fleet) -> None:
    await _burst_then_kill(sqlite_fleet, processes=1, restart=True)


async def test_kill_9_of_the_busiest_of_three_on_postgres(postgres_fleet: Fleet) -> None:
    await _burst_then_kill(postgres_fleet, processes=3, restart=False)


async def test_answers_after_the_client_timeout_are_never_sent_twice(sqlite_fleet: Fleet) -> None:
    fleet = sqlite_fleet
    late = 15  # per platform
    await fleet.start(answer=slow_answers())
    fleet.slack.late(late, after=SEND_TIMEOUT + LEASE)
    fleet.discord.late(late, after=SEND_TIMEOUT + LEASE)
    await fleet.ready(await fleet.spawn())
    await fleet.seed(40, 40)
    await fleet.until(lambda: fleet.arrived() >= 80, RECOVERY, "not every nudge arrived")
    await fleet.until_recorded(80, RECORDING)
    await fleet.stop()
    slack, discord = fleet.slack_arrived(), fleet.discord_arrived()
    assert (len(slack), len(discord)) == (40, 40)
    assert sum(slack.values()) == 40 and sum(discord.values()) == 40
    # The late ones were verified, not sent blindly: Slack's history was read, and Discord got
    # the same nonce again and made nothing new.
    assert fleet.slack.calls_to("conversations.history", ok_only=True)
    sends = [c.json["nonce"] for c in fleet.discord.calls_to("POST", r"/channels/\d+/messages")]
    assert len(sends) > len(set(sends))
