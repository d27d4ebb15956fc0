"""The composition root: the one place that builds real dependencies from configuration.

Tests build the same graph with a simulated clock and a temporary database by calling
`build_runtime` with those; adapters receive the `Runtime` and register their notifier (direct
messages) and their poster (group channel posts: milestones, the board, weekly digests).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from adapters.config import Config
from adapters.digests import DigestJobs
from adapters.scheduler import DispatchScheduler
from bot.clock import Clock, SystemClock
from bot.dates import warm_up
from bot.digests import DigestDispatcher
from bot.dispatcher import Dispatcher
from bot.events import ScheduleChanged
from bot.ports import ChannelPoster, Notifier
from bot.service import Followup
from storage.database import Database
from storage.migrate import upgrade_database


@dataclass
class Runtime:
    config: Config
    clock: Clock
    database: Database
    followup: Followup
    dispatcher: Dispatcher
    scheduler: DispatchScheduler
    digests: DigestDispatcher
    digest_jobs: DigestJobs
    notifiers: dict[str, Notifier] = field(default_factory=dict)
    posters: dict[str, ChannelPoster] = field(default_factory=dict)

    def register_notifier(self, platform: str, notifier: Notifier) -> None:
        self.notifiers[platform] = notifier

    def register_poster(self, platform: str, poster: ChannelPoster) -> None:
        """Posts for group channels on `platform`: shared milestones, the board, digests."""
        self.posters[platform] = poster

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.digest_jobs.stop()
        await self.database.dispose()


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def build_runtime(
    config: Config,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    worker_id: str | None = None,
) -> Runtime:
    if migrate:
        await upgrade_database(config.database_url)
    warm_up()
    clock = clock or SystemClock()
    database = Database.from_url(config.database_url)
    notifiers: dict[str, Notifier] = {}
    posters: dict[str, ChannelPoster] = {}
    worker = worker_id or default_worker_id()
    lease = timedelta(seconds=config.delivery_lease)
    dispatcher = Dispatcher(database.unit_of_work, clock, notifiers, worker_id=worker, lease=lease)
    digests = DigestDispatcher(database.unit_of_work, clock, posters, worker_id=worker, lease=lease)
    scheduler = DispatchScheduler(dispatcher, config.dispatch_interval, clock)
    digest_jobs = DigestJobs(scheduler.scheduler, digests, database.unit_of_work)
    followup = Followup(database.unit_of_work, clock, posters, public_url=config.public_url)
    followup.events.subscribe(ScheduleChanged.NUDGES, scheduler.wake)
    followup.events.subscribe(ScheduleChanged.DIGESTS, digest_jobs.request_rebuild)
    digest_jobs.start_with_scheduler()
    return Runtime(
        config=config,
        clock=clock,
        database=database,
        followup=followup,
        dispatcher=dispatcher,
        scheduler=scheduler,
        digests=digests,
        digest_jobs=digest_jobs,
        notifiers=notifiers,
        posters=posters,
    )
