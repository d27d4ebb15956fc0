"""The platform misbehaves: the fake Slack answers a burst of 429s with `Retry-After`, then
server errors, then stops answering (the client times out). Every nudge is still delivered
exactly once, within the retry budget, after pauses that back off exponentially with jitter
and never undercut `Retry-After`; a post that got no answer is recorded as unknown, checked in
the DM's history at least one lease later (it was never stored, so it is posted then), not retried
blindly.

No real time passes for the backoff: the Slack client's inline pauses are recorded instead
of slept, and the dispatcher's retries wait on a simulated clock that the test moves to the
next due time. The only real waiting is the client's (short) timeout on the hung requests.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select

from adapters.bootstrap import Runtime, bootstrap
from adapters.config import Config
from adapters.slack.directory import DirectChannels
from adapters.slack.notifier import SlackNotifier
from adapters.slack.workspaces import Workspaces
from bot.clock import SimulatedClock
from bot.dispatcher import Dispatcher
from bot.domain import Identity
from bot.leased_queue import RetryPolicy
from storage.models import NudgeRow
from tests.adapters.slack.conftest import Pauses
from tests.fakes.slack_api import DEFAULT_TOKEN
from tests.faults.flaky_slack import FlakySlack
from tests.harness import START

USERS = 8
RATE_LIMITED = 30  # enough that some sends exhaust the client's inline retries
RETRY_AFTER = 7
SERVER_ERRORS = 24
TIMEOUTS = 3
# real seconds a hung request is waited for; an answered one on a loaded machine (two test
# workers and more) has taken over 0.3 s, which counted it as a timeout too
CLIENT_TIMEOUT = 1.0
POLICY = RetryPolicy()
HORIZON = timedelta(hours=1)  # every retry of the due thank-yous falls well within it


@dataclass
class Retry:
    at: datetime
    retry_at: datetime
    attempt: int
    reason: str


class RetryLog(logging.Handler):
    """The dispatcher's "will be retried" lines, stamped with the simulated time."""

    def __init__(self, clock: SimulatedClock) -> None:
        super().__init__(logging.WARNING)
        self.clock = clock
        self.retries: list[Retry] = []
        self.unknown: list[Retry] = []

    def emit(self, record: logging.LogRecord) -> None:
        retry_at = getattr(record, "retry_at", None)
        if retry_at is not None:
            self.retries.append(
                Retry(
                    self.clock.now(),
                    retry_at,
                    int(getattr(record, "attempt", 0)),
                    record.getMessage(),
                )
            )
        verify_at = getattr(record, "verify_at", None)
        if verify_at is not None:
            self.unknown.append(
                Retry(
                    self.clock.now(),
                    verify_at,
                    int(getattr(record, "attempt", 0)),
                    record.getMessage(),
                )
            )


@pytest.fixture
async def flaky() -> AsyncIterator[FlakySlack]:
    async with FlakySlack() as fake:
        yield fake


@pytest.fixture
async def runtime_on(sqlite_url: str) -> AsyncIterator[Runtime]:
    runtime = await bootstrap(
        Config(FOLLOWUP_DATABASE_URL=sqlite_url), clock=SimulatedClock(START), worker_id="flaky"
    )
    try:
        yield runtime
    finally:
        await runtime.close()


async def test_429s_then_5xx_then_timeouts_deliver_everything_once(
    flaky: FlakySlack, runtime_on: Runtime
) -> None:
    runtime = runtime_on
    clock = runtime.clock
    assert isinstance(clock, SimulatedClock)
    pauses = Pauses()
    # As in the adapter, the timeout lives on the session (slack-sdk ignores its own then).
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
    ) as session:
        workspaces = Workspaces(flaky.api_url, session, token=DEFAULT_TOKEN, sleep=pauses)
        dispatcher = Dispatcher(
            runtime.database.unit_of_work,
            clock,
            {"slack": SlackNotifier(workspaces, DirectChannels())},
            worker_id="flaky",
            retry=POLICY,
            rng=random.Random(6),
        )
        for u in range(USERS):
            who = Identity("slack", "T1", f"U{u}", timezone="Europe/Berlin")
            await runtime.followup.handle_text(
                who, f"add Company {u}; Engineer; yesterday 10:00; Jane Doe"
            )
        flaky.fail("chat.postMessage", status=429, retry_after=RETRY_AFTER, times=RATE_LIMITED)
        flaky.fail("chat.postMessage", status=500, times=SERVER_ERRORS)
        flaky.hang("chat.postMessage", times=TIMEOUTS)

        retries = RetryLog(clock)
        logging.getLogger("bot.dispatcher").addHandler(retries)
        try:
            for _ in range(40):  # each round: deliver what is due, then jump to the next due time
                await dispatcher.run_once()
                upcoming = await dispatcher.next_due_at()
                # later steps are not this test's
                if upcoming is None or upcoming > START + HORIZON:
                    break
                clock.set(max(upcoming, clock.now()))
        finally:
            logging.getLogger("bot.dispatcher").removeHandler(retries)

    posted = Counter(c.params["channel"] for c in flaky.calls_to("chat.postMessage", ok_only=True))
    assert posted == Counter({f"DU{u}": 1 for u in range(USERS)})  # everyone, once
    failed = [c for c in flaky.calls_to("chat.postMessage") if c.status != 200]
    assert len(failed) == RATE_LIMITED + SERVER_ERRORS + TIMEOUTS  # every scripted fault was met
    assert flaky.hung == TIMEOUTS

    async with runtime.database.sessions() as s:
        rows = (await s.execute(select(NudgeRow.state, NudgeRow.attempts))).all()
    due_now = [r for r in rows if r.state == "sent"]
    assert len(due_now) == USERS and all(r.state in ("sent", "pending") for r in rows)
    assert max(r.attempts for r in rows) < POLICY.max_attempts  # within the retry budget

    # Inline pauses: Retry-After honoured for 429s; server errors back off exponentially.
    assert float(RETRY_AFTER) in pauses.taken
    server_pauses = {p for p in pauses.taken if p != RETRY_AFTER}
    assert len(server_pauses) >= 2 and max(server_pauses) >= 2 * min(server_pauses)
    # Durable retries: exponential backoff with jitter, never sooner than Retry-After.
    assert retries.retries, "some sends should have been handed back to the schedule"
    for r in retries.retries:
        delay = (r.retry_at - r.at).total_seconds()
        ceiling = min(
            POLICY.cap.total_seconds(), POLICY.base.total_seconds() * 2 ** (r.attempt - 1)
        )
        if "rate limited" in r.reason:
            assert delay >= RETRY_AFTER
        assert delay <= max(ceiling, RETRY_AFTER) + 1e-6
        assert delay >= min(ceiling * 0.5, RETRY_AFTER) - 1e-6
    jittered = {
        round((r.retry_at - r.at).total_seconds(), 6)
        for r in retries.retries
        if "rate limited" not in r.reason
    }
    assert len(jittered) > 1, "retries of the same attempt should not all wait the same time"
    reasons = " ".join(r.reason for r in retries.retries)
    assert "rate limited" in reasons and "server error" in reasons
    # The hung posts: unknown, never counted as plain retries, verified after the same backoff
    # with the lease as the least wait (a late answer has that long to arrive).
    assert len(retries.unknown) == TIMEOUTS and all(
        "TimeoutError" in r.reason for r in retries.unknown
    )
    for r in retries.unknown:
        ceiling = min(
            POLICY.cap.total_seconds(), POLICY.base.total_seconds() * 2 ** (r.attempt - 1)
        )
        assert (
            dispatcher.lease
            <= r.retry_at - r.at
            <= max(timedelta(seconds=ceiling), dispatcher.lease)
        )
    histories = flaky.calls_to("conversations.history", ok_only=True)
    assert len(histories) == TIMEOUTS and all(
        c.params.get("include_all_metadata") in (True, "true", "1") for c in histories
    )
