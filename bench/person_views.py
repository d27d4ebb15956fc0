"""Per-person views against how many applications the person has: `list`, `today` and the
App Home (`Followup.home`) for someone with 10, 100 and 1,000 applications, on a SQLite file
and on PostgreSQL, through the core; the statements each sends (counted on the engine).
Median and p99 of 30 runs after a warm-up, in milliseconds; and the median CPU time this
process spent (both of its threads, SQLite's included; not PostgreSQL's server), which a busy
shared machine inflates far less than the elapsed time.

The person is shaped like a long job search: one application in ten has its thank-you due
(overdue by two hours), the others wait for a follow-up three to six weeks away. `today`
shows the tenth; `list` and Home show every one. "today, all due" is the worst case: every
application due this week, so `today` shows (and plans) all of them.
Targets (median, at 1,000 applications, on each backend): `today` under 20 ms, `list` under
100 ms and Home under 150 ms (they page, but count, order and weigh every application to cut
the pages); and each view sends as many statements at 1,000 applications as at 10.
"""

from __future__ import annotations

import os
import shutil
import time as clock
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, select

from bench.pg import available, scratch_database
from bench.seed import fresh_database, percentile, seed, temporary_sqlite_url
from bot.clock import SimulatedClock
from bot.dashboard import as_message
from bot.domain import Identity
from bot.messages import Message
from bot.method import plan
from bot.service import Followup
from storage.database import Database
from storage.models import ApplicationRow, EventRow

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SIZES = tuple(
    int(s) for s in os.environ.get("FOLLOWUP_BENCH_PERSON_SIZES", "10,100,1000").split(",")
)
RUNS = 30
TARGETS_MS = {"today": 20.0, "list": 100.0, "home": 150.0}


async def _measure(url: str, applications: int) -> dict[str, float]:
    database = await fresh_database(url)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    try:
        # One person with every application, and a few neighbours so the tables aren't theirs alone.
        await seed(
            database, users=1, apps_per_user=applications, now=NOW, due_in=timedelta(hours=-2)
        )
        await seed(
            database, users=20, apps_per_user=10, now=NOW, first_user_id=2 + applications // 10
        )
        figures: dict[str, float] = {}
        event.listen(database.engine.sync_engine, "before_cursor_execute", count)
        followup = Followup(database.unit_of_work, SimulatedClock(NOW))
        who = Identity("bench", "w", "user1")
        figures["today, all due p50 ms"] = await _p50(lambda: followup.handle_text(who, "today"))
        await _most_wait_weeks(database)
        views: dict[str, Callable[[], Awaitable[Message]]] = {
            "list": lambda: followup.handle_text(who, "list"),
            "today": lambda: followup.handle_text(who, "today"),
            "home": lambda: _home(followup, who),
        }
        for name, view in views.items():
            (await view()).as_text()  # warm-up
            statements = 0
            samples, cpu = [], []
            for _ in range(RUNS):
                t0, c0 = clock.perf_counter(), clock.process_time()
                reply = await view()
                reply.as_text()
                samples.append((clock.perf_counter() - t0) * 1000)
                cpu.append((clock.process_time() - c0) * 1000)
            assert not reply.is_error, reply
            figures[f"{name} p50 ms"] = percentile(samples, 0.5)
            figures[f"{name} p99 ms"] = percentile(samples, 0.99)
            figures[f"{name} cpu p50 ms"] = percentile(cpu, 0.5)
            figures[f"{name} statements"] = statements / RUNS
        return figures
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
        await database.dispose()


async def _most_wait_weeks(database: Database) -> None:
    """Nine applications in ten: the thank-you sent, a follow-up agreed three to six weeks out;
    then every plan worked out again and stored, as the bot does after each change."""
    async with database.sessions() as session:
        apps = (
            (await session.execute(select(ApplicationRow.id).where(ApplicationRow.user_id == 1)))
            .scalars()
            .all()
        )
        await session.execute(
            insert(EventRow),
            [
                dict(
                    application_id=app_id,
                    seq=1,
                    kind="sent",
                    at=NOW - timedelta(hours=20),
                    cycle="r1",
                    step="thank-you",
                    agreed_date=(NOW + timedelta(days=21 + 3 * (app_id % 7))).date(),
                    note="",
                )
                for app_id in apps
                if app_id % 10
            ],
        )
        await session.commit()
    async with database.unit_of_work() as uow:
        user = await uow.users.get(1)
        assert user is not None
        for app in await uow.applications.list_for_user(1):
            planned = plan(app, user.settings, NOW)
            await uow.nudges.sync(app, planned.nudges, NOW)
            await uow.applications.set_plan_due(
                {app.id: min((n.due_at for n in planned.nudges), default=None)}
            )
        await uow.commit()


async def _home(followup: Followup, who: Identity) -> Message:
    """Home's dashboard, its page of cards as one message (as a page button answers)."""
    return as_message(await followup.home(who))


async def _p50(view: Callable[[], Awaitable[Message]]) -> float:
    (await view()).as_text()
    samples = []
    for _ in range(RUNS // 3):
        t0 = clock.perf_counter()
        (await view()).as_text()
        samples.append((clock.perf_counter() - t0) * 1000)
    return percentile(samples, 0.5)


async def _backend(name: str, figures: dict[str, object]) -> dict[int, dict[str, float]]:
    results: dict[int, dict[str, float]] = {}
    for size in SIZES:
        if name == "sqlite":
            url, folder = temporary_sqlite_url(f"person{size}")
            try:
                results[size] = await _measure(url, size)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            async with scratch_database(f"person{size}") as url:
                results[size] = await _measure(url, size)
        for key, value in results[size].items():
            figures[f"{name} {key} @ {size:,} apps"] = value
    return results


async def run() -> dict[str, object]:
    figures: dict[str, object] = {"suite": "person_views"}
    measured = [await _backend("sqlite", figures)]
    reason = await available()
    if reason is None:
        measured.append(await _backend("postgres", figures))
    else:
        figures["postgres"] = f"skipped: {reason}"
    largest, smallest = max(SIZES), min(SIZES)
    for view, target in TARGETS_MS.items():
        met = all(r[largest][f"{view} p50 ms"] < target for r in measured)
        figures[f"target: {view} < {target:.0f} ms @ {largest:,} apps"] = "met" if met else "missed"
    flat = all(
        r[largest][f"{view} statements"] == r[smallest][f"{view} statements"]
        for r in measured
        for view in TARGETS_MS
    )
    figures[f"target: statements per view the same @ {smallest:,} and {largest:,} apps"] = (
        "met" if flat else "missed"
    )
    return figures
