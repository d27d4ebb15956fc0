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
ANSWER_TEMPLATE = re.compile(f"fu[yn]:{_ACTION}")

STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


@runtime_checkable
class PressHandler(Protocol):
    async def press(
        self, interaction: discord.Interaction, action_id: str, *, confirmed: bool = False
    ) -> None: ...

    async def decline(self, interaction: discord.Interaction, action_id: str) -> None: ...


def handler_of(client: discord.Client) -> PressHandler:
    handler = getattr(client, "responder", None)
    if not isinstance(handler, PressHandler):
        raise RuntimeError("the Discord client has no responder for button presses")
    return handler


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    def __init__(
        self,
        action_id: str,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
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


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_TEMPLATE):
    """An answer to a destructive button's question: "yes" (`fuy:`) presses the action it
    carries, "no" (`fun:`) leaves it unpressed."""

    def __init__(self, custom_id: str, label: str = "Yes") -> None:
        style = (
            discord.ButtonStyle.danger
            if custom_id.startswith(YES)
            else discord.ButtonStyle.secondary
        )
        super().__init__(discord.ui.Button(label=label[:80], style=style, custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(match.string, getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction) -> None:
        handler = handler_of(interaction.client)
        action_id = "fu:" + self.custom_id[len(YES):]
        if self.custom_id.startswith(YES):
            await handler.press(interaction, action_id, confirmed=True)
        else:
            await handler.decline(interaction, action_id)


def confirm_view(action_id: str, confirm: Confirm) -> discord.ui.View:
    """The private yes-or-no asked before `action_id` is pressed."""
    yes, no = answer_ids(action_id)
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton(yes, confirm.confirm))
    view.add_item(AnswerButton(no, confirm.deny))
    return view
