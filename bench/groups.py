"""Group channels at 100, 1,000 and 10,000 members, on a SQLite file and on PostgreSQL.

Every member has two applications; in the week measured each one logged an interview, sent
a thank-you and a value-add, and one in ten heard back. Half the members opted in (so half
are named). Measured, 5 runs each, the median and the best:
- `board` typed in the channel, through the core (`Followup.handle_text`), reply and post;
- the weekly digest rendered by the digest dispatcher (`DigestDispatcher.render`);
- the longest the event loop went without running a 1 ms ticker during either of them
  (how long every other user of the process waited), the median over the runs: on a shared
  2-core machine a single run's worst includes the times the process itself was descheduled;
- the CPU time the process spent during each (all its threads; the median): on a machine
  whose cores are shared, the wall-clock figures are this stretched by everyone else's work;
- the longest full garbage collection (generation 2, timed with `gc.callbacks`) during the
  runs, which holds the loop for as long as it takes.
The process is settled after seeding as `followup run` settles after start-up
(`adapters.settle`: what start-up made is frozen out of full collections).
Targets: a 10,000-member digest in under 1 s, and no loop stall over 50 ms.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import statistics
import time as clock
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert

from adapters.settle import settled
from bench.pg import available, scratch_database
from bench.seed import after_bulk_load, fresh_database, seed, temporary_sqlite_url
from bot.clock import SimulatedClock
from bot.digests import DigestDispatcher
from bot.domain import Identity, Place
from bot.groups import ClaimedDigest
from bot.service import Followup
from storage.database import Database
from storage.models import ChannelDigestRow, ChannelMemberRow, EventRow, GroupChannelRow

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday
SIZES = tuple(
    int(s) for s in os.environ.get("FOLLOWUP_BENCH_GROUP_SIZES", "100,1000,10000").split(",")
)
APPS_PER_MEMBER = 2
RUNS = 5
CHANNEL = "C1"
ZONE = "UTC"


async def _seed(database: Database, members: int) -> None:
    await seed(
        database,
        users=members,
        apps_per_user=APPS_PER_MEMBER,
        now=NOW - timedelta(days=1),
        due_in=timedelta(days=3),
    )
    async with database.sessions() as session:
        await session.execute(
            insert(GroupChannelRow),
            [
                dict(
                    id=1,
                    platform="bench",
                    workspace="w",
                    channel_id=CHANNEL,
                    enabled=True,
                    owner_id=1,
                    enabled_at=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                )
            ],
        )
        await session.execute(
            insert(ChannelDigestRow),
            [dict(channel_id=1, weekday=4, at=time(12), timezone=ZONE, due_at=NOW, attempts=0)],
        )
        rows = [
            dict(channel_id=1, user_id=u, opted_in=u % 2 == 0, joined_at=NOW - timedelta(days=30))
            for u in range(1, members + 1)
        ]
        for start in range(0, len(rows), 5000):
            await session.execute(insert(ChannelMemberRow), rows[start : start + 5000])
        events = []
        for app_id in range(1, members * APPS_PER_MEMBER + 1):
            at = NOW - timedelta(hours=20)
            events.append(
                dict(
                    application_id=app_id,
                    seq=1,
                    kind="sent",
                    at=at,
                    cycle="r1",
                    step="thank-you",
                    note="",
                )
            )
            events.append(
                dict(
                    application_id=app_id,
                    seq=2,
                    kind="sent",
                    at=at + timedelta(hours=2),
                    cycle="r1",
                    step="value-add",
                    note="",
                )
            )
            if app_id % 10 == 0:
                events.append(
                    dict(
                        application_id=app_id,
                        seq=3,
                        kind="heard",
                        at=at + timedelta(hours=3),
                        cycle="r1",
                        note="",
                    )
                )
        for start in range(0, len(events), 5000):
            await session.execute(insert(EventRow), events[start : start + 5000])
        await session.commit()


class FullCollections:
    """The longest full (generation 2) garbage collection while it is on, in milliseconds."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = clock.perf_counter()
        else:
            self.longest = max(self.longest, (clock.perf_counter() - self._started) * 1000)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)


async def _timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, float, float]:
    """(milliseconds the work took, longest loop stall in milliseconds while it ran, CPU
    milliseconds the process spent meanwhile, all threads)."""
    longest = 0.0
    done = False

    async def ticker() -> None:
        nonlocal longest
        last = clock.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = clock.perf_counter()
            longest = max(longest, now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started, cpu = clock.perf_counter(), clock.process_time()
    await work()
    took, cpu = clock.perf_counter() - started, clock.process_time() - cpu
    done = True
    await ticking
    return took * 1000, longest * 1000, cpu * 1000


async def _measure(url: str, members: int) -> dict[str, float]:
    database = await fresh_database(url)
    try:
        await _seed(database, members)
        if database.backend == "postgresql":
            await after_bulk_load(database)
        sim = SimulatedClock(NOW)
        followup = Followup(database.unit_of_work, sim)
        who = Identity("bench", "w", "user2")
        where = Place(CHANNEL, is_direct=False)
        digests = DigestDispatcher(database.unit_of_work, sim, {}, worker_id="bench")
        async with database.unit_of_work() as uow:
            channel = await uow.groups.get_by_id(1)
        assert channel is not None
        claimed = ClaimedDigest(channel, NOW, 0, "bench")

        async def board() -> None:
            reply = await followup.handle_text(who, "board", where)
            assert not reply.is_error, reply

        async def digest() -> None:
            message = await digests.render(claimed, NOW)
            assert f"{members // 2} more member" in message.body or members < 2, message.body[-200:]

        figures: dict[str, float] = {}
        with settled():
            for name, work in (("board", board), ("digest", digest)):
                await work()  # warm-up
                with FullCollections() as collections:
                    runs = [await _timed(work) for _ in range(RUNS)]
                figures[f"{name} ms"] = statistics.median(t for t, _, _ in runs)
                figures[f"{name} best ms"] = min(t for t, _, _ in runs)
                figures[f"{name} cpu ms"] = statistics.median(c for _, _, c in runs)
                figures[f"{name} loop stall ms"] = statistics.median(s for _, s, _ in runs)
                figures[f"{name} longest full gc ms"] = collections.longest
        return figures
    finally:
        await database.dispose()


async def _backend(name: str, figures: dict[str, object]) -> dict[int, dict[str, float]]:
    results: dict[int, dict[str, float]] = {}
    for size in SIZES:
        if name == "sqlite":
            url, folder = temporary_sqlite_url(f"groups{size}")
            try:
                results[size] = await _measure(url, size)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            async with scratch_database(f"groups{size}") as url:
                results[size] = await _measure(url, size)
        for key, value in results[size].items():
            figures[f"{name} {key} @ {size:,} members"] = value
    return results


async def run() -> dict[str, object]:
    figures: dict[str, object] = {"suite": "groups"}
    measured = [await _backend("sqlite", figures)]
    reason = await available()
    if reason is None:
        measured.append(await _backend("postgres", figures))
    else:
        figures["postgres"] = f"skipped: {reason}"
    largest = max(SIZES)
    kinds = ("board", "digest")
    fast = all(r[largest][f"{k} ms"] < 1000 for r in measured for k in kinds)
    smooth = all(
        r[size][f"{k} loop stall ms"] <= 50 for r in measured for size in SIZES for k in kinds
    )
    figures[f"target: {largest:,}-member board and digest < 1 s"] = "met" if fast else "missed"
    figures["target: loop never stalls > 50 ms, at every size"] = "met" if smooth else "missed"
    return figures
