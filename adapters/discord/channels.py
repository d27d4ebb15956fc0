"""`/followup-group`: the group channel commands (group mode, the weekly digest, shares and the
board), installable to a server only.

They post in the server's channels, which needs the bot in that server: a server that added
Followup. Discord shows them only there (`allowed_installs` guild, `allowed_contexts` guild);
should one still arrive from elsewhere — a DM, or a server where only a member's personal
install is present — it is answered, privately, with where it works, and nothing runs.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import Interaction, app_commands
from discord.app_commands import Range

from adapters.discord import options as o
from adapters.discord.identity import guild_installed
from adapters.discord.respond import Responder
from adapters.discord.slash_commands import DAYS, ID_HELP, Commands, Id, about
from bot import commands as c
from bot.messages import Message, Tone

ONLY_IN_SERVERS = Message(
    title="Group channel commands work in a server that added Followup.",
    body="They post in the server's channels, so the server itself has to add the bot (a personal "
    "install works only for you). Your own commands — `/followup …` — work here as everywhere.",
    tone=Tone.ERROR,
)


class GroupChannelCommands(Commands):
    def __init__(self, responder: Responder) -> None:
        description = (
            "Group job-search channels: group mode, shares, the board and a weekly digest."
        )
        super().__init__(responder, name="followup-group", description=description, personal=False)

    ids = Commands.ids
    zones = Commands.zones

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.type is not discord.InteractionType.application_command or guild_installed(
            interaction
        ):
            return True
        await self.responder.reply(interaction, ONLY_IN_SERVERS, private=True)
        return False

    @app_commands.command(name="channel", description=about("channel"))
    @app_commands.describe(
        state="on: turn group mode on here; off: turn it off. Leave out to see the settings"
    )
    async def channel(
        self, interaction: Interaction, state: Literal["on", "off"] | None = None
    ) -> None:
        await self.responder.run(
            interaction, lambda: c.ChannelMode(None if state is None else state == "on")
        )

    @app_commands.command(name="digest", description=about("digest"))
    @app_commands.describe(
        weekday="The day to post it", time="Local time, e.g. 09:00",
        tz="Timezone (yours unless given; start typing a city)",
    )
    @app_commands.choices(weekday=DAYS)
    @app_commands.autocomplete(tz=zones)
    async def digest(
        self,
        interaction: Interaction,
        weekday: str,
        time: Range[str, 1, 10],
        tz: Range[str, 1, 64] | None = None,
    ) -> None:
        await self.responder.run(interaction, lambda: o.digest(weekday, time, tz))

    @app_commands.command(name="digest-off", description="Stop this channel's weekly digest.")
    async def digest_off(self, interaction: Interaction) -> None:
        await self.responder.run(interaction, c.StopDigest)

    @app_commands.command(name="share", description=about("share"))
    @app_commands.describe(id=ID_HELP)
    @app_commands.autocomplete(id=ids)
    async def share(self, interaction: Interaction, id: Id) -> None:
        await self.responder.run(interaction, lambda: c.Share(id))

    @app_commands.command(
        name="share-off",
        description="Stop being named in this channel (your work still counts in totals).",
    )
    async def share_off(self, interaction: Interaction) -> None:
        await self.responder.run(interaction, c.StopSharing)

    @app_commands.command(name="board", description=about("board"))
    async def board(self, interaction: Interaction) -> None:
        await self.responder.run(interaction, c.Board)
