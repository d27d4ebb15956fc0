"""A dispatching process for the kill -9 test: `python -m tests.faults.child_dispatcher URL OUT
--worker W --hang-after K --lease S`.

It runs a real `Dispatcher` on the system clock against the shared database, with a notifier
that stands for the platform: each delivery is one line (`user external id`) appended to OUT
with a single `write` (the kernel keeps it even if the process is killed right after). After
K deliveries the "platform" stops answering: every further send hangs, so the process is
stuck mid-burst with nudges claimed but not delivered, until it is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import timedelta

from bot.clock import SystemClock
from bot.dispatcher import Dispatcher
from bot.domain import User
from bot.messages import Message
from bot.ports import Delivery
from storage.database import Database

PLATFORM = "fault"


class FileNotifier:
    def __init__(self, path: str, hang_after: int) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._hang_after = hang_after
        self._delivered = 0
        self._stalled = asyncio.Event()  # never set: a platform that stopped answering
        self.max_in_flight = 8

    async def send_direct(self, user: User, message: Message, delivery: Delivery | None = None) -> None:
        await asyncio.sleep(0.002)  # a little network time, so sends overlap
        if self._delivered >= self._hang_after:
            await self._stalled.wait()
        self._delivered += 1
        os.write(self._fd, f"{user.external_id}\n".encode())


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--worker", required=True)
    parser.add_argument("--hang-after", type=int, required=True)
    parser.add_argument("--lease", type=float, default=60.0)
    parser.add_argument("--batch", type=int, default=40)
    args = parser.parse_args()
    database = Database.from_url(args.url)
    notifier = FileNotifier(args.out, args.hang_after)
    notifier.max_in_flight = args.batch
    dispatcher = Dispatcher(
        database.unit_of_work, SystemClock(), {PLATFORM: notifier},
        worker_id=args.worker, lease=timedelta(seconds=args.lease),
    )
    for _ in range(10_000):  # runs until killed; bounded all the same
        await dispatcher.run_once()
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    asyncio.run(main())
