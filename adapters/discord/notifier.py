"""Direct messages for the core's dispatcher: a nudge goes to the user's DM channel.

The DM channel is opened once per person (`POST /users/@me/channels`) and its id kept
(`DirectChannels`): concurrent nudges to one person share one open, and the id is kept with the
person in the database, so it is opened once, not once per process or restart. A kept id that
Discord refuses (10003 Unknown Channel) is forgotten, the DM opened again and the nudge posted
to the new one — once: a refused create made nothing.

Each nudge is sent with a `nonce` derived from it (the delivery key) and `enforce_nonce`
(discord.py sets it with every nonce): Discord itself returns the message already created
instead of creating a second one when the same nonce comes again within a few minutes. So a
send that got no answer (a timeout, a connection cut) is `UnknownDeliveryOutcome`, and its
verification is simply the same send again, which Discord deduplicates; discord.py's own
retries of a 5xx or a reset connection are safe for the same reason.

discord.py waits out ordinary 429s itself and retries; what still fails is classified for
the dispatcher: DMs closed (50007), an unknown user or a missing permission is permanent
(recorded on the nudge with a reason that tells the user how to fix it, and shown at their
next command); rate limits longer than the client waits, server errors and network trouble
are transient (retried with backoff).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.link import DiscordLink
from adapters.discord.render import outgoing
from adapters.discord.sending import SEND_FAILURES, DiscordSender, unanswered
from bot.domain import User
from bot.messages import Message
from bot.ports import (
    Delivery,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownDeliveryOutcome,
)
from storage.direct_channels import DirectChannelStore

# Discord allows a bot about 50 requests a second in all (the global pacer keeps to it); a nudge
# takes one (two the first time a person's DM is opened), and discord.py waits out per-route
# limits itself. At the global limit a window of 100 is two seconds of sends; when the limit is
# higher, the window is what keeps database work per nudge low: each claim and record costs a
# transaction, and a window of 25 made them four times as many (measured by bench/discord_dispatch).
MAX_IN_FLIGHT = 100
CANNOT_DM = 50007
UNKNOWN_USER = 10013
UNKNOWN_CHANNEL = 10003
DMS_CLOSED = (
    "Discord won't let me message you directly (error 50007: your direct messages are closed to "
    "me) — to get nudges, allow direct messages from this server's members (click the server name "
    "→ Privacy Settings → Direct Messages)"
)


def classify(
    error: Exception,
) -> TransientDeliveryError | PermanentDeliveryError | UnknownDeliveryOutcome:
    """The dispatcher's view of a failed send."""
    if isinstance(error, discord.RateLimited):
        return TransientDeliveryError("Discord rate limit", retry_after=error.retry_after)
    if isinstance(error, discord.HTTPException):
        if error.code == CANNOT_DM:
            return PermanentDeliveryError(DMS_CLOSED)
        if error.code == UNKNOWN_USER or error.status == 404:
            return PermanentDeliveryError(
                "Discord doesn't know this account any more (error 10013)"
            )
        if error.status >= 500 or error.status == 429:
            return TransientDeliveryError(f"Discord error {error.status}")
        return PermanentDeliveryError(
            f"Discord refused the message (HTTP {error.status}, code {error.code}): "
            f"{error.text[:200]}"
        )
    return unanswered(error)


class DirectChannels:
    """Each person's DM channel id: the one kept with them (`User.direct_channel`, loaded with
    every batch of nudges), else the one opened in this process, else opened now — one open at a
    time per person. An id opened, or refused, is kept in the database through the
    `DirectChannelStore` (written in batches; `flush` waits for them)."""

    def __init__(self, store: DirectChannelStore | None = None, size: int = 100_000) -> None:
        self._store = store
        self._opened: dict[str, int] = {}  # external id → channel id, opened (or found) here
        self._refused: set[int] = set()  # ids Discord no longer knows: not to be used again
        self._opening: dict[str, asyncio.Future[None]] = {}
        self._size = size

    async def open(self, user: User, start: Callable[[int], Awaitable[Any]]) -> int:
        """The user's DM channel id; `start` opens it (`Wire.open_dm`)."""
        person = user.external_id
        stored = _channel_id(user)
        while True:
            known = self.known(user)
            if known is not None:
                return known
            opening = self._opening.get(person)
            if opening is None:
                break
            await asyncio.wait([opening])  # another nudge to them is opening it: then look again
        self._opening[person] = asyncio.get_running_loop().create_future()
        try:
            channel = int((await start(int(person)))["id"])
            if len(self._opened) >= self._size:
                self._opened.clear()
            self._opened[person] = channel
        finally:
            self._opening.pop(person).set_result(None)
        if channel != stored:
            self._keep(user, channel)
        return channel

    def known(self, user: User) -> int | None:
        """The user's DM channel id when it needs no open: opened here, or kept with them."""
        opened = self._opened.get(user.external_id)
        if opened is not None:
            return opened
        stored = _channel_id(user)
        return stored if stored is not None and stored not in self._refused else None

    def refused(self, user: User, channel: int) -> None:
        """Discord doesn't know `channel` any more: the next `open` opens the DM again."""
        self._refused.add(channel)
        if self._opened.get(user.external_id) == channel:
            del self._opened[user.external_id]
        self._keep(user, None)

    async def flush(self) -> None:
        """Wait until every id found so far is stored."""
        if self._store is not None:
            await self._store.flush()

    def _keep(self, user: User, channel: int | None) -> None:
        if self._store is not None:
            self._store.remember(
                user.platform,
                user.workspace,
                user.external_id,
                None if channel is None else str(channel),
            )


def _channel_id(user: User) -> int | None:
    stored = user.direct_channel
    return int(stored) if stored is not None and stored.isdigit() else None


class DiscordNotifier(DiscordSender):
    max_in_flight = MAX_IN_FLIGHT

    def __init__(
        self, link: DiscordLink, timeout: float = 15.0, channels: DirectChannels | None = None
    ) -> None:
        super().__init__(link, timeout)
        self.channels = channels or DirectChannels()

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        shown = outgoing(message)
        channel = await self._open(user)
        try:
            try:
                await self._create(channel, shown, delivery)
            except discord.NotFound as gone:
                if gone.code != UNKNOWN_CHANNEL:
                    raise
                # The kept id is stale: nothing was created; open the DM again, post there.
                self.channels.refused(user, channel)
                channel = await self._open(user)
                await self._create(channel, shown, delivery)
        except SEND_FAILURES as error:
            raise classify(error) from error

    async def _open(self, user: User) -> int:
        known = self.channels.known(user)
        if known is not None:
            return known
        try:
            async with asyncio.timeout(self._timeout):
                return await self.channels.open(user, self._link.wire().open_dm)
        except SEND_FAILURES as error:
            problem = classify(error)  # opening the DM posts nothing: no doubt about a message
            raise (
                TransientDeliveryError(problem.reason)
                if isinstance(problem, UnknownDeliveryOutcome)
                else problem
            ) from error
