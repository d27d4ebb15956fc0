"""Calendar invitations in Discord: `/followup import file:<the .ics>`.

The attachment is checked against the size the core accepts before it is fetched (Discord
says its size), then read through discord.py (`Attachment.read`). The core's answer is a
proposal; it is shown with buttons held by this process, as the add form's "Edit and try
again" is: "Yes, log it" runs the proposed command, "Edit first" opens the form filled in
from the invitation — the add form for a new application, the round form for a further round
of one already logged (same company) — and "Cancel" logs nothing. When the company or role
couldn't be found, only the pre-filled form is offered. Nothing is stored before a press.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import discord

from adapters.discord.form import AddValues, RoundValues
from adapters.discord.render import render
from bot import commands as c
from bot.content import word
from bot.invitation import MAX_BYTES, oversized
from bot.messages import Message, Proposal, Tone
from bot.service import NOT_YOURS
from bot.views import error

Run = Callable[[discord.Interaction, c.Command], Awaitable[None]]
Edit = Callable[[discord.Interaction, c.Add | c.LogRound], Awaitable[None]]
EDITABLE = (c.Add, c.LogRound)
CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})


def is_calendar(file: discord.Attachment) -> bool:
    kind = (file.content_type or "").split(";")[0].strip().lower()
    return kind in CALENDAR_TYPES or file.filename.lower().endswith(".ics")


def refusal(file: discord.Attachment) -> Message | None:
    """Why this attachment won't be read, or None."""
    if not is_calendar(file):
        return Message(
            title="That isn't a calendar file.",
            body="Attach the invitation's .ics file (your calendar's “Download” or “Export”).",
            tone=Tone.ERROR,
        )
    if file.size > MAX_BYTES:
        return error(oversized(file.size))
    return None


def _people(command: c.Add | c.LogRound) -> str:
    return "; ".join(f"{p.name}, {p.title}" if p.title else p.name for p in command.interviewers)


def add_values(command: c.Add) -> AddValues:
    return AddValues(command.company, command.role, command.when, _people(command))


def round_values(command: c.LogRound) -> RoundValues:
    return RoundValues(command.number, command.when, command.kind.value, _people(command))


def shown(message: Message) -> Message:
    """The proposal without the core's own confirm buttons (this view replaces them)."""
    return replace(message, actions=())


class ProposalView(discord.ui.View):
    """The proposal's buttons, for the person whose invitation it is: anyone else's press is
    refused privately and runs nothing (it would log their invitation as the presser's)."""

    def __init__(self, proposal: Proposal, run: Run, edit: Edit, owner: int) -> None:
        super().__init__(timeout=1800)
        self._proposal = proposal
        self._owner = owner
        self._run = run
        self._edit = edit
        if not proposal.complete:
            self.remove_item(self.confirm)
        if not isinstance(proposal.command, EDITABLE):
            self.remove_item(self.edit)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self._owner:
            return True
        await interaction.response.send_message(embed=render(NOT_YOURS).embed, ephemeral=True)
        return False

    @discord.ui.button(label="Yes, log it", style=discord.ButtonStyle.primary)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        await self._run(interaction, self._proposal.command)

    @discord.ui.button(
        label=word("interview_form", "edit-first"), style=discord.ButtonStyle.secondary
    )
    async def edit(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        command = self._proposal.command
        assert isinstance(command, EDITABLE)
        await self._edit(interaction, command)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(
            content="Nothing was logged.", embed=None, view=None
        )
