"""Crash recovery: real `followup run` processes (`tests/faults/fleet.py`, default lease and
send timeout) deliver 240 due nudges (120 Slack, 120 Discord) to fakes that answer each
message in 0.1-0.5 s; mid-burst the busiest process is killed with `kill -9`.

- SQLite: one process, started again right after the kill (as a supervisor would);
- PostgreSQL: three processes, the two survivors carry on.

Figures: seconds from the kill to the last of the dead process's nudges (those it held
claimed at the moment of the kill) arriving at the fake platform, and to the last nudge of
all; lost and duplicated nudges (from what the fakes received); how many the dead process
held. Target: the dead process's nudges within a minute, 0 lost, 0 duplicated.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.pg import available, scratch_database
from bot.dispatcher import delivery_key
from storage.models import NudgeRow
from storage.nudges import nudge_from_row
from tests.faults.fleet import Fleet, Member, slow_answers

SLACK_USERS = 120
DISCORD_USERS = 120
TOTAL = SLACK_USERS + DISCORD_USERS
KILL_AFTER = 60
DEFAULTS = {"FOLLOWUP_DELIVERY_LEASE": "15", "FOLLOWUP_SEND_TIMEOUT": "15", "FOLLOWUP_DISPATCH_INTERVAL": "15"}


async def _held_by(fleet: Fleet, victim: Member) -> set[str]:
    assert fleet.database is not None
    async with fleet.database.sessions() as session:
        found = (await session.execute(select(NudgeRow.__table__).where(NudgeRow.state == "claimed"))).all()
    return {delivery_key(nudge_from_row(row)) for row in found if str(row.claimed_by).split(":")[1] == str(victim.pid)}


def _arrived_keys(fleet: Fleet) -> set[str]:
    return set(fleet.slack_arrived()) | set(fleet.discord_arrived())


async def _measure(url: str, processes: int, restart: bool) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="followup-bench-crash-"))
    fleet = Fleet(url, folder, settings=dict(DEFAULTS))
    try:
        await fleet.start(answer=slow_answers())
        members = [await fleet.spawn() for _ in range(processes)]
        for member in members:
            await fleet.ready(member)
        await fleet.seed(SLACK_USERS, DISCORD_USERS)
        await fleet.until(lambda: fleet.arrived() >= KILL_AFTER, 120, "the burst never got going")
        victim = await fleet.busiest()
        await fleet.kill(victim)
        killed = time.monotonic()
        held = await _held_by(fleet, victim)
        if restart:
            await fleet.ready(await fleet.spawn())
        last_held: float | None = None
        while len(_arrived_keys(fleet)) < TOTAL and time.monotonic() - killed < 300:
            if last_held is None and held <= _arrived_keys(fleet):
                last_held = time.monotonic() - killed
            await asyncio.sleep(0.02)
        everything = time.monotonic() - killed
        if last_held is None:
            last_held = everything
        await fleet.until_recorded(TOTAL, 60)
        await fleet.stop()
        slack, discord = fleet.slack_arrived(), fleet.discord_arrived()
        counts = list(slack.values()) + list(discord.values())
        return {
            "dead process held (claimed)": float(len(held)),
            "kill → its last nudge delivered s": last_held,
            "kill → last nudge of all delivered s": everything,
            "lost": float(TOTAL - len(counts)),
            "duplicated": float(sum(n - 1 for n in counts)),
        }
    finally:
        await fleet.close()
        shutil.rmtree(folder, ignore_errors=True)


async def run() -> dict[str, object]:
    figures: dict[str, object] = {"suite": "crash_recovery", "due nudges": TOTAL, "lease s": 15.0}
    folder = Path(tempfile.mkdtemp(prefix="followup-bench-crash-db-"))
    try:
        for key, value in (await _measure(f"sqlite:///{folder / 'crash.db'}", 1, restart=True)).items():
            figures[f"sqlite 1 proc, restarted: {key}"] = value
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    reason = await available()
    if reason is not None:
        figures["postgres"] = f"skipped: {reason}"
        return figures
    async with scratch_database("crash") as url:
        for key, value in (await _measure(url, 3, restart=False)).items():
            figures[f"postgres 3 procs, busiest killed: {key}"] = value
    return figures
