"""What a command changed in the schedule, announced once its unit of work has committed.

Handlers note on their `Context` that they changed the nudges or the digests; `Followup`
publishes each change after the commit, never before (a subscriber that reads the database must
find the change there). The composition root subscribes the dispatcher's wake-up and the digest
jobs' rebuild, so a command wakes this process's delivery the same way on every platform.
A subscriber's failure is logged and never turns a stored command into an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from enum import Enum

log = logging.getLogger(__name__)


class ScheduleChanged(Enum):
    NUDGES = "nudges"
    DIGESTS = "digests"


Subscriber = Callable[[], None]


class Events:
    def __init__(self) -> None:
        self._subscribers: dict[ScheduleChanged, list[Subscriber]] = {}

    def subscribe(self, change: ScheduleChanged, subscriber: Subscriber) -> None:
        self._subscribers.setdefault(change, []).append(subscriber)

    def publish(self, changes: Iterable[ScheduleChanged]) -> None:
        for change in dict.fromkeys(changes):
            for subscriber in self._subscribers.get(change, []):
                try:
                    subscriber()
                except Exception:
                    log.exception("a subscriber to %s changes failed", change.value)
