"""Command latency: parse → handle → render, in-process, on a SQLite file, with 1,000 and with
100,000 stored applications. Target: p99 under 10 ms at 100,000, within 1.5× of 1,000."""

from __future__ import annotations

import shutil
import time as clock
from datetime import UTC, datetime

from bench.seed import fresh_database, percentile, seed, temporary_sqlite_url
from bot.clock import SimulatedClock
from bot.domain import Identity
from bot.service import Followup

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ROUNDS = 60
COMMANDS = ("list", "show 3", "today", "checklist 2", "draft 4", "review 1 Thank you for your time; when may I follow up?",
            "snooze 5 2d", "sent 6", "heard 6 they replied", "settings", "add Newco; Engineer; tomorrow 10:00; Kim Lee")


async def _measure(total_apps: int) -> dict[str, float]:
    url, folder = temporary_sqlite_url(f"latency{total_apps}")
    database = await fresh_database(url)
    try:
        apps_per_user = 10
        await seed(database, users=total_apps // apps_per_user, apps_per_user=apps_per_user, now=NOW)
        followup = Followup(database.unit_of_work, SimulatedClock(NOW))
        samples: list[float] = []
        users = [Identity("bench", "w", f"user{u}") for u in range(1, total_apps // apps_per_user + 1, max(1, total_apps // apps_per_user // ROUNDS))]
        for who in users[:2]:  # warm-up: caches, dateparser, SQLite pages
            for line in COMMANDS:
                (await followup.handle_text(who, line)).as_text()
        for who in users[2:]:
            for line in COMMANDS:
                started = clock.perf_counter()
                (await followup.handle_text(who, line)).as_text()
                samples.append((clock.perf_counter() - started) * 1000)
        return {"p50": percentile(samples, 0.5), "p99": percentile(samples, 0.99), "n": float(len(samples))}
    finally:
        await database.dispose()
        shutil.rmtree(folder, ignore_errors=True)


async def run() -> dict[str, object]:
    small = await _measure(1_000)
    large = await _measure(100_000)
    return {
        "suite": "command_latency",
        "commands per size": int(small["n"]),
        "p50 ms @ 1k apps": small["p50"],
        "p99 ms @ 1k apps": small["p99"],
        "p50 ms @ 100k apps": large["p50"],
        "p99 ms @ 100k apps": large["p99"],
        "p99 ratio 100k / 1k (target ≤ 1.5)": large["p99"] / small["p99"],
        "target p99 < 10 ms @ 100k": "met" if large["p99"] < 10 else "missed",
    }
