"""A Discord send cut short by the send timeout never leaves its route stuck.

discord.py puts a route's rate-limit bucket right as each request leaves it (`Ratelimit`'s
`__aexit__`, which refreshes the bucket once its last token is used). When the send timeout
cancelled a request right then — on a loaded machine the refresh can take a while — the bucket
was left with no request out and none allowed, and on a route Discord sent no rate-limit headers
for nothing ever expired it: every later request on that route (every DM open of the process)
waited past its own timeout, until a restart. Under load that made a first-contact nudge time
out six times in a row and be given up, in `tests/faults/test_crash_delivery.py`.

Here the fake Discord answers at once and sends no rate-limit headers, and the first refresh of
a bucket is slower than the send timeout (discord.py's own `Ratelimit`, its refresh delayed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from discord.http import HTTPClient, Ratelimit

from adapters.discord.wire import MESSAGES, OPEN_DM, Wire
from tests.fakes.discord_api import FakeDiscord

TIMEOUT = 0.05  # real seconds a send waits for Discord
CHANNEL = 950000000000000001


class SlowToRefresh(Ratelimit):
    """discord.py's bucket, whose first refresh takes longer than the send timeout."""

    def __init__(self) -> None:
        super().__init__(None)
        self.refreshed = False

    async def _refresh(self) -> None:
        if not self.refreshed:
            self.refreshed = True
            await asyncio.sleep(TIMEOUT * 4)  # the timeout lands here
        await super()._refresh()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


async def _open(wire: Wire) -> Any:
    return await wire.open_dm(600)


async def _create(wire: Wire) -> Any:
    return await wire.create_message(CHANNEL, {"content": "Thank-you"})


@pytest.mark.parametrize(
    ("route", "major", "send"),
    [(OPEN_DM, "", _open), (MESSAGES, str(CHANNEL), _create)],
    ids=["dm-open", "create"],
)
async def test_a_send_cut_short_by_the_timeout_leaves_its_route_usable(
    fake: FakeDiscord, route: str, major: str, send: Callable[[Wire], Awaitable[Any]]
) -> None:
    http = HTTPClient(asyncio.get_running_loop())
    http._global_over = asyncio.Event()  # as its login leaves it: no global rate limit on
    http._global_over.set()
    http._buckets[f"{route}:{major}"] = SlowToRefresh()
    wire = Wire(http, fake.api_url)
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(TIMEOUT):
                await send(wire)
        # The route takes requests again: the next one goes straight through.
        async with asyncio.timeout(TIMEOUT * 2):
            await send(wire)
    finally:
        wire.close()
    assert len(fake.calls_to("POST", r"/users/@me/channels|/channels/\d+/messages")) == 2
