"""The composition root: the one place that builds real dependencies from configuration.

Tests build the same graph with a simulated clock and a temporary database by calling
`build_runtime` with those; adapters receive the `Runtime` and register their notifier.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field

from adapters.config import Config
from adapters.scheduler import DispatchScheduler
from bot.clock import Clock, SystemClock
from bot.dates import warm_up
from bot.dispatcher import Dispatcher
from bot.ports import Notifier
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
    notifiers: dict[str, Notifier] = field(default_factory=dict)

    def register_notifier(self, platform: str, notifier: Notifier) -> None:
        self.notifiers[platform] = notifier

    async def close(self) -> None:
        await self.scheduler.stop()
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
    dispatcher = Dispatcher(database.unit_of_work, clock, notifiers, worker_id=worker_id or default_worker_id())
    return Runtime(
        config=config,
        clock=clock,
        database=database,
        followup=Followup(database.unit_of_work, clock),
        dispatcher=dispatcher,
        scheduler=DispatchScheduler(dispatcher, config.dispatch_interval),
        notifiers=notifiers,
    )
