"""`kill -9` of a dispatching process mid-burst: every nudge it had claimed is delivered by
another process once the lease has run out, none before, and none twice.

The victim is a real child process (`child_dispatcher.py`) sharing the database. Its
"platform" stops answering after a number of deliveries, so it is killed with nudges claimed
and sends in flight. The survivor runs on a simulated clock: first at the moment of the
crash (the victim's claims are respected), then past the lease (they are taken over).
Deliveries are counted from both processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.seed import fresh_database, seed
from bot.clock import SimulatedClock
from bot.dispatcher import Dispatcher
from bot.domain import User
from bot.messages import Message
from bot.ports import Delivery
from storage.database import Database
from storage.models import NudgeRow
from tests.faults.child_dispatcher import PLATFORM

ROOT = Path(__file__).resolve().parents[2]
USERS = 120
HANG_AFTER = 50
BATCH = 40
LEASE = timedelta(seconds=60)
WAIT_ROUNDS = 600  # × 0.05 s: how long the child may take to start and deliver


class ListNotifier:
    def __init__(self) -> None:
        self.delivered: list[str] = []

    async def send_direct(self, user: User, message: Message, delivery: Delivery | None = None) -> None:
        self.delivered.append(user.external_id)


async def _states(database: Database) -> Counter[str]:
    async with database.sessions() as session:
        rows = (await session.execute(select(NudgeRow.state, func.count()).group_by(NudgeRow.state))).all()
    return Counter({state: count for state, count in rows})


async def _claimed_by(database: Database, worker: str) -> int:
    async with database.sessions() as session:
        stmt = select(func.count()).where(NudgeRow.state == "claimed", NudgeRow.claimed_by == worker)
        return int((await session.execute(stmt)).scalar_one())


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _spawn(url: str, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.faults.child_dispatcher", url, str(out), "--worker", "victim",
         "--hang-after", str(HANG_AFTER), "--lease", str(LEASE.total_seconds()), "--batch", str(BATCH)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


async def _wait_until_stuck(child: subprocess.Popen[bytes], database: Database, out: Path) -> None:
    """Until the child has delivered HANG_AFTER nudges and recorded every one of them."""
    for _ in range(WAIT_ROUNDS):
        assert child.poll() is None, f"the child dispatcher exited early: {child.stderr.read().decode() if child.stderr else ''}"
        if len(_lines(out)) >= HANG_AFTER and (await _states(database))["sent"] >= HANG_AFTER:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the child dispatcher never got stuck mid-burst")


async def _crash_and_take_over(url: str, tmp_path: Path) -> None:
    started = datetime.now(UTC)
    database = await fresh_database(url)
    out = tmp_path / "victim-deliveries.txt"
    child = _spawn(url, out)
    try:
        await seed(database, users=USERS, apps_per_user=1, now=started, due_in=timedelta(minutes=-1), platform=PLATFORM)
        await _wait_until_stuck(child, database, out)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
        crashed_at = datetime.now(UTC)

        victim = _lines(out)
        held = await _claimed_by(database, "victim")
        assert len(victim) == HANG_AFTER
        assert held > 0, "the victim should die holding claims"

        survivor_clock = SimulatedClock(crashed_at)
        notifier = ListNotifier()
        survivor = Dispatcher(database.unit_of_work, survivor_clock, {PLATFORM: notifier}, worker_id="survivor", lease=LEASE)
        before_lease = await survivor.run_once()
        assert await _claimed_by(database, "victim") == held  # the lease still protects them
        assert before_lease.delivered == USERS - HANG_AFTER - held

        survivor_clock.set(crashed_at + LEASE + timedelta(seconds=1))
        after_lease = await survivor.run_once()
        assert after_lease.delivered == held

        counts = Counter(victim + notifier.delivered)
        assert sorted(counts) == sorted(f"user{u}" for u in range(1, USERS + 1))  # none lost
        assert [user for user, n in counts.items() if n > 1] == []  # none twice
        assert await _states(database) == Counter({"sent": USERS})
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        if child.stderr is not None:
            child.stderr.close()
        await database.dispose()


async def test_kill_9_mid_burst_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    await _crash_and_take_over(sqlite_url, tmp_path)


async def test_kill_9_mid_burst_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    await _crash_and_take_over(postgres_url, tmp_path)
