"""Direct messages for the core's dispatcher: a nudge goes to the user's DM channel.

discord.py waits out ordinary 429s itself and retries; what still fails is classified for
the dispatcher: DMs closed (50007), an unknown user or a missing permission is permanent
(recorded on the nudge with a reason that tells the user how to fix it, and shown at their
next command); rate limits longer than the client waits, server errors and network trouble
are transient (retried with backoff).
"""

from __future__ import annotations

import aiohttp
import discord

from adapters.discord.render import render
from bot.domain import User
from bot.messages import Message
from bot.ports import PermanentDeliveryError, TransientDeliveryError

CANNOT_DM = 50007
UNKNOWN_USER = 10013
DMS_CLOSED = (
    "Discord won't let me message you directly (error 50007: your direct messages are closed to me) — "
    "to get nudges, allow direct messages from this server's members "
    "(click the server name → Privacy Settings → Direct Messages)"
)


def classify(error: Exception) -> Exception:
    """The dispatcher's view of a failed send."""
    if isinstance(error, discord.RateLimited):
        return TransientDeliveryError("Discord rate limit", retry_after=error.retry_after)
    if isinstance(error, discord.HTTPException):
        if error.code == CANNOT_DM:
            return PermanentDeliveryError(DMS_CLOSED)
        if error.code == UNKNOWN_USER or error.status == 404:
            return PermanentDeliveryError("Discord doesn't know this account any more (error 10013)")
        if error.status >= 500 or error.status == 429:
            return TransientDeliveryError(f"Discord error {error.status}")
        return PermanentDeliveryError(f"Discord refused the message (HTTP {error.status}, code {error.code}): {error.text[:200]}")
    return TransientDeliveryError(f"network problem talking to Discord: {type(error).__name__}")


class DiscordNotifier:
    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def send_direct(self, user: User, message: Message) -> None:
        if self._client.is_closed() or self._client.user is None:
            raise TransientDeliveryError("Discord is not connected")
        shown = render(message)
        try:
            channel = await self._client.create_dm(discord.Object(id=int(user.external_id)))
            await channel.send(embed=shown.embed, view=shown.view or discord.utils.MISSING, files=shown.files or discord.utils.MISSING)
        except (TimeoutError, discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError) as error:
            raise classify(error) from error
