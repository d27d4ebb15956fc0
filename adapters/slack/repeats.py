"""Is this request a repeat? Asked of the database without holding up the ack.

Slack wants every request acknowledged within 3 seconds, and the answer to "was this trigger
or event id already taken?" is a write to the request receipts (`storage.receipts`), which on
SQLite waits for the one write lock — held, at times, by a sweep of this or another process.
So the question is only asked here: `RepeatCheck.start` sends the receipt write off as a task
of its own as the request arrives (`Tracer`, the bolt middleware), the request is acked, and
the listener waits for the answer (`repeated`) before it runs anything (`guard.answering`). A
retry that arrives while the first is still waiting is acked too; the database lets exactly
one of them record the receipt, and only that one runs.

When the receipt can't be written (the database is away), the request runs: the core answers
it, and says so if the database is still away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)

CONTEXT_KEY = "followup_repeat_check"


class Receipts(Protocol):
    async def first_time(self, key: str, now: datetime) -> bool: ...


class RepeatCheck:
    """One request's receipt write, under way."""

    _running: set[asyncio.Task[bool]] = set()  # a strong reference until each is done

    def __init__(self, task: asyncio.Task[bool], kind: str) -> None:
        self._task = task
        self._kind = kind

    @classmethod
    def start(cls, receipts: Receipts, key: str, now: datetime, kind: str) -> RepeatCheck:
        task = asyncio.ensure_future(_first_time(receipts, key, now))
        cls._running.add(task)
        task.add_done_callback(cls._running.discard)
        return cls(task, kind)

    async def repeated(self) -> bool:
        """True when the request was already taken (within the receipts' window)."""
        first = await asyncio.shield(self._task)
        if not first:
            log.info(
                "slack request repeated: acknowledged, not run again", extra={"kind": self._kind}
            )
        return not first


async def _first_time(receipts: Receipts, key: str, now: datetime) -> bool:
    try:
        return await receipts.first_time(key, now)
    except Exception as problem:  # no receipts (database away): run it; the core answers
        log.warning("slack request receipt not recorded: %s", type(problem).__name__)
        return True


async def repeated(context: Mapping[str, Any]) -> bool:
    """Whether the request of this bolt context is a repeat (False when it has no check)."""
    check = context.get(CONTEXT_KEY)
    return isinstance(check, RepeatCheck) and await check.repeated()
