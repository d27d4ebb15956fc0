"""Who is speaking and where, as the core understands it.

Every Discord user gets one `Identity` with `workspace="discord"`, whatever server or DM they
type in. Discord user ids are global, so one person has one set of applications, settings and
nudges on Discord: an interview logged in one server shows up in DMs and in every other server
the bot shares with them. (Keying on the guild would split a person's data per server and
leave DMs, which have no guild, in a bucket of their own.) Channel ids are global too, so a
group channel is `("discord", "discord", channel id)` to the core.
"""

from __future__ import annotations

import discord

from adapters.discord.permissions import can_manage
from bot.domain import Identity, Place

PLATFORM = "discord"
WORKSPACE = "discord"


def identity_of(user: discord.abc.User, locale: discord.Locale | None = None) -> Identity:
    """The core's identity for a Discord user. Discord gives no timezone, so there is no hint:
    the core uses UTC and says so until the user sets one. The interaction's `locale` (the
    user's client language, "en-GB") tells the core how they write dates."""
    name = user.global_name or user.name
    return Identity(
        platform=PLATFORM,
        workspace=WORKSPACE,
        user_id=str(user.id),
        display_name=name,
        locale=locale.value if locale else None,
    )


def in_guild(interaction: discord.Interaction) -> bool:
    return interaction.guild_id is not None


def in_bot_dm(interaction: discord.Interaction) -> bool:
    """The person's own DM with the bot: the one place where replies need not be private.
    Through a user install the commands also work in other DMs and group DMs (Discord's
    "private channel" context), where everyone in the conversation would see a public reply."""
    return interaction.guild_id is None and not interaction.context.private_channel


def private_reply(interaction: discord.Interaction) -> bool:
    """Whether replies here are ephemeral: everywhere but the bot's DM."""
    return not in_bot_dm(interaction)


def guild_installed(interaction: discord.Interaction) -> bool:
    """Whether the server itself added the bot (group channels need its bot in the server), as
    opposed to a member using their personal (user) install there."""
    return interaction.guild_id is not None and interaction.is_guild_integration()


def place_of(interaction: discord.Interaction) -> Place:
    """Where the interaction happened. In a server channel, `can_manage` is the member's
    Manage Channels permission *in that channel*, as Discord resolved it for this interaction."""
    channel = str(interaction.channel_id) if interaction.channel_id is not None else None
    guild = in_guild(interaction)
    return Place(
        channel_id=channel,
        is_direct=in_bot_dm(interaction),
        can_manage=guild and can_manage(interaction.permissions),
    )
