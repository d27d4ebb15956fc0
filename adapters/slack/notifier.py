"""`SlackNotifier`: the core's `Notifier` for Slack, delivering nudges as DMs.

The DM's id comes with the user when it is kept, else is found once per person
(`directory.DirectChannels`: `conversations.open`, then kept in the database); a kept id
Slack refuses (`channel_not_found`, …) is opened afresh and the nudge posted once more there.
`chat.postMessage` posts the Block Kit nudge with its
plain-text fallback and message `metadata` carrying the nudge's delivery key (event type
`followup_nudge`); a nudge whose earlier attempt may have arrived (its sender died, or Slack
never answered) is first looked for in the DM's recent history (scope `im:history`), and if it
is there, it counts as delivered and nothing is posted — the rule digests share
(`adapters.slack.delivery`).

A post Slack never answered is `UnknownDeliveryOutcome`, verified later. Short rate limits and
server errors are retried inside the client (`clients.retry_handlers`); what is left is sorted
for the dispatcher: worth retrying later (`TransientDeliveryError`, with Slack's `Retry-After`)
or not (`PermanentDeliveryError`, with Slack's reason, e.g. `account_inactive`), which marks the
nudge failed and shows in `today`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import payload
from adapters.slack.clients import RATE_LIMITED, retry_after
from adapters.slack.delivery import already_there, post_once
from adapters.slack.directory import STALE, DirectChannels
from adapters.slack.workspaces import NotInstalled, WorkspaceClients
from bot.domain import User
from bot.messages import Message
from bot.ports import (
    Delivery,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)
# Posts in flight, from Slack's limits: `chat.postMessage` is held to about one message per
# second per channel (short bursts allowed) — and every person's nudges go to a channel of their
# own, their DM — plus a workspace-wide allowance Slack doesn't publish, which it enforces with
# 429 and `Retry-After` (waited out by the client, or rescheduled by the dispatcher). So the
# per-channel pace doesn't bound a batch to different people; what does is the HTTP connection
# pool (aiohttp keeps 100 connections per session, reused) and how many nudges one claim and one
# record carry: 100 in flight keep a DM at one or two posts at once, and make claims and records
# of 50-100 rows instead of 5-10, which is where the time went.
MAX_IN_FLIGHT = 100


def refused_for(problem: SlackApiError) -> str:
    """Slack's reason for a refusal (`error`), "" when it gave none."""
    response = problem.response
    return str(response.get("error") or "") if response is not None else ""


def classify(problem: SlackApiError) -> DeliveryError:
    """A Web API refusal as the dispatcher's transient or permanent error."""
    response = problem.response
    status = getattr(response, "status_code", 200)
    error = refused_for(problem)
    if status == 429:
        return TransientDeliveryError(RATE_LIMITED, retry_after(response.headers))
    if status >= 500:
        return TransientDeliveryError(
            f"Slack server error {status}{f' ({error})' if error else ''}"
        )
    if error in TRANSIENT_ERRORS:
        return TransientDeliveryError(error)
    return PermanentDeliveryError(error or f"HTTP {status}")


class SlackNotifier:
    max_in_flight = MAX_IN_FLIGHT

    def __init__(
        self, workspaces: WorkspaceClients, channels: DirectChannels, timeout: float = 15.0
    ) -> None:
        self._workspaces = workspaces
        self._channels = channels
        self._timeout = timeout

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        team, person = user.workspace, user.external_id
        with _before_posting():
            client = await self._workspaces.client(team)
            channel, fresh = await self._channels.find(
                client, team, person, read=True, known=user.direct_channel
            )
            if await self._found(client, channel, delivery):
                return
        post = payload(message)
        try:
            await post_once(client, {"channel": channel, **post}, delivery, self._timeout)
            return
        except SlackApiError as refusal:
            if fresh or refused_for(refusal) not in STALE:
                raise classify(refusal) from refusal
        # A kept id Slack no longer takes: the DM is opened again and the message posted once more.
        log.info("Slack refused the DM id it gave earlier (%s): opening the DM again", channel)
        with _before_posting():
            channel = await self._channels.reopen(client, team, person, refused=channel)
            if await self._found(client, channel, delivery):
                return
        try:
            await post_once(client, {"channel": channel, **post}, delivery, self._timeout)
        except SlackApiError as refusal:
            raise classify(refusal) from refusal

    async def _found(self, client: AsyncWebClient, channel: str, delivery: Delivery | None) -> bool:
        """Whether an earlier attempt of a doubtful delivery is already in the DM."""
        if delivery is None or delivery.unknown_since is None:
            return False
        if await already_there(client, channel, delivery, self._timeout):
            log.info("nudge found in the DM's history: recorded as delivered, not posted again")
            return True
        return False


@contextmanager
def _before_posting() -> Iterator[None]:
    """What goes wrong before anything is posted, as the dispatcher's errors: nothing was
    posted yet, so a plain retry later is safe."""
    try:
        yield
    except NotInstalled as missing:
        raise PermanentDeliveryError(str(missing)) from missing
    except SlackApiError as refusal:
        raise classify(refusal) from refusal
    except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as hiccup:
        raise TransientDeliveryError(f"couldn't reach Slack: {type(hiccup).__name__}") from hiccup
