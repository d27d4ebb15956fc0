"""What direct messages (`notifier`) and channel posts (`poster`) share on Discord: the link to
the running client and the send timeout, the nonce of a queued send, the message create
itself, and what a send that failed without an answer means.

A message is created with the body built as plain JSON (`render.outgoing`) and sent through
the link's `Wire` (discord.py's rate-limit buckets, 429 waits and retries, on cheaper HTTP); one
that brings files goes as discord.py's multipart form through its `HTTPClient.send_message`. No
discord.py channel, embed, view or message objects are made for it, and the message Discord
answers with is not parsed.

A queued send (a nudge, a weekly digest) is created with a `nonce` derived from it and
`enforce_nonce` (set by discord.py with every nonce), so Discord itself returns the message
made the first time instead of making a second one. A connection that was never made sent
nothing: worth a plain retry (`TransientDeliveryError`). Anything else — a timeout, a
connection cut once the request was out — may have created the message:
`UnknownDeliveryOutcome`, and its verification is the same send again with the same nonce.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import discord
from discord.http import MultipartParameters

from adapters.discord.link import DiscordLink
from adapters.discord.render import Outgoing
from adapters.discord.wire import MESSAGES, bucket, mend
from adapters.http1 import NotConnected
from bot.ports import Delivery, TransientDeliveryError, UnknownDeliveryOutcome

# What a send through discord.py may raise once the client has given up on it.
SEND_FAILURES = (
    TimeoutError,
    discord.HTTPException,
    discord.RateLimited,
    aiohttp.ClientError,
    OSError,
)


def unanswered(error: BaseException) -> TransientDeliveryError | UnknownDeliveryOutcome:
    if isinstance(error, (NotConnected, aiohttp.ClientConnectorError)):  # nothing was sent
        return TransientDeliveryError(f"couldn't reach Discord: {type(error).__name__}")
    return UnknownDeliveryOutcome(f"no answer from Discord: {type(error).__name__}")


class DiscordSender:
    """The part of the notifier and the poster that is the same: both send through the
    adapter's client while it runs (`DiscordLink.client()` refuses with "not connected")."""

    def __init__(self, link: DiscordLink, timeout: float = 15.0) -> None:
        self._link = link
        self._timeout = timeout

    async def _create(
        self, channel_id: int, message: Outgoing, delivery: Delivery | None
    ) -> None:
        """`POST /channels/{channel_id}/messages` within the send timeout, keyed by the delivery."""
        async with asyncio.timeout(self._timeout):
            if message.files:
                http = self._link.client().http  # (paced as every discord.py request is)
                try:
                    await http.send_message(channel_id, params=parameters(message, delivery))
                except asyncio.CancelledError:  # discord.py's request: its bucket, as the wire's
                    mend(bucket(http, MESSAGES, str(channel_id)))
                    raise
            else:
                await self._link.wire().create_message(channel_id, body(message, delivery))


def body(message: Outgoing, delivery: Delivery | None) -> dict[str, Any]:
    """The create's JSON: a queued send carries the delivery's key as its `nonce` with
    `enforce_nonce`."""
    if delivery is None:
        return message.body
    return {**message.body, "nonce": delivery.key, "enforce_nonce": True}


def parameters(message: Outgoing, delivery: Delivery | None) -> MultipartParameters:
    """The create's body as discord.py sends it: JSON alone, or with files a multipart form of
    the JSON (`payload_json`, naming each file under `attachments`) and the files."""
    if not message.files:
        return MultipartParameters(payload=body(message, delivery), multipart=None, files=None)
    attachments = [f.to_dict(index) for index, f in enumerate(message.files)]
    payload = {**body(message, delivery), "attachments": attachments}
    form: list[dict[str, Any]] = [
        {
            "name": "payload_json",
            "value": json.dumps(payload, separators=(",", ":"), ensure_ascii=True),
        }
    ]
    form += [
        {
            "name": f"files[{index}]",
            "value": f.fp,
            "filename": f.filename,
            "content_type": "application/octet-stream",
        }
        for index, f in enumerate(message.files)
    ]
    return MultipartParameters(payload=None, multipart=form, files=message.files)
