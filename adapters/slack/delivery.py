"""Queued posts on Slack, made recognisable and recognised: the rule nudges (DMs, `notifier`)
and weekly digests (channel posts, `groups`) share.

Slack has no idempotency key for `chat.postMessage`. So a queued post carries message
`metadata` naming what it delivers (event type `followup_<kind>`, payload `{<kind>: key}` —
`followup_nudge` / `followup_digest`), and before one whose earlier attempt may have arrived
(its sender died holding the claim, or Slack never answered) is posted again, the
conversation's recent history is read (`conversations.history` with `include_all_metadata`;
`im:history` for a DM, `channels:history` / `groups:history` for a public / private channel).
If the post is there, it counts as delivered and nothing is posted.

A post Slack never answered (a timeout, the connection cut once the request was out) is
`UnknownDeliveryOutcome`: verified later, never posted again blindly. A post that never had a
connection (none could be made, or none came free from the pool in time) is
`TransientDeliveryError` (nothing was sent). Slack's own refusals
(`SlackApiError`) are left to the caller, which knows what to tell whom.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import NEVER_CONNECTED, RATE_LIMITED, rate_limit_passed
from adapters.slack.webapi import post_message
from bot.ports import Delivery, TransientDeliveryError, UnknownDeliveryOutcome

log = logging.getLogger(__name__)

EVENT_PREFIX = "followup_"
HISTORY_PAGE = 100
# the bot's DM with a person, or a channel since the doubtful attempt: 500 reach far back
HISTORY_PAGES = 5
CLOCK_SKEW = timedelta(minutes=2)  # our clock against Slack's message timestamps
HISTORY_SCOPES = "im:history, channels:history and groups:history"
UNREADABLE = frozenset({"channel_not_found", "not_in_channel"})  # a history the bot can't see


def metadata(delivery: Delivery) -> dict[str, Any]:
    return {
        "event_type": f"{EVENT_PREFIX}{delivery.kind}",
        "event_payload": {delivery.kind: delivery.key},
    }


def carries(message: dict[str, Any], delivery: Delivery) -> bool:
    found = message.get("metadata") or {}
    expected = metadata(delivery)
    return (
        found.get("event_type") == expected["event_type"]
        and (found.get("event_payload") or {}).get(delivery.kind) == delivery.key
    )


async def post_once(
    client: AsyncWebClient, post: dict[str, Any], delivery: Delivery | None, within: float
) -> None:
    """`chat.postMessage` once, carrying the delivery's metadata. Raises SlackApiError (a
    refusal), TransientDeliveryError (never connected, or not sent: the workspace's posts wait
    out a long `Retry-After`, for the seconds left of it) or UnknownDeliveryOutcome (no answer).

    `post` is the request body as JSON (plain dicts, no None values), sent on the lean path
    (`webapi.post_message`)."""
    if delivery is not None:
        post = {**post, "metadata": metadata(delivery)}
    left = await rate_limit_passed(client)  # nothing is sent while a rate limit lasts
    if left is not None:
        raise TransientDeliveryError(RATE_LIMITED, left)
    try:
        await post_message(client, post, within)
    except SlackApiError:
        raise
    except NEVER_CONNECTED as unreachable:  # no connection: nothing was sent
        raise TransientDeliveryError(
            f"couldn't reach Slack: {type(unreachable).__name__}"
        ) from unreachable
    except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as silence:
        raise UnknownDeliveryOutcome(f"no answer from Slack: {type(silence).__name__}") from silence


async def already_there(
    client: AsyncWebClient, channel: str, delivery: Delivery, within: float
) -> bool:
    """Whether the conversation holds a message with this delivery's metadata, posted since
    the doubtful attempt began. Without the history scope (an install from before it was asked
    for) the history can't be read: the post is made, and the reinstall is logged; a
    conversation the bot can't see holds nothing of its own, and the post will say why."""
    assert delivery.unknown_since is not None
    oldest = f"{(delivery.unknown_since - CLOCK_SKEW).timestamp():.6f}"
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        try:
            page = await asyncio.wait_for(
                client.conversations_history(
                    channel=channel,
                    oldest=oldest,
                    limit=HISTORY_PAGE,
                    include_all_metadata=True,
                    cursor=cursor,
                ),
                within,
            )
        except SlackApiError as refusal:
            error = (refusal.response or {}).get("error")
            if error == "missing_scope":
                log.warning(
                    "can't read the conversation's history to check for an earlier post (missing "
                    "%s): reinstall the app",
                    HISTORY_SCOPES,
                )
                return False
            if error in UNREADABLE:
                return False  # nothing to find there; the post itself says what is wrong
            raise
        if any(carries(m, delivery) for m in page.get("messages") or []):
            return True
        cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or None
        if not page.get("has_more") or not cursor:
            return False
    return False
