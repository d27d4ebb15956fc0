"""Crash recovery: real `followup run` processes (`tests/faults/fleet.py`, default lease and
send timeout) deliver to fakes that answer each message in 0.1-0.5 s; mid-burst the busiest
process is killed with `kill -9`. Measured twice, on the two things delivered on a schedule:

- nudges: 240 due (120 Slack users, 120 Discord users), direct messages;
- digests: 240 group channels whose weekly digest fell due (120 Slack, 120 Discord), channel posts.

- SQLite: one process, started again right after the kill (as a supervisor would);
- PostgreSQL: three processes, the two survivors carry on.

Figures: seconds from the kill to the last of the dead process's nudges (or digests) — those it
held claimed at the moment of the kill — arriving at the fake platform (one it had already sent
arrives at once, and is then found and recorded by another), to the last of all, and to every
one recorded in the database; lost and duplicated (from what the fakes received); how many the dead
process held. Target: the dead process's nudges and digests within a minute, 0 lost, 0 duplicated.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import select

from bench.pg import sqlite_then_postgres
from bot.digests import digest_key
from bot.dispatcher import delivery_key
from bot.groups import ClaimedDigest
from storage.columns import as_utc
from storage.groups import channel_from_row
from storage.models import ChannelDigestRow, GroupChannelRow, NudgeRow
from storage.nudges import nudge_from_row
from tests.faults.fleet import Fleet, Member, slow_answers

SLACK = 120  # users (nudges) or channels (digests) on Slack
DISCORD = 120
TOTAL = SLACK + DISCORD
KILL_AFTER = 60
DEFAULTS = {
    "FOLLOWUP_DELIVERY_LEASE": "15",
    "FOLLOWUP_SEND_TIMEOUT": "15",
    "FOLLOWUP_DISPATCH_INTERVAL": "15",
}
WITHIN = 60.0  # the target: the dead process's items delivered within a minute of the kill


def _pid(worker: object) -> int:
    return int(str(worker).split(":")[1])


async def _nudges_held_by(fleet: Fleet, victim: Member) -> set[str]:
    assert fleet.database is not None
    async with fleet.database.sessions() as session:
        found = (
            await session.execute(select(NudgeRow.__table__).where(NudgeRow.state == "claimed"))
        ).all()
    return {
        delivery_key(nudge_from_row(row)) for row in found if _pid(row.claimed_by) == victim.pid
    }


async def _digests_held_by(fleet: Fleet, victim: Member) -> set[str]:
    assert fleet.database is not None
    c, d = GroupChannelRow.__table__, ChannelDigestRow.__table__
    query = (
        select(c, d.c.weekday, d.c.at, d.c.timezone, d.c.due_at, d.c.last_error, d.c.claimed_by)
        .join(d, d.c.channel_id == c.c.id)
        .where(d.c.state == "claimed")
    )
    async with fleet.database.sessions() as session:
        found = (await session.execute(query)).all()
    return {
        digest_key(ClaimedDigest(channel_from_row(row), as_utc(row.due_at), 0, ""))
        for row in found
        if _pid(row.claimed_by) == victim.pid
    }


def _digests_arrived(fleet: Fleet) -> Counter[str]:
    slack, discord = fleet.digests_arrived()
    return slack + discord


def _nudges_arrived(fleet: Fleet) -> Counter[str]:
    return fleet.slack_arrived() + fleet.discord_arrived()


@dataclass(frozen=True)
class Items:
    """Nudges or digests, as the measurement needs them."""

    noun: str  # "nudge", "digest"
    seed: Callable[[Fleet], Awaitable[None]]
    held_by: Callable[[Fleet, Member], Awaitable[set[str]]]
    arrived: Callable[[Fleet], Counter[str]]  # delivery keys of what the fakes have, counted
    busiest: Callable[[Fleet], Awaitable[Member]]
    recorded: Callable[[Fleet], Awaitable[int]]
    # Digests are due before anyone starts (a process reads the digests' schedule at start, and
    # other processes' changes only at its one-minute resync); nudges fall due once all run.
    seeded_first: bool


NUDGES = Items(
    "nudge", lambda fleet: fleet.seed(SLACK, DISCORD), _nudges_held_by, _nudges_arrived,
    lambda fleet: fleet.busiest(), lambda fleet: fleet.recorded(), seeded_first=False,
)
DIGESTS = Items(
    "digest", lambda fleet: fleet.seed_digests(SLACK, DISCORD), _digests_held_by, _digests_arrived,
    lambda fleet: fleet.busiest_poster(), lambda fleet: fleet.recorded_digests(), seeded_first=True,
)


async def _measure(url: str, items: Items, processes: int, restart: bool) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="followup-bench-crash-"))
    fleet = Fleet(url, folder, settings=dict(DEFAULTS))
    try:
        await fleet.start(answer=slow_answers())
        if items.seeded_first:
            await items.seed(fleet)
        members = [await fleet.spawn() for _ in range(processes)]
        if not items.seeded_first:
            for member in members:
                await fleet.ready(member)
            await items.seed(fleet)
        await fleet.until(
            lambda: len(items.arrived(fleet)) >= KILL_AFTER, 120, "the burst never got going"
        )
        victim = await items.busiest(fleet)
        await fleet.kill(victim)
        killed = time.monotonic()
        held = await items.held_by(fleet, victim)
        if restart:
            await fleet.ready(await fleet.spawn())
        last_held: float | None = None
        while len(items.arrived(fleet)) < TOTAL and time.monotonic() - killed < 300:
            if last_held is None and held <= set(items.arrived(fleet)):
                last_held = time.monotonic() - killed
            await asyncio.sleep(0.02)
        everything = time.monotonic() - killed
        if last_held is None:
            last_held = everything
        await fleet.until_recorded(TOTAL, 60, partial(items.recorded, fleet))
        recorded = time.monotonic() - killed
        await fleet.stop()
        counts = items.arrived(fleet).values()
        figures = _named(
            items.noun,
            float(len(held)),
            last_held,
            everything,
            float(TOTAL - len(counts)),
            float(sum(n - 1 for n in counts)),
        )
        figures[f"kill → every {items.noun} recorded s"] = recorded
        return figures
    finally:
        await fleet.close()
        shutil.rmtree(folder, ignore_errors=True)


def _named(
    noun: str, held: float, last_held: float, everything: float, lost: float, duplicated: float
) -> dict[str, float]:
    """The figures, named as they always were for nudges (the scoreboard reads those names)."""
    if noun == "nudge":
        return {
            "dead process held (claimed)": held,
            "kill → its last nudge delivered s": last_held,
            "kill → last nudge of all delivered s": everything,
            "lost": lost,
            "duplicated": duplicated,
        }
    return {
        "dead process held digests (claimed)": held,
        "kill → its last digest delivered s": last_held,
        "kill → last digest of all delivered s": everything,
        "digests lost": lost,
        "digests duplicated": duplicated,
    }


RUNS = {"sqlite 1 proc, restarted": (1, True), "postgres 3 procs, busiest killed": (3, False)}


def _met(figures: dict[str, object]) -> bool:
    def within(key: str) -> bool:
        value = figures.get(key)
        return isinstance(value, float) and value <= WITHIN

    return all(
        within(f"{run}: kill → its last nudge delivered s")
        and within(f"{run}: kill → its last digest delivered s")
        and all(
            figures.get(f"{run}: {k}") == 0
            for k in ("lost", "duplicated", "digests lost", "digests duplicated")
        )
        for run in RUNS
    )


async def run() -> dict[str, object]:
    figures: dict[str, object] = {
        "suite": "crash_recovery",
        "due nudges": TOTAL,
        "due digests": TOTAL,
        "lease s": 15.0,
    }

    def runs(prefix: str) -> list[tuple[str, Callable[[str], Awaitable[dict[str, float]]]]]:
        return [
            (run, partial(_measure, items=items, processes=processes, restart=restart))
            for run, (processes, restart) in RUNS.items() if run.startswith(prefix)
            for items in (NUDGES, DIGESTS)
        ]

    figures |= await sqlite_then_postgres("crash", runs("sqlite"), runs("postgres"))
    if "postgres" in figures:  # skipped
        return figures
    figures["target: the dead process's nudges and digests within 60 s, 0 lost, 0 duplicated"] = (
        "met" if _met(figures) else "missed"
    )
    return figures
