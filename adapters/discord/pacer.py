"""`GlobalPacer`: the bot's requests to Discord kept under its global rate limit before they
are sent, rather than after Discord refuses them.

Discord allows a bot 50 requests a second over all its routes (more when Discord has raised a
large bot's limit: `DISCORD_REQUESTS_PER_SECOND`), interaction answers aside. discord.py only
waits once a global 429 has come back, and with the dispatcher's 25 sends in flight at
Discord's usual latency a burst of nudges would go out several times faster than that: every
request past the limit is a 429, and Discord shuts out for a while an address that makes
10,000 refused requests (401, 403, 429) in ten minutes. So every request (a DM open, a message
create, discord.py's own) waits here for its turn, first come first served: it goes once fewer
than `per_second` requests went in the 1.05 seconds before (the 50 ms spare for requests that
take longer than others on their way), and is counted from the moment it goes (it is written
on its connection in the same step). A request that gives up while it waits (its send timed
out) takes no turn.

discord.py's own requests (the log-in, the command sync, a post with files) wait here too
(`client._pace_requests`); what isn't paced is what Discord doesn't count (interaction answers,
their follow-ups) and discord.py's own retries of a refused request, inside its request. One
process sends for Discord (see docs/operations.md), so its pacer is the bot's.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

DISCORD_GLOBAL_LIMIT = 50  # requests per second, Discord's limit for a bot
WINDOW = 1.05  # seconds a second's worth of requests is spread over (50 ms spare)
EARLY = 0.001  # how early a loop's timer may fire (uvloop's count whole milliseconds)


class GlobalPacer:
    def __init__(
        self,
        per_second: int = DISCORD_GLOBAL_LIMIT,
        *,
        now: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """`now` and `sleep` are the running loop's clock and `asyncio.sleep` unless given (a
        test's virtual clock)."""
        if per_second < 1:
            raise ValueError("a pacer lets at least one request a second go")
        self.per_second = per_second
        self._now = now
        self._sleep = sleep
        self._limit = per_second
        self._sent: deque[float] = deque(maxlen=self._limit)  # when the latest requests went
        self._turns = asyncio.Lock()  # (first come, first served)

    async def __call__(self) -> None:
        """Wait until a request may go without going over the limit; it goes on return."""
        async with self._turns:  # (no wait at all while nobody else is waiting)
            clock = self._now or asyncio.get_running_loop().time
            sent = self._sent
            if len(sent) == self._limit:
                # (looked at again on waking: a loop's timer may fire a hair early — uvloop's
                # count in milliseconds — and the turn must not come before its time)
                for spare in (0.0, EARLY, EARLY):  # (early once, not thrice)
                    wait = sent[0] + WINDOW - clock()
                    if wait <= 0:
                        break
                    await self._sleep(wait + spare)
            sent.append(clock())
