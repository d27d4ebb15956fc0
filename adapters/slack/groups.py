"""Group channels on Slack: `SlackChannelPoster` and the intro the bot posts on joining.

- `SlackChannelPoster` is the core's `ChannelPoster` for Slack: `chat.postMessage` to the
  channel with the team's token (`Workspaces`), the Block Kit blocks and the plain-text
  fallback. Short rate limits and server errors are retried inside the client, as for nudges;
  what is left is sorted like the notifier does (`notifier.classify`), and a permanent refusal
  gets a reason the person who asked can act on — `not_in_channel` says to `/invite @Followup`.
- A queued post (a weekly digest, given a `Delivery`) is made and verified exactly like a
  nudge (`adapters.slack.delivery`): metadata `followup_digest` carrying its key; before one
  whose earlier attempt may have arrived is posted again, the channel's recent history is read
  (`channels:history`, `groups:history`); a post Slack never answered is an unknown outcome.
- Nobody is pinged from a channel post: every string is escaped (`blocks.payload`), every
  mrkdwn text is sent `verbatim` (Slack then doesn't turn a plain `@here` or `#channel` into
  a mention or a link), and the fallback text goes with `parse=none`, `link_names=false`.
- `joined_intro`: what the bot posts when it is added to a channel (`member_joined_channel`
  for the bot itself): what group mode does, how to turn it on, and privacy in one line.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import payload
from adapters.slack.delivery import already_there, post_once
from adapters.slack.notifier import MAX_IN_FLIGHT, classify
from adapters.slack.workspaces import NotInstalled, WorkspaceClients
from bot.groups import ChannelRef
from bot.messages import Message
from bot.ports import (
    Delivery,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownDeliveryOutcome,
)

log = logging.getLogger(__name__)

SEND_TIMEOUT = 15.0  # seconds; `FOLLOWUP_SEND_TIMEOUT` in a running bot
INVITE = "/invite @Followup"
REINSTALL = "ask a workspace admin to reinstall Followup"
# Slack's error code → what the person who asked is told (the core adds "I couldn't post in
# the channel: …"). Anything else permanent is passed on with Slack's own code.
REASONS: dict[str, str] = {
    "not_in_channel": f"I'm not in this channel yet — invite me with {INVITE}, then try again",
    "channel_not_found": f"I can't see this channel — if it's private, invite me with {INVITE}, "
    "then try again",
    "is_archived": "this channel is archived",
    "restricted_action": "this workspace doesn't let apps post in this channel",
    "restricted_action_read_only_channel": "only some people may post in this channel, and I'm "
    "not one of them",
    "restricted_action_non_threadable_channel": "this channel doesn't accept my messages",
    "ekm_access_denied": "this workspace's key management blocks my messages",
    "invalid_auth": f"my Slack access token isn't valid any more — {REINSTALL}",
    "not_authed": f"I have no Slack access token for this workspace — {REINSTALL}",
    "token_revoked": f"my Slack access was revoked — {REINSTALL}",
    "token_expired": f"my Slack access expired — {REINSTALL}",
    "account_inactive": f"my Slack access was removed — {REINSTALL}",
    "missing_scope": f"I lack a Slack permission to post here — {REINSTALL}",
    "team_access_not_granted": f"I lack access to this workspace — {REINSTALL}",
    "msg_too_long": "the message was too long for Slack",
    "invalid_blocks": "Slack refused the message's layout",
}


def explain(error: str) -> str:
    return REASONS.get(
        error, f"Slack refused the post ({error})" if error else "Slack refused the post"
    )


def verbatim(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blocks with every mrkdwn text object marked `verbatim`: no automatic mentions or
    links. `&`, `<` and `>` are escaped already, so no manual ones either."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            found = {key: walk(value) for key, value in node.items()}
            if found.get("type") == "mrkdwn":
                found["verbatim"] = True
            return found
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return [walk(block) for block in blocks]


def channel_payload(message: Message) -> dict[str, Any]:
    """What `chat.postMessage` gets for a post everyone in a channel sees."""
    body = payload(replace(message, private=False))
    if "blocks" in body:
        body["blocks"] = verbatim(body["blocks"])
    return {
        **body,
        "parse": "none",
        "link_names": False,
        "unfurl_links": False,
        "unfurl_media": False,
    }


async def post_to_channel(
    client: AsyncWebClient,
    channel_id: str,
    message: Message,
    delivery: Delivery | None = None,
    within: float = SEND_TIMEOUT,
) -> None:
    """Post `message` in the channel, or raise TransientDeliveryError / PermanentDeliveryError
    — and, for a queued post (`delivery`), UnknownDeliveryOutcome."""
    try:
        if (
            delivery is not None
            and delivery.unknown_since is not None
            and await already_there(client, channel_id, delivery, within)
        ):
            log.info(
                "%s found in the channel's history: recorded as delivered, not posted again",
                delivery.kind,
            )
            return
        await post_once(
            client, {"channel": channel_id, **channel_payload(message)}, delivery, within
        )
    except SlackApiError as refusal:
        problem = classify(refusal)
        if isinstance(problem, PermanentDeliveryError):
            raise PermanentDeliveryError(
                explain(str(refusal.response.get("error") or ""))
            ) from refusal
        raise problem from refusal
    except UnknownDeliveryOutcome as silence:
        if delivery is not None:
            raise
        # A post made at once (a share, the board): the person who asked hears it failed.
        raise TransientDeliveryError(silence.reason) from silence
    # reading the history: nothing posted
    except (TimeoutError, SlackClientError, aiohttp.ClientError, OSError) as hiccup:
        raise TransientDeliveryError(f"couldn't reach Slack: {type(hiccup).__name__}") from hiccup


class SlackChannelPoster:
    """The core's `ChannelPoster` for Slack: shared milestones, the board, weekly digests."""

    max_in_flight = MAX_IN_FLIGHT

    def __init__(self, workspaces: WorkspaceClients, timeout: float = SEND_TIMEOUT) -> None:
        self._workspaces = workspaces
        self._timeout = timeout

    async def post(
        self, channel: ChannelRef, message: Message, delivery: Delivery | None = None
    ) -> None:
        try:
            client = await self._workspaces.client(channel.workspace)
        except NotInstalled as missing:
            raise PermanentDeliveryError(str(missing)) from missing
        await post_to_channel(client, channel.channel_id, message, delivery, self._timeout)


def joined_intro() -> Message:
    """Posted once the bot is added to a channel: what group mode would do there."""
    return Message(
        title="Hi, I'm Followup",
        body=(
            "I coach job seekers through the follow-up emails after each interview. In a channel "
            "like this one I can also run *group mode*, so a cohort can keep each other going:\n• "
            "`/followup share <id>` posts one milestone of yours here (say, “sent a value-add "
            "follow-up to Acme”) and puts your name on the board\n• `/followup board` posts this "
            "week's follow-up counts of the people who shared\n• `/followup digest monday 09:00` "
            "sets a weekly digest: totals for everyone, names only for those who shared\nA "
            "workspace admin or owner turns it on with `/followup channel on`."
        ),
        footer=(
            "Privacy: nothing about you is posted here unless you share it yourself, and my "
            "answers to your commands are only visible to you."
        ),
        private=False,
    )
