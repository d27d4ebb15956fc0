"""Delivery under platform limits: 2,000 users' nudges fall due at once, and the fake Slack
enforces Slack's posting limits — about 1 message per second per channel, plus a
workspace-wide cap (Slack publishes none for chat.postMessage; 20 messages/s is modelled) —
answering 429 with `Retry-After` beyond them. Delivery runs through the real Slack notifier
and client (inline Retry-After waits, 5xx retries) and the real dispatcher (durable backoff
with jitter), to see how close it gets to the allowed rate.

Time is scaled ×5 so the run takes ~25 s instead of ~2 min: the dispatcher's clock, the
fake's buckets and `Retry-After`, and the client's pauses all run on one clock that moves 5
fake seconds per real second. Figures are in fake (Slack) seconds. (The scale also multiplies
the bot's own CPU time by 5; at ×20 the share of the allowed rate measured 0.84, at ×5 it is
close to what an unscaled run would see.)
Target: ≥ 90% of the allowed rate, zero failures.
"""

from __future__ import annotations

import asyncio
import logging
import math
import shutil
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select, update

from adapters.slack.directory import DirectChannels
from adapters.slack.notifier import SlackNotifier
from adapters.slack.workspaces import Workspaces
from bench.seed import fresh_database, percentile, seed, temporary_sqlite_url
from bot.dispatcher import Dispatcher
from storage.models import NudgeRow, UserRow
from tests.fakes.slack_api import DEFAULT_TOKEN, Call, FakeSlack

USERS = 2_000
TARGET_SHARE = 0.9
SCALE = 5.0
WORKSPACE_RATE = 20.0  # messages per (fake) second, workspace-wide
CHANNEL_RATE = 1.0  # messages per (fake) second, per channel
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class ScaledClock:
    """Fake time that runs SCALE times faster than the real monotonic clock."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def seconds(self) -> float:
        return (time.monotonic() - self._origin) * SCALE

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.seconds())

    async def sleep(self, fake_seconds: float) -> None:
        await asyncio.sleep(max(0.0, fake_seconds) / SCALE)


class Bucket:
    def __init__(self, rate: float, burst: float, clock: ScaledClock) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.at = burst, clock.seconds()

    def take(self) -> float:
        """0 when a token was taken, else the fake seconds until one is available."""
        now = self.clock.seconds()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimitedSlack(FakeSlack):
    """The fake Slack with chat.postMessage limited per channel and per workspace."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.accepted_at: dict[str, float] = {}
        self.refused = 0

    def limit(self, clock: ScaledClock) -> None:
        self.clock = clock
        self.workspace = Bucket(WORKSPACE_RATE, WORKSPACE_RATE, clock)
        self.channels: dict[str, Bucket] = {}

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "chat.postMessage":
            return await super()._api(request)
        params: dict[str, Any] = await request.json()
        channel = str(params.get("channel"))
        bucket = self.channels.setdefault(channel, Bucket(CHANNEL_RATE, 1, self.clock))
        wait = bucket.take()
        if not wait:
            wait = self.workspace.take()
            if wait:
                bucket.tokens += 1  # refused: the channel's token is given back
        if wait:
            self.refused += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        self.accepted_at.setdefault(channel, self.clock.seconds())
        self.calls.append(Call("chat.postMessage", {"channel": channel}, None))
        return web.json_response({"ok": True, "channel": channel, "ts": "1.1"})


async def run() -> dict[str, object]:
    logging.getLogger("bot.dispatcher").setLevel(logging.ERROR)  # 429 retries are the point here
    url, folder = temporary_sqlite_url("limits")
    database = await fresh_database(url)
    fake = RateLimitedSlack()
    await fake.start()
    try:
        await seed(
            database, users=USERS, apps_per_user=1, now=START, due_in=timedelta(0), platform="slack"
        )
        # the seeded users are Slack users of one workspace
        async with database.sessions() as session:
            await session.execute(update(UserRow).values(workspace="T1"))
            await session.commit()
        clock = ScaledClock(START)
        fake.limit(clock)
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=15)
        ) as session:
            workspaces = Workspaces(fake.api_url, session, token=DEFAULT_TOKEN, sleep=clock.sleep)
            dispatcher = Dispatcher(
                database.unit_of_work,
                clock,
                {"slack": SlackNotifier(workspaces, DirectChannels())},
                worker_id="limits",
            )
            failed = retried = 0
            for _ in range(10_000):  # each round: deliver what is due, then wait (scaled) for more
                report = await dispatcher.run_once()
                failed += report.failed
                retried += report.retried
                upcoming = await dispatcher.next_due_at()
                if upcoming is None or len(fake.accepted_at) >= USERS:
                    break
                await clock.sleep((upcoming - clock.now()).total_seconds())
        async with database.sessions() as s:
            sent = (
                await s.execute(select(func.count()).where(NudgeRow.state == "sent"))
            ).scalar_one()
        times = sorted(fake.accepted_at.values())
        span = times[-1] if times else 0.0
        # the rate over the span, plus the first burst
        allowed = WORKSPACE_RATE * span + WORKSPACE_RATE
        share = len(times) / allowed if allowed else 0.0
        failures = failed + (USERS - len(times))
        return {
            "suite": "platform_limits",
            "users with a nudge due at once": USERS,
            "time scale": f"×{SCALE:g} (figures in Slack seconds)",
            "workspace cap msg/s (modelled)": WORKSPACE_RATE,
            "per-channel cap msg/s": CHANNEL_RATE,
            "delivered": len(times),
            "recorded sent": sent,
            "failed": failures,
            "429 answers": fake.refused,
            "durable retries (backoff+jitter)": retried,
            "last delivery after s (ideal %.0f)" % (USERS / WORKSPACE_RATE - 1): span,
            "throughput share of allowed rate (target ≥ 0.9)": share,
            "p50 lateness s": percentile(times, 0.5),
            "p99 lateness s": percentile(times, 0.99),
            f"target: ≥ {TARGET_SHARE:g} of the allowed rate, every nudge delivered once, none "
            "failed": (
                "met"
                if share >= TARGET_SHARE and failures == 0 and len(times) == USERS == sent
                else "missed"
            ),
        }
    finally:
        await fake.close()
        await database.dispose()
        shutil.rmtree(folder, ignore_errors=True)
