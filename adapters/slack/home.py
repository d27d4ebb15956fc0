"""The App Home tab: the user's pipeline (due and upcoming follow-ups with their buttons,
active applications, settings), published with `views.publish`.

`home_view` renders the core's `Followup.home` message (a welcome, storing nothing, for someone
the bot doesn't know, including right after `forget-me`).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    PlainTextObject,
)
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import render
from bot.domain import Identity
from bot.messages import Message
from bot.service import Followup

log = logging.getLogger(__name__)

OPEN_ADD_FORM = "followup:add-form"  # the Home tab's "Log an interview" button
SURFACE_BLOCKS = 100


def _toolbar() -> list[Block]:
    add = ButtonElement(
        text=PlainTextObject(text="Log an interview", emoji=True),
        action_id=OPEN_ADD_FORM,
        value="add",
        style="primary",
    )
    return [ActionsBlock(block_id="fu-home-toolbar", elements=[add]), DividerBlock()]


def home_view(pipeline: Message) -> View:
    blocks = _toolbar() + render(pipeline, max_blocks=SURFACE_BLOCKS - 2)
    return View(type="home", callback_id="followup-home", blocks=blocks)


class HomeTab:
    def __init__(self, followup: Followup) -> None:
        self._followup = followup

    async def publish(self, client: AsyncWebClient, who: Identity) -> None:
        view = home_view(await self._followup.home(who))
        try:
            await client.views_publish(user_id=who.user_id, view=view)
        except (SlackApiError, SlackClientError, OSError) as problem:
            log.warning("views.publish failed for %s: %s", who.user_id, problem)

    async def after(self, client: AsyncWebClient, who: Identity, reply: Message) -> None:
        """Refresh the Home tab when the reply says the user's data changed."""
        if reply.changed and not reply.is_error:
            await self.publish(client, who)
