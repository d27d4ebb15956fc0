"""`SlackNotifier`: the core's `Notifier` for Slack, delivering nudges as DMs.

`conversations.open` finds the DM, `chat.postMessage` posts the Block Kit nudge with its
plain-text fallback. Short rate limits and server errors are retried inside the client
(`clients.retry_handlers`); what is left is sorted for the dispatcher: worth retrying later
(`TransientDeliveryError`, with Slack's `Retry-After`) or not (`PermanentDeliveryError`, with
Slack's reason, e.g. `account_inactive`), which marks the nudge failed and shows in `today`.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.slack.blocks import payload
from adapters.slack.directory import DirectChannels
from adapters.slack.workspaces import NotInstalled, Workspaces
from bot.domain import User
from bot.messages import Message
from bot.ports import DeliveryError, PermanentDeliveryError, TransientDeliveryError

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def header_seconds(headers: object, name: str) -> float | None:
    items = getattr(headers, "items", None)
    if items is None:
        return None
    for key, value in items():
        if str(key).lower() == name.lower():
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


def classify(problem: SlackApiError) -> DeliveryError:
    """A Web API refusal as the dispatcher's transient or permanent error."""
    response = problem.response
    status = getattr(response, "status_code", 200)
    error = str(response.get("error") or "") if response is not None else ""
    if status == 429:
        return TransientDeliveryError("rate limited by Slack", header_seconds(response.headers, "Retry-After"))
    if status >= 500:
        return TransientDeliveryError(f"Slack server error {status}{f' ({error})' if error else ''}")
    if error in TRANSIENT_ERRORS:
        return TransientDeliveryError(error)
    return PermanentDeliveryError(error or f"HTTP {status}")


class SlackNotifier:
    def __init__(self, workspaces: Workspaces, channels: DirectChannels) -> None:
        self._workspaces = workspaces
        self._channels = channels

    async def send_direct(self, user: User, message: Message) -> None:
        try:
            client = await self._workspaces.client(user.workspace)
            channel = await self._channels.open(client, user.workspace, user.external_id)
            await client.chat_postMessage(channel=channel, **payload(message))
        except NotInstalled as missing:
            raise PermanentDeliveryError(str(missing)) from missing
        except SlackApiError as refusal:
            raise classify(refusal) from refusal
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as hiccup:
            raise TransientDeliveryError(f"couldn't reach Slack: {type(hiccup).__name__}") from hiccup
