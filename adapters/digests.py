"""What wakes the digest poster: one APScheduler cron job per channel with a digest.

The database is the schedule (`channel_digests`); these jobs only decide *when to look*. When
the scheduler starts (`DispatchScheduler.start`, whoever calls it) they are rebuilt from the
database and the poster runs once, so a digest missed while
the bot was down goes out at once (late, once). Each channel's job fires on its weekday and
local time in the channel's timezone; a command that changes a schedule asks for a rebuild;
a short resync job rebuilds too (another process may have changed a schedule) and catches
retries and expired leases. Posting itself claims each digest (the leased queue shared with
nudges, `bot.leased_queue`), so two processes whose jobs fire together still post it once, and
a heartbeat renews the claims of the digests being posted.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from adapters.scheduler import keep_renewing
from bot.digests import DigestDispatcher
from bot.groups import WEEKDAYS
from bot.leased_queue import DeliveryReport
from bot.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

JOB_PREFIX = "followup-digest:"
RESYNC_JOB = "followup-digest-resync"
WAKE_JOB = "followup-digest-wake"
REBUILD_JOB = "followup-digest-rebuild"
START_JOB = "followup-digest-start"
HEARTBEAT_JOB = "followup-digest-heartbeat"


class DigestJobs:
    def __init__(
        self,
        scheduler: AsyncIOScheduler,
        digests: DigestDispatcher,
        uow_factory: UnitOfWorkFactory,
        resync: timedelta = timedelta(minutes=1),
    ) -> None:
        self._scheduler = scheduler
        self._digests = digests
        self._uow_factory = uow_factory
        self._resync = resync
        self._lock = asyncio.Lock()
        self._stopped = False

    @property
    def channel_jobs(self) -> dict[str, str]:
        """Job id → trigger description (with its timezone), for the channels' cron jobs."""
        return {
            job.id: _describe(job.trigger)
            for job in self._scheduler.get_jobs()
            if job.id.startswith(JOB_PREFIX)
        }

    def start_with_scheduler(self) -> None:
        """Run `start` as soon as the scheduler starts (whoever starts it), however late."""
        self._scheduler.add_job(
            self.start, "date", id=START_JOB, replace_existing=True, misfire_grace_time=None
        )

    async def stop(self) -> None:
        """No more runs; wait for one in progress, so the database is never closed under it."""
        self._stopped = True
        async with self._lock:
            return

    async def start(self) -> None:
        """Rebuild the jobs from the database, post what is overdue, and keep resyncing (and
        renewing the claims of digests being posted)."""
        keep_renewing(self._scheduler, self._digests, HEARTBEAT_JOB)
        self._scheduler.add_job(
            self.resync,
            "interval",
            seconds=self._resync.total_seconds(),
            id=RESYNC_JOB,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        await self.resync()

    def request_rebuild(self) -> None:
        """A command changed a schedule: rebuild the jobs soon (callable from any code path)."""
        if self._scheduler.running and not self._stopped:
            self._scheduler.add_job(
                self.resync, "date", id=REBUILD_JOB, replace_existing=True, misfire_grace_time=None
            )

    async def resync(self) -> None:
        """Rebuild the cron jobs from the database, then post whatever is due."""
        await self._cycle(rebuild=True)

    async def post_due(self) -> DeliveryReport | None:
        """Post every digest due now (what each channel's cron job runs)."""
        return await self._cycle(rebuild=False)

    async def rebuild(self) -> None:
        """Make the cron jobs match the database: one per enabled channel with a digest."""
        async with self._uow_factory() as uow:
            channels = await uow.digests.schedules()
        wanted: dict[str, CronTrigger] = {}
        for channel in channels:
            schedule = channel.schedule
            if schedule is None:
                continue
            wanted[f"{JOB_PREFIX}{channel.id}"] = CronTrigger(
                day_of_week=WEEKDAYS[schedule.weekday][:3],
                hour=schedule.at.hour,
                minute=schedule.at.minute,
                timezone=ZoneInfo(schedule.timezone),
            )
        for job in self._scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
        for job_id, trigger in wanted.items():
            current = self._scheduler.get_job(job_id)
            if current is not None and _describe(current.trigger) == _describe(trigger):
                continue
            self._scheduler.add_job(
                self.post_due,
                trigger,
                id=job_id,
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=None,
            )

    async def _cycle(self, *, rebuild: bool) -> DeliveryReport | None:
        """One run, never two at once; then wake again for a due time before the next resync
        (a retry, an expired lease, a cron job that fired a moment early)."""
        if self._stopped or (self._lock.locked() and not rebuild):
            return None
        async with self._lock:
            if self._stopped:
                return None
            try:
                if rebuild:
                    await self.rebuild()
                report = await self._digests.run_once()
                upcoming = await self._digests.next_due_at()
            except Exception:
                log.exception("digest run failed; the next resync tries again")
                return None
        now = datetime.now(UTC)
        if upcoming is not None and upcoming - now < self._resync and self._scheduler.running:
            self._scheduler.add_job(
                self.post_due,
                "date",
                run_date=max(upcoming, now) + timedelta(seconds=1),
                id=WAKE_JOB,
                replace_existing=True,
                misfire_grace_time=None,
            )
        return report


def _describe(trigger: object) -> str:
    """A trigger's schedule with its timezone (a cron trigger's own text leaves the zone out)."""
    return f"{trigger} {getattr(trigger, 'timezone', '')}"
