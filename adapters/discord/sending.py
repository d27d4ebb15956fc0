"""What direct messages (`notifier`) and channel posts (`poster`) share on Discord: the link to
the running client and the send timeout, the nonce of a queued send, and what a send that
failed without an answer means.

A queued send (a nudge, a weekly digest) is created with a `nonce` derived from it and
`enforce_nonce` (set by discord.py with every nonce), so Discord itself returns the message
made the first time instead of making a second one. A connection that was never made sent
nothing: worth a plain retry (`TransientDeliveryError`). Anything else — a timeout, a
connection cut once the request was out — may have created the message:
`UnknownDeliveryOutcome`, and its verification is the same send again with the same nonce.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import discord

from adapters.discord.link import DiscordLink
from bot.ports import Delivery, TransientDeliveryError, UnknownDeliveryOutcome

# What a send through discord.py may raise once the client has given up on it.
SEND_FAILURES = (TimeoutError, discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError)


def unanswered(error: BaseException) -> TransientDeliveryError | UnknownDeliveryOutcome:
    if isinstance(error, aiohttp.ClientConnectorError):  # never connected: nothing was sent
        return TransientDeliveryError(f"couldn't reach Discord: {type(error).__name__}")
    return UnknownDeliveryOutcome(f"no answer from Discord: {type(error).__name__}")


class DiscordSender:
    """The part of the notifier and the poster that is the same: both send through the
    adapter's client while it runs (`DiscordLink.client()` refuses with "not connected")."""

    def __init__(self, link: DiscordLink, timeout: float = 15.0) -> None:
        self._link = link
        self._timeout = timeout

    @staticmethod
    def _keyed(options: dict[str, Any], delivery: Delivery | None) -> dict[str, Any]:
        """The send's options, with the delivery's key as its nonce when it is a queued send."""
        return options if delivery is None else {**options, "nonce": delivery.key}
