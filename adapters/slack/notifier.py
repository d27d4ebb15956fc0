"""`SlackNotifier`: the core's `Notifier` for Slack, delivering nudges as DMs.

`conversations.open` finds the DM, `chat.postMessage` posts the Block Kit nudge with its
plain-text fallback and message `metadata` carrying the nudge's delivery key (event type
`followup_nudge`). Slack has no idempotency key for posting, so a nudge whose earlier attempt
may have arrived (its sender died, or Slack never answered) is first looked for in the DM's
recent history (`conversations.history` with `include_all_metadata`, scope `im:history`); if
it is there, the nudge counts as delivered and nothing is posted.

A post Slack never answered (timeout, connection cut once the request was out) is
`UnknownDeliveryOutcome`, verified later, never posted again blindly. Short rate limits and
server errors are retried inside the client (`clients.retry_handlers`); what is left is sorted
for the dispatcher: worth retrying later (`TransientDeliveryError`, with Slack's `Retry-After`)
or not (`PermanentDeliveryError`, with Slack's reason, e.g. `account_inactive`), which marks the
nudge failed and shows in `today`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import payload
from adapters.slack.clients import retry_after
from adapters.slack.directory import DirectChannels
from adapters.slack.workspaces import NotInstalled, Workspaces
from bot.domain import User
from bot.messages import Message
from bot.ports import (
    Delivery,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownDeliveryOutcome,
)

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
EVENT_TYPE = "followup_nudge"
HISTORY_PAGE = 100
HISTORY_PAGES = 5  # the DM is the bot's own: 500 messages reach far back
CLOCK_SKEW = timedelta(minutes=2)  # our clock against Slack's message timestamps
# Posting rate: Slack allows about one message per second per channel and, for an app, short
# bursts beyond; with replies taking 0.1-0.5 s, ten posts in flight stay near that pace, and
# what goes over is waited out by the client's Retry-After handling.
MAX_IN_FLIGHT = 10


def classify(problem: SlackApiError) -> DeliveryError:
    """A Web API refusal as the dispatcher's transient or permanent error."""
    response = problem.response
    status = getattr(response, "status_code", 200)
    error = str(response.get("error") or "") if response is not None else ""
    if status == 429:
        return TransientDeliveryError("rate limited by Slack", retry_after(response.headers))
    if status >= 500:
        return TransientDeliveryError(f"Slack server error {status}{f' ({error})' if error else ''}")
    if error in TRANSIENT_ERRORS:
        return TransientDeliveryError(error)
    return PermanentDeliveryError(error or f"HTTP {status}")


def metadata(delivery: Delivery) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"nudge": delivery.key}}


def carries(message: dict[str, Any], delivery: Delivery) -> bool:
    found = message.get("metadata") or {}
    return found.get("event_type") == EVENT_TYPE and (found.get("event_payload") or {}).get("nudge") == delivery.key


class SlackNotifier:
    max_in_flight = MAX_IN_FLIGHT

    def __init__(self, workspaces: Workspaces, channels: DirectChannels, timeout: float = 15.0) -> None:
        self._workspaces = workspaces
        self._channels = channels
        self._timeout = timeout

    async def send_direct(self, user: User, message: Message, delivery: Delivery | None = None) -> None:
        try:
            client = await self._workspaces.client(user.workspace)
            channel = await self._channels.open(client, user.workspace, user.external_id)
            if delivery is not None and delivery.unknown_since is not None and await self._already_there(client, channel, delivery):
                log.info("nudge found in the DM's history: recorded as delivered, not posted again")
                return
        except NotInstalled as missing:
            raise PermanentDeliveryError(str(missing)) from missing
        except SlackApiError as refusal:
            raise classify(refusal) from refusal
        except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as hiccup:
            # Nothing was posted yet: a plain retry later is safe.
            raise TransientDeliveryError(f"couldn't reach Slack: {type(hiccup).__name__}") from hiccup
        post: dict[str, Any] = {"channel": channel, **payload(message)}
        if delivery is not None:
            post["metadata"] = metadata(delivery)
        try:
            await asyncio.wait_for(client.chat_postMessage(**post), self._timeout)
        except SlackApiError as refusal:
            raise classify(refusal) from refusal
        except aiohttp.ClientConnectorError as unreachable:  # no connection: nothing was sent
            raise TransientDeliveryError(f"couldn't reach Slack: {type(unreachable).__name__}") from unreachable
        except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as silence:
            raise UnknownDeliveryOutcome(f"no answer from Slack: {type(silence).__name__}") from silence

    async def _already_there(self, client: AsyncWebClient, channel: str, delivery: Delivery) -> bool:
        """Whether the DM holds a message with this delivery's metadata, posted since the
        doubtful attempt began. Without `im:history` (an install from before it was asked
        for) the history can't be read: the nudge is posted, and the reinstall is logged."""
        assert delivery.unknown_since is not None
        oldest = f"{(delivery.unknown_since - CLOCK_SKEW).timestamp():.6f}"
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                page = await asyncio.wait_for(
                    client.conversations_history(
                        channel=channel, oldest=oldest, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
                    ),
                    self._timeout,
                )
            except SlackApiError as refusal:
                if (refusal.response or {}).get("error") == "missing_scope":
                    log.warning("can't read DM history to check for an earlier post (missing im:history): reinstall the app")
                    return False
                raise
            if any(carries(m, delivery) for m in page.get("messages") or []):
                return True
            cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or None
            if not page.get("has_more") or not cursor:
                return False
        return False
