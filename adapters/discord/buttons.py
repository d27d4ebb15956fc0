"""The buttons: every core action as a persistent `DynamicItem`.

A button's `custom_id` is the core's action id (`fu:<verb>:<ref>[:<task>]`, at most 100), so
the state lives in Discord's message, not in this process: the client registers the class in
`setup_hook` and a press on a week-old DM works after any number of restarts. The press is
handed to whatever the client exposes as `responder` (the core checks the presser owns it).

A button that destroys something (the core's `Action.confirm`) first answers with a private
question whose two buttons are persistent too: `fuy:<action>` presses the action for real,
`fun:<action>` leaves it unpressed. They carry the action itself, so no state is held here and
an unanswered question still works after a restart.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

import discord

from bot.actions import PATTERN as ACTION_PATTERN
from bot.messages import Confirm

TEMPLATE = re.compile(ACTION_PATTERN)
YES, NO = "fuy:", "fun:"
_ACTION = ACTION_PATTERN.removeprefix("fu:")
YES_TEMPLATE = re.compile(f"{YES}{_ACTION}")
NO_TEMPLATE = re.compile(f"{NO}{_ACTION}")

STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


@runtime_checkable
class PressHandler(Protocol):
    async def press(self, interaction: discord.Interaction, action_id: str, *, confirmed: bool = False) -> None: ...

    async def decline(self, interaction: discord.Interaction, action_id: str) -> None: ...


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


def answer_ids(action_id: str) -> tuple[str, str]:
    """The custom ids of the yes and no buttons that confirm `action_id` (`fu:…`)."""
    rest = action_id.removeprefix("fu:")
    return f"{YES}{rest}", f"{NO}{rest}"


class ConfirmButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=YES_TEMPLATE):
    """"Yes" to a destructive button's question: presses the action it carries."""

    def __init__(self, custom_id: str, label: str = "Yes") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.danger, custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConfirmButton:
        return cls(match.string, getattr(item, "label", None) or "Yes")

    async def callback(self, interaction: discord.Interaction) -> None:
        await handler_of(interaction.client).press(interaction, "fu:" + self.custom_id.removeprefix(YES), confirmed=True)


class DenyButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NO_TEMPLATE):
    """"No" to a destructive button's question: nothing is pressed."""

    def __init__(self, custom_id: str, label: str = "No") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.secondary, custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DenyButton:
        return cls(match.string, getattr(item, "label", None) or "No")

    async def callback(self, interaction: discord.Interaction) -> None:
        await handler_of(interaction.client).decline(interaction, "fu:" + self.custom_id.removeprefix(NO))


def confirm_view(action_id: str, confirm: Confirm) -> discord.ui.View:
    """The private yes-or-no asked before `action_id` is pressed."""
    yes, no = answer_ids(action_id)
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(yes, confirm.confirm))
    view.add_item(DenyButton(no, confirm.deny))
    return view
