"""One dispatching process for the dispatch benchmark: `python -m bench.dispatch_worker URL
OUT WORKER`. It connects and warms up, prints "ready", waits for "go" on stdin, then
delivers due nudges until none is left to claim, and writes every delivery (one line per
nudge, naming its application) to OUT, with its finishing time on the last line."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime

from sqlalchemy import text

from adapters.platforms import run
from bot.clock import SimulatedClock
from bot.dispatcher import Dispatcher
from bot.domain import User
from bot.messages import Message
from bot.ports import Delivery
from storage.database import Database


class RecordingNotifier:
    max_in_flight = 200  # a recording "platform" has no rate limit to respect

    def __init__(self) -> None:
        self.deliveries: list[str] = []

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        self.deliveries.append(message.fields[0].value)


async def main(url: str, out: str, worker: str, now: str) -> None:
    database = Database.from_url(url)
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    notifier = RecordingNotifier()
    dispatcher = Dispatcher(
        database.unit_of_work,
        SimulatedClock(datetime.fromisoformat(now)),
        {"bench": notifier},
        worker_id=worker,
    )
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for _ in range(1000):  # until nothing is left to claim (a lost claim race still counts as work)
        report = await dispatcher.run_once()
        if not (report.delivered or report.lost or report.retried):
            break
    finished = time.time()
    await database.dispose()
    write(out, notifier.deliveries, finished)


def write(out: str, deliveries: list[str], finished: float) -> None:
    with open(out, "w") as file:
        file.write("\n".join(deliveries) + f"\n#finished {finished}\n")


if __name__ == "__main__":
    run(main(*sys.argv[1:5]))  # on the loop `followup run` runs on
