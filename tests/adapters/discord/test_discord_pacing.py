"""Discord's global limit kept before requests are sent (`adapters.discord.pacer`): no more than
the limit go in any second, first come first served, a request that gives up waiting takes no
turn; and the bot as `followup run` builds it logs in and delivers a burst of first-contact
nudges under `DISCORD_REQUESTS_PER_SECOND` against a fake Discord that enforces the same limit,
without one global 429."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.discord.pacer import WINDOW, GlobalPacer
from bench.seed import seed
from bot.clock import SimulatedClock
from tests.adapters.discord.conftest import discord_config, discord_runtime
from tests.conftest import RuntimeFactory
from tests.fakes.discord_api import FakeDiscord

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class VirtualTime:
    """A clock that moves only when the test moves it: `sleep` waits until the clock has passed
    its time, so the pacer's waits take no real time and their lengths are exact."""

    def __init__(self) -> None:
        self.t = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.t + seconds, woken))
        await woken

    async def _settle(self) -> None:
        for _ in range(20):  # let everything that can run without the clock run
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        await self._settle()
        self.t += seconds
        self._wake()
        await self._settle()

    async def run(self, task: asyncio.Future[object]) -> None:
        """Move the clock to each sleeper's time in turn until `task` is done."""
        while not task.done():
            await self._settle()
            waiting = sorted((s for s in self._sleepers if not s[1].done()), key=lambda s: s[0])
            if not waiting:
                continue
            self.t = max(self.t, waiting[0][0])
            self._wake()

    def _wake(self) -> None:
        for at, woken in list(self._sleepers):
            if at <= self.t or woken.done():
                self._sleepers.remove((at, woken))
                if not woken.done():
                    woken.set_result(None)


async def test_no_more_than_the_limit_go_in_any_second_in_the_order_they_came() -> None:
    clock = VirtualTime()
    pacer = GlobalPacer(40, now=clock.now, sleep=clock.sleep)
    went: list[tuple[int, float]] = []

    async def request(n: int) -> None:
        await pacer()
        went.append((n, clock.now()))

    burst = asyncio.ensure_future(asyncio.gather(*(request(n) for n in range(100))))
    await clock.run(burst)
    assert [n for n, _ in went] == list(range(100))  # first come, first served
    times = [t for _, t in went]
    assert all(later - earlier >= WINDOW for earlier, later in zip(times, times[40:], strict=False))
    # and no slower than that: 40 at once, 40 a window later, the last 20 a window after that
    assert times[:40] == [0.0] * 40
    assert times[40:80] == [pytest.approx(WINDOW)] * 40
    assert times[80:] == [pytest.approx(2 * WINDOW)] * 20


async def test_a_request_that_gives_up_waiting_takes_no_turn() -> None:
    clock = VirtualTime()
    pacer = GlobalPacer(5, now=clock.now, sleep=clock.sleep)
    for _ in range(5):
        await pacer()  # this second's five
    waiting = asyncio.ensure_future(pacer())
    await clock.advance(0.1)
    assert not waiting.done()
    waiting.cancel()  # its send timed out
    went: list[float] = []

    async def request() -> None:
        await pacer()
        went.append(clock.now())

    five = asyncio.ensure_future(asyncio.gather(*(request() for _ in range(5))))
    await clock.run(five)
    # The five that came after it took the next window's turns; the one that gave up took none.
    assert went == [pytest.approx(WINDOW)] * 5
    sixth = asyncio.ensure_future(request())
    await clock.run(sixth)
    assert went[-1] == pytest.approx(2 * WINDOW)  # the first turn of the window after that


async def test_a_burst_of_first_contacts_keeps_under_the_configured_global_limit(
    fake: FakeDiscord, sqlite_url: str, runtime_factory: RuntimeFactory
) -> None:
    limit = 8
    config = discord_config(fake, sqlite_url, DISCORD_REQUESTS_PER_SECOND=limit)
    runtime = await discord_runtime(config, SimulatedClock(NOW), build=runtime_factory)
    people = 12  # a DM open and a message each: 24 requests, three seconds' worth
    await seed(
        runtime.database, users=people, apps_per_user=1, now=NOW, due_in=timedelta(minutes=-1),
        platform="discord", workspace="discord", external_id=lambda u: str(410_000_000_000 + u),
    )
    adapter = runtime.adapters["discord"]
    fake.global_limit = limit  # from the log-in on: discord.py's own requests are paced too
    await adapter.start()
    try:
        started = asyncio.get_running_loop().time()
        delivered = 0
        while delivered < people:
            report = await runtime.dispatcher.run_once()
            assert report.failed == 0
            delivered += report.delivered
        took = asyncio.get_running_loop().time() - started
    finally:
        await adapter.stop()
    assert fake.limited["global"] == 0
    assert len(fake.created) == people
    assert took >= 2.0  # 24 requests at 8 a second
