"""Posts for a whole group channel: the group-mode intro, shared milestones, the
board and weekly digests, as `POST /channels/{id}/messages` with the message's embed.

Mentions are never parsed (`allowed_mentions` none), and a
channel post carries no buttons: they act on one person's application, and a channel is
everyone's. A post too long for an embed brings its full text as a file, like a DM; if the
bot may not attach files there (50013), the post goes out once more without the file.

A queued post (a weekly digest, given a `Delivery`) is created with a `nonce` derived from it
and `enforce_nonce`, like a nudge: Discord itself returns the message made the first time
instead of a second one, so a post that got no answer is an unknown outcome whose verification
is the same post again (`sending`).

discord.py waits out ordinary 429s itself; what still fails is classified for the core. A
permanent error's reason is shown to the person who asked (or kept as the digest's "last
error", shown by `channel`), so it says what to grant: Missing Access (50001), Missing
Permissions (50013), Unknown Channel (10003). Rate limits longer than the client waits,
server errors and network trouble are transient.
"""

from __future__ import annotations

import discord

from adapters.discord.notifier import MAX_IN_FLIGHT
from adapters.discord.render import Outgoing, outgoing
from adapters.discord.sending import SEND_FAILURES, DiscordSender, unanswered
from bot.groups import ChannelRef
from bot.messages import Message
from bot.ports import Delivery, PermanentDeliveryError, TransientDeliveryError

MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_CHANNEL = 10003
REASONS = {
    MISSING_ACCESS: (
        "Discord says I can't see this channel (error 50001 Missing Access): give Followup the "
        "View Channel permission here (Edit Channel → Permissions), or add it back to the server"
    ),
    MISSING_PERMISSIONS: (
        "Discord says I'm not allowed to post here (error 50013 Missing Permissions): give "
        "Followup Send Messages and Embed Links in this channel (Edit Channel → Permissions)"
    ),
    UNKNOWN_CHANNEL: "Discord doesn't know this channel any more (error 10003 Unknown Channel): "
    "it was deleted, or I was removed from its server",
}


def classify(error: Exception, queued: bool = False) -> Exception:
    """The core's view of a failed channel post (`queued`: one made with a nonce)."""
    if isinstance(error, discord.RateLimited):
        return TransientDeliveryError("Discord rate limit", retry_after=error.retry_after)
    if isinstance(error, discord.HTTPException):
        if error.code in REASONS:
            return PermanentDeliveryError(REASONS[error.code])
        if error.status >= 500 or error.status == 429:
            return TransientDeliveryError(f"Discord error {error.status}")
        return PermanentDeliveryError(
            f"Discord refused the post (HTTP {error.status}, code {error.code}): {error.text[:200]}"
        )
    if queued:
        return unanswered(error)
    # A post made at once (a share, the board): the person who asked hears it failed.
    return TransientDeliveryError(f"network problem talking to Discord: {type(error).__name__}")


class DiscordChannelPoster(DiscordSender):
    """The `ChannelPoster` for Discord: posts through the adapter's client while it runs."""

    max_in_flight = MAX_IN_FLIGHT

    async def post(
        self, channel: ChannelRef, message: Message, delivery: Delivery | None = None
    ) -> None:
        shown = outgoing(message, buttons=False)
        target = int(channel.channel_id)
        try:
            try:
                await self._create(target, shown, delivery)
            except discord.Forbidden as refused:
                if refused.code != MISSING_PERMISSIONS or not shown.files:
                    raise
                # No Attach Files: the (shortened) embed alone; refused, the first made nothing.
                await self._create(target, Outgoing(shown.body), delivery)
        except SEND_FAILURES as error:
            raise classify(error, queued=delivery is not None) from error
