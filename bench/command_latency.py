"""Command latency vs stored data: parse → handle → render, in-process, with 1k, 10k, 100k
and 1M stored follow-ups (applications, each with its round, interviewer and pending nudge;
10 per user), on a SQLite file and on PostgreSQL. About 60 users spread over the id range
each run 11 commands (reads and writes); p50 and p99 in milliseconds.
Targets: p99 under 10 ms at 100k and within 1.5× of 1k; p99 at 1M within 2× of 10k.
"""

from __future__ import annotations

import os
import shutil
import time as clock
from datetime import UTC, datetime

from bench.pg import available, scratch_database
from bench.seed import fresh_database, percentile, seed, temporary_sqlite_url
from bot.clock import SimulatedClock
from bot.domain import Identity
from bot.service import Followup

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SIZES = tuple(int(s) for s in os.environ.get("FOLLOWUP_BENCH_LATENCY_SIZES", "1000,10000,100000,1000000").split(","))
APPS_PER_USER = 10
SEED_USERS_PER_CHUNK = 10_000
ROUNDS = 60
COMMANDS = ("list", "show 3", "today", "checklist 2", "draft 4", "review 1 Thank you for your time; when may I follow up?",
            "snooze 5 2d", "sent 6", "heard 6 they replied", "settings", "add Newco; Engineer; tomorrow 10:00; Kim Lee")


async def _measure(url: str, total_apps: int) -> dict[str, float]:
    database = await fresh_database(url)
    try:
        users_total = total_apps // APPS_PER_USER
        started = clock.perf_counter()
        for first in range(1, users_total + 1, SEED_USERS_PER_CHUNK):
            await seed(database, users=min(SEED_USERS_PER_CHUNK, users_total - first + 1), apps_per_user=APPS_PER_USER,
                       now=NOW, first_user_id=first)
        seeding = clock.perf_counter() - started
        followup = Followup(database.unit_of_work, SimulatedClock(NOW))
        step = max(1, users_total // ROUNDS)
        users = [Identity("bench", "w", f"user{u}") for u in range(1, users_total + 1, step)]
        for who in users[:2]:  # warm-up: caches, dateparser, database pages
            for line in COMMANDS:
                (await followup.handle_text(who, line)).as_text()
        samples: list[float] = []
        for who in users[2:]:
            for line in COMMANDS:
                t0 = clock.perf_counter()
                (await followup.handle_text(who, line)).as_text()
                samples.append((clock.perf_counter() - t0) * 1000)
        return {"p50": percentile(samples, 0.5), "p99": percentile(samples, 0.99), "n": float(len(samples)), "seed_s": seeding}
    finally:
        await database.dispose()


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


async def _backend(name: str, figures: dict[str, object]) -> None:
    results: dict[int, dict[str, float]] = {}
    for size in SIZES:
        if name == "sqlite":
            url, folder = temporary_sqlite_url(f"latency{size}")
            try:
                results[size] = await _measure(url, size)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            async with scratch_database(f"latency{size}") as url:
                results[size] = await _measure(url, size)
        figures[f"{name} p50 ms @ {_label(size)}"] = results[size]["p50"]
        figures[f"{name} p99 ms @ {_label(size)}"] = results[size]["p99"]
        figures[f"{name} seeding s @ {_label(size)}"] = results[size]["seed_s"]
    # Issue targets: 100k within 1.5x of 1k (and p99 < 10 ms there); 1M within 2x of 10k.
    met = True
    for large, small, target in ((100_000, 1_000, 1.5), (1_000_000, 10_000, 2.0)):
        if large in results and small in results:
            ratio = results[large]["p99"] / results[small]["p99"]
            figures[f"{name} p99 ratio {_label(large)} / {_label(small)} (target ≤ {target})"] = ratio
            met = met and ratio <= target
    if 100_000 in results:
        met = met and results[100_000]["p99"] < 10
    figures[f"{name} target: p99 < 10 ms @ 100k, ratios within their bounds"] = "met" if met else "missed"
    figures["commands per size"] = int(results[min(SIZES)]["n"])


async def run() -> dict[str, object]:
    figures: dict[str, object] = {"suite": "command_latency"}
    await _backend("sqlite", figures)
    reason = await available()
    if reason is None:
        await _backend("postgres", figures)
    else:
        figures["postgres"] = f"skipped: {reason}"
    return figures
