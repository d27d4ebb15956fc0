"""Discord's global limit kept before requests are sent (`adapters.discord.pacer`): no more than
the limit go in any second, first come first served, a request that gives up waiting takes no
turn; and the bot as `followup run` builds it logs in and delivers a burst of first-contact
nudges under `DISCORD_REQUESTS_PER_SECOND` against a fake Discord that enforces the same limit,
without one global 429."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from adapters.discord.pacer import GlobalPacer
from bench.seed import seed
from bot.clock import SimulatedClock
from tests.adapters.discord.conftest import discord_config, discord_runtime
from tests.conftest import RuntimeFactory
from tests.fakes.discord_api import FakeDiscord

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def test_no_more_than_the_limit_go_in_any_second_in_the_order_they_came() -> None:
    pacer = GlobalPacer(40)
    loop = asyncio.get_running_loop()
    went: list[tuple[int, float]] = []

    async def request(n: int) -> None:
        await pacer()
        went.append((n, loop.time()))

    await asyncio.gather(*(request(n) for n in range(100)))
    assert [n for n, _ in went] == list(range(100))  # first come, first served
    times = [t for _, t in went]
    assert all(later - earlier >= 1.05 for earlier, later in zip(times, times[40:], strict=False))
    # and not much slower than that (2.1 s), however loaded the machine
    assert times[40] - times[0] < 1.6 and times[-1] - times[0] < 3.2


async def test_a_request_that_gives_up_waiting_takes_no_turn() -> None:
    pacer = GlobalPacer(5)
    for _ in range(5):
        await pacer()  # this second's five
    loop = asyncio.get_running_loop()
    started = loop.time()
    waiting = asyncio.ensure_future(pacer())
    await asyncio.sleep(0.1)
    waiting.cancel()  # its send timed out
    await asyncio.gather(*(pacer() for _ in range(5)))
    # The five that came after it took the next second's turns; the one that gave up took none.
    assert loop.time() - started < 1.5
    await asyncio.wait_for(pacer(), 1.5)  # the first turn of the second after that


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
