"""What a Discord send that failed without an answer means: the rule direct messages
(`notifier`) and queued channel posts (`poster`) share.

A connection that was never made sent nothing: worth a plain retry (`TransientDeliveryError`).
Anything else — a timeout, a connection cut once the request was out — may have created the
message: `UnknownDeliveryOutcome`, and its verification is the same send again with the same
`nonce`, which Discord deduplicates (`enforce_nonce`, set by discord.py with every nonce).
"""

from __future__ import annotations

import aiohttp

from bot.ports import TransientDeliveryError, UnknownDeliveryOutcome


def unanswered(error: BaseException) -> TransientDeliveryError | UnknownDeliveryOutcome:
    if isinstance(error, aiohttp.ClientConnectorError):  # never connected: nothing was sent
        return TransientDeliveryError(f"couldn't reach Discord: {type(error).__name__}")
    return UnknownDeliveryOutcome(f"no answer from Discord: {type(error).__name__}")
