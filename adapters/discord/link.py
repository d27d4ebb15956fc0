"""`DiscordLink`: the running adapter's client, lent to the notifier and the channel poster.

Those two are built once, before the adapter starts (the core is given them at construction);
each start of the adapter logs in a new client and opens the link with it, each stop closes it.
`live` says whether Discord can be sent to now; `client()` is the logged-in client, or the
"not connected" refusal the dispatcher retries later, and `wire()` the same client's `Wire`
(the REST path of queued sends: its connections are made for the client and closed with the
link).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from discord.http import Route

from adapters.discord.wire import Wire
from bot.ports import TransientDeliveryError


class DiscordLink:
    def __init__(self, pace: Callable[[], Awaitable[None]] | None = None) -> None:
        """`pace` is awaited before each request the link's `Wire` writes (the global pacer)."""
        self._client: discord.Client | None = None
        self._wire: Wire | None = None
        self._pace = pace

    @property
    def live(self) -> bool:
        return self._client is not None

    def open(self, client: discord.Client) -> None:
        """Lend `client`, logged in, with discord.py pointed at the endpoints it logged in to."""
        self.close()
        self._client = client
        self._wire = Wire(client.http, Route.BASE, self._pace)

    def close(self) -> None:
        self._client = None
        if self._wire is not None:
            self._wire.close()
            self._wire = None

    def client(self) -> discord.Client:
        client = self._client
        if client is None or client.is_closed() or client.user is None:
            raise TransientDeliveryError("Discord is not connected")
        return client

    async def pace(self) -> None:
        """Wait for the global pacer's leave to send a request (at once without a pacer): the
        `Wire` and the client's own requests both wait here."""
        if self._pace is not None:
            await self._pace()

    def wire(self) -> Wire:
        """The open client's `Wire` (the same refusal as `client` when there is none)."""
        self.client()
        assert self._wire is not None
        return self._wire
