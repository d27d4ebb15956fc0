"""A Discord send cut short by the send timeout never leaves its route stuck.

discord.py puts a route's rate-limit bucket right as each request leaves it (`Ratelimit`'s
`__aexit__`, which refreshes the bucket once its last token is used). When the send timeout
cancelled a request right then — on a loaded machine the refresh can take a while — the bucket
was left with no request out and none allowed, and on a route Discord sent no rate-limit headers
for nothing ever expired it: every later request on that route (every DM open of the process)
waited past its own timeout, until a restart. Under load that made a first-contact nudge time
out six times in a row and be given up, in `tests/faults/test_crash_delivery.py`.

Here the fake Discord answers at once and sends no rate-limit headers, and the first refresh of
a bucket lasts until the send timeout (discord.py's own `Ratelimit`, its refresh delayed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from discord.http import HTTPClient, Ratelimit

from adapters.discord.wire import MESSAGES, OPEN_DM, Wire
from tests.fakes.discord_api import FakeDiscord

TIMEOUT = 0.2  # real seconds the first send waits for Discord
CHANNEL = 950000000000000001


class SlowToRefresh(Ratelimit):
    """discord.py's bucket, whose refresh after the first answered request takes until that
    request's timeout cuts it short (one cut short before its answer is refreshed at once)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.answered = False

    async def __aexit__(self, *exc: Any) -> None:
        self.answered = self.answered or exc[0] is None
        await super().__aexit__(*exc)

    async def _refresh(self) -> None:
        if self.answered and not hasattr(self, "slowed"):
            self.slowed = True
            await asyncio.Event().wait()  # the timeout lands here
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
    """Two sends at once on one route: the first holds the bucket and is cut short while the
    bucket is refreshed; the second, waiting for the bucket, goes out then, well within its
    own timeout (stuck, it would wait 30 s)."""
    http = HTTPClient(asyncio.get_running_loop())
    http._global_over = asyncio.Event()  # as its login leaves it: no global rate limit on
    http._global_over.set()
    http._buckets[f"{route}:{major}"] = SlowToRefresh()
    wire = Wire(http, fake.api_url)

    async def within(seconds: float) -> None:
        async with asyncio.timeout(seconds):
            await send(wire)

    try:
        first, second = await asyncio.gather(
            within(TIMEOUT), within(TIMEOUT * 5), return_exceptions=True
        )
    finally:
        wire.close()
    assert isinstance(first, TimeoutError) and second is None
    assert len(fake.calls_to("POST", r"/users/@me/channels|/channels/\d+/messages")) == 2
