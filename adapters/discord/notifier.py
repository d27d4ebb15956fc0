"""Direct messages for the core's dispatcher: a nudge goes to the user's DM channel.

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

import discord

from adapters.discord.render import render
from adapters.discord.sending import SEND_FAILURES, DiscordSender, unanswered
from bot.domain import User
from bot.messages import Message
from bot.ports import (
    Delivery,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownDeliveryOutcome,
)

# Discord allows a bot about 50 requests a second in all; a nudge takes one (two when its DM
# channel isn't known yet), and discord.py waits out per-route limits itself.
MAX_IN_FLIGHT = 25
CANNOT_DM = 50007
UNKNOWN_USER = 10013
DMS_CLOSED = (
    "Discord won't let me message you directly (error 50007: your direct messages are closed to me) — "
    "to get nudges, allow direct messages from this server's members "
    "(click the server name → Privacy Settings → Direct Messages)"
)


def classify(error: Exception) -> TransientDeliveryError | PermanentDeliveryError | UnknownDeliveryOutcome:
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
    return unanswered(error)


class DiscordNotifier(DiscordSender):
    max_in_flight = MAX_IN_FLIGHT

    async def send_direct(self, user: User, message: Message, delivery: Delivery | None = None) -> None:
        client = self._link.client()
        shown = render(message)
        try:
            channel = await asyncio.wait_for(client.create_dm(discord.Object(id=int(user.external_id))), self._timeout)
        except SEND_FAILURES as error:
            problem = classify(error)  # opening the DM posts nothing: no doubt about a message
            raise (TransientDeliveryError(problem.reason) if isinstance(problem, UnknownDeliveryOutcome) else problem) from error
        options = {"embed": shown.embed, "view": shown.view or discord.utils.MISSING, "files": shown.files or discord.utils.MISSING}
        try:
            await asyncio.wait_for(channel.send(**self._keyed(options, delivery)), self._timeout)
        except SEND_FAILURES as error:
            raise classify(error) from error
