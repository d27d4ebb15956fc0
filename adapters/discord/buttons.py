"""The buttons: every core action as a persistent `DynamicItem`.

A button's `custom_id` is the core's action id (`fu:<verb>:<ref>[:<task>]`, at most 100), so
the state lives in Discord's message, not in this process: the client registers the class in
`setup_hook` and a press on a week-old DM works after any number of restarts. The press is
handed to whatever the client exposes as `responder` (the core checks the presser owns it).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

import discord

from bot.actions import PATTERN as ACTION_PATTERN

TEMPLATE = re.compile(ACTION_PATTERN)

STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


@runtime_checkable
class PressHandler(Protocol):
    async def press(self, interaction: discord.Interaction, action_id: str) -> None: ...


def handler_of(client: discord.Client) -> PressHandler:
    handler = getattr(client, "responder", None)
    if not isinstance(handler, PressHandler):
        raise RuntimeError("the Discord client has no responder for button presses")
    return handler


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    def __init__(self, action_id: str, label: str = "…", style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=style, custom_id=action_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        label = getattr(item, "label", None) or "…"
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(match.string, label, style)

    async def callback(self, interaction: discord.Interaction) -> None:
        await handler_of(interaction.client).press(interaction, self.custom_id)


def button_for(action_id: str, label: str, style: str | None) -> ActionButton:
    return ActionButton(action_id, label, STYLES.get(style or "", discord.ButtonStyle.secondary))
