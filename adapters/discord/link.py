"""`DiscordLink`: the running adapter's client, lent to the notifier and the channel poster.

Those two are built once, before the adapter starts (the core is given them at construction);
each start of the adapter logs in a new client and opens the link with it, each stop closes it.
`live` says whether Discord can be sent to now; `client()` is the logged-in client, or the
"not connected" refusal the dispatcher retries later.
"""

from __future__ import annotations

import discord

from bot.ports import TransientDeliveryError


class DiscordLink:
    def __init__(self) -> None:
        self._client: discord.Client | None = None

    @property
    def live(self) -> bool:
        return self._client is not None

    def open(self, client: discord.Client) -> None:
        self._client = client

    def close(self) -> None:
        self._client = None

    def client(self) -> discord.Client:
        client = self._client
        if client is None or client.is_closed() or client.user is None:
            raise TransientDeliveryError("Discord is not connected")
        return client
