"""Dispatch throughput: 10,000 due nudges delivered to an in-memory notifier on a SQLite file.
Target: at least 2,000 nudges/s, zero lost, zero duplicated."""

from __future__ import annotations

import shutil
import time as clock
from collections import Counter
from datetime import UTC, datetime, timedelta

from bench.seed import fresh_database, seed, temporary_sqlite_url
from bot.clock import SimulatedClock
from bot.dispatcher import Dispatcher
from bot.domain import User
from bot.messages import Message

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NUDGES = 10_000


class CountingNotifier:
    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()

    async def send_direct(self, user: User, message: Message) -> None:
        self.deliveries[f"{user.id}:{message.fields[0].value}"] += 1


async def run() -> dict[str, object]:
    url, folder = temporary_sqlite_url("dispatch")
    database = await fresh_database(url)
    try:
        await seed(database, users=NUDGES // 2, apps_per_user=2, now=NOW, due_in=timedelta(minutes=-1))
        notifier = CountingNotifier()
        dispatcher = Dispatcher(database.unit_of_work, SimulatedClock(NOW), {"bench": notifier}, worker_id="bench")
        started = clock.perf_counter()
        report = await dispatcher.run_once()
        elapsed = clock.perf_counter() - started
        duplicated = sum(count - 1 for count in notifier.deliveries.values() if count > 1)
        return {
            "suite": "dispatch",
            "backend": "sqlite",
            "due nudges": NUDGES,
            "delivered": report.delivered,
            "seconds": elapsed,
            "nudges/s (target ≥ 2000)": report.delivered / elapsed,
            "lost": NUDGES - len(notifier.deliveries),
            "duplicated": duplicated,
        }
    finally:
        await database.dispose()
        shutil.rmtree(folder, ignore_errors=True)
