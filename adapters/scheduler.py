"""What wakes the dispatcher: APScheduler 3's `AsyncIOScheduler`.

The database holds the schedule; APScheduler only decides *when to look*: on a short
interval (`FOLLOWUP_DISPATCH_INTERVAL`), once at start (so nudges that fell due while the bot
was down go out at once), at the next due time it learns from the database, and whenever a
command asks for a wake-up. A failed sweep (say, the database is restarting) is logged and
retried with backoff on the next ticks; nothing is lost because nothing lives in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.dispatcher import Dispatcher, DispatchReport

log = logging.getLogger(__name__)

SWEEP_JOB = "followup-sweep"
WAKE_JOB = "followup-wake"


class DispatchScheduler:
    def __init__(self, dispatcher: Dispatcher, interval: float) -> None:
        self._dispatcher = dispatcher
        self._interval = timedelta(seconds=interval)
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._lock = asyncio.Lock()
        self._failures = 0
        self.last_sweep_ok: datetime | None = None
        self.on_report: Callable[[DispatchReport], Awaitable[None]] | None = None

    @property
    def scheduler(self) -> AsyncIOScheduler:
        """The underlying APScheduler instance, for other cron-like jobs (channel digests)."""
        return self._scheduler

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        self._scheduler.add_job(
            self.sweep,
            "interval",
            seconds=self._interval.total_seconds(),
            id=SWEEP_JOB,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        self._scheduler.start()

    async def stop(self) -> None:
        """Stop waking the dispatcher, and wait for a sweep in progress to finish, so the
        database is never closed under a delivery."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        async with self._lock:
            return

    def wake(self, at: datetime | None = None) -> None:
        """Look for due nudges at `at` (now by default), sooner than the next interval tick."""
        if not self._scheduler.running:
            return
        self._scheduler.add_job(
            self.sweep,
            "date",
            run_date=at or datetime.now(UTC),
            id=WAKE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def sweep(self) -> DispatchReport | None:
        if self._lock.locked():
            return None
        async with self._lock:
            try:
                report = await self._dispatcher.run_once()
                upcoming = await self._dispatcher.next_due_at()
            except Exception:
                self._failures += 1
                log.exception("dispatch sweep failed (%d in a row); will retry", self._failures)
                backoff = min(self._interval * 2 ** min(self._failures, 6), timedelta(minutes=5))
                self.wake(datetime.now(UTC) + backoff)
                return None
            self._failures = 0
            self.last_sweep_ok = datetime.now(UTC)
            if upcoming is not None and upcoming - datetime.now(UTC) < self._interval:
                self.wake(max(upcoming, datetime.now(UTC)))
            if self.on_report is not None:
                await self.on_report(report)
            return report
