"""What wakes the dispatcher: APScheduler 3's `AsyncIOScheduler`.

The database holds the schedule; APScheduler only decides *when to look*: on a short
interval (`FOLLOWUP_DISPATCH_INTERVAL`, which is how other processes' changes are found),
once at start (so nudges that fell due while the bot was down go out at once), at the next
due time it learns from the database, and whenever this process changes the schedule (the
core publishes that after the commit; `adapters.bootstrap` subscribes `wake`).

The wake-up chain cannot break: a sweep keeps going while something is due or a wake-up
arrived during it (`wake` while sweeping only asks the running sweep to look again), and each
future wake-up is a date job of its own, so one can never be dropped as "already running"
because an earlier wake-up's sweep is still at work. While sends are in flight, a heartbeat
job renews their claims every third of a lease. A failed sweep (say, the database is
restarting) is logged and retried with backoff; nothing is lost because nothing lives in memory.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, SystemClock
from bot.dispatcher import Dispatcher
from bot.leased_queue import DeliveryReport, LeasedQueue

log = logging.getLogger(__name__)

SWEEP_JOB = "followup-sweep"
WAKE_JOB = "followup-wake"
HEARTBEAT_JOB = "followup-heartbeat"
# before looking again at a due row someone else is finishing
IDLE_PAUSE = timedelta(milliseconds=50)


class DispatchScheduler:
    def __init__(self, dispatcher: Dispatcher, interval: float, clock: Clock | None = None) -> None:
        self._dispatcher = dispatcher
        self._interval = timedelta(seconds=interval)
        self._clock = clock or SystemClock()
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._lock = asyncio.Lock()
        self._again = False
        self._wake_ids = itertools.count(1)
        self._planned: datetime | None = None  # the earliest future wake-up already scheduled
        self._failures = 0
        self.last_sweep_ok: datetime | None = None
        self.on_report: Callable[[DeliveryReport], Awaitable[None]] | None = None

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
            # A tick during a long sweep must reach `sweep` (which asks it to look again),
            # not be dropped by APScheduler as "maximum number of running instances reached".
            max_instances=3,
            replace_existing=True,
        )
        keep_renewing(self._scheduler, self._dispatcher, HEARTBEAT_JOB)
        self._scheduler.start()

    async def heartbeat(self) -> None:
        await renew(self._dispatcher)

    async def stop(self) -> None:
        """Stop waking the dispatcher, and wait for a sweep in progress to finish, so the
        database is never closed under a delivery."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        async with self._lock:
            return

    def wake(self, at: datetime | None = None) -> None:
        """Look for due nudges at `at` (the dispatcher's clock; now by default), sooner than
        the next interval tick."""
        if not self._scheduler.running:
            return
        now = self._clock.now()
        if at is None or at <= now:
            if self._lock.locked():
                self._again = True  # the running sweep looks again before it ends
                return
            at = now
        elif self._planned is not None and now < self._planned <= at:
            return  # an earlier wake-up is already on its way; that sweep plans the next
        else:
            self._planned = at
        self._scheduler.add_job(
            self._woken,
            "date",
            run_date=datetime.now(UTC) + (at - now),
            id=f"{WAKE_JOB}-{next(self._wake_ids)}",
            misfire_grace_time=None,
        )

    async def _woken(self) -> None:
        if self._planned is not None and self._planned <= self._clock.now():
            self._planned = None
        await self.sweep()

    async def sweep(self) -> DeliveryReport | None:
        """Deliver everything due, again and again while more falls due or a wake-up comes
        in, then plan the next wake-up. None when a sweep was already running (it was asked
        to look again) or the sweep failed."""
        if self._lock.locked():
            self._again = True
            return None
        async with self._lock:
            report = DeliveryReport()
            try:
                while True:
                    self._again = False
                    done = await self._dispatcher.run_once()
                    report.add(done)
                    upcoming = await self._dispatcher.next_due_at()
                    now = self._clock.now()
                    due_now = upcoming is not None and upcoming <= now
                    if not (self._again or (due_now and done.claimed)):
                        break
            except Exception:
                self._failures += 1
                log.exception("dispatch sweep failed (%d in a row); will retry", self._failures)
                failed = True
            else:
                failed = False
                self._failures = 0
                self.last_sweep_ok = datetime.now(UTC)
        # Planned once the lock is released, so a wake-up for "now" is a job, not a request
        # to the sweep that is ending.
        if failed:
            backoff = min(self._interval * 2 ** min(self._failures, 6), timedelta(minutes=5))
            self.wake(self._clock.now() + backoff)
            return None
        self._planned = None  # this sweep knows the earliest due time: it plans afresh
        if upcoming is not None and upcoming - now < self._interval:
            # Due now but nothing could be taken (another process is finishing it): look again
            # in a moment rather than spinning.
            self.wake(max(upcoming, now + IDLE_PAUSE) if due_now else upcoming)
        if self.on_report is not None:
            await self.on_report(report)
        return report


async def renew(queue: LeasedQueue[Any]) -> None:
    """Renew the claims a queue is sending (a missed beat or two is fine: a lease is three)."""
    try:
        await queue.heartbeat()
    except Exception:
        log.exception("renewing the delivery claims failed; will try again")


def keep_renewing(scheduler: AsyncIOScheduler, queue: LeasedQueue[Any], job_id: str) -> None:
    """A job renewing the queue's claims every third of its lease, while the scheduler runs."""
    scheduler.add_job(
        renew,
        "interval",
        args=[queue],
        seconds=queue.lease.total_seconds() / 3,
        id=job_id,
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
