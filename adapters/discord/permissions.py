"""Discord permissions, translated for group channels.

Two facts come with every interaction, resolved by Discord for *that* channel (roles and
channel overwrites included): what the member may do (`interaction.permissions`) and what
the bot may do (`interaction.app_permissions`).

- `can_manage`: the member has Manage Channels there (or Administrator, which implies it).
  That is the core's `Place.can_manage`; the core decides what it allows.
- `missing_to_post`: what the bot lacks to post in the channel (View Channel, Send Messages
  or, in a thread, Send Messages in Threads, and Embed Links — every post is an embed).
  Group mode is only turned on when nothing is missing, so the intro, shared milestones,
  the board and digests can reach the channel; the refusal names what to grant.
"""

from __future__ import annotations

import discord

from bot.messages import Message, Tone

THREADS = (
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)


def can_manage(permissions: discord.Permissions) -> bool:
    return permissions.administrator or permissions.manage_channels


def in_thread(interaction: discord.Interaction) -> bool:
    return getattr(interaction.channel, "type", None) in THREADS


def missing_to_post(interaction: discord.Interaction) -> list[str]:
    """The bot's permissions this channel lacks for group posts, by their names in Discord's
    settings; empty when the bot can post here."""
    bot = interaction.app_permissions
    if bot.administrator:
        return []
    needed = [
        ("View Channel", bot.view_channel),
        ("Send Messages in Threads", bot.send_messages_in_threads)
        if in_thread(interaction)
        else ("Send Messages", bot.send_messages),
        ("Embed Links", bot.embed_links),
    ]
    return [name for name, granted in needed if not granted]


def cannot_post(missing: list[str]) -> Message:
    """The refusal to turn group mode on while the bot can't post in the channel."""
    names = " and ".join(f"“{name}”" for name in missing)
    return Message(
        title="I can't post in this channel yet, so group mode stays off.",
        body=(
            "Group mode posts an intro, shared milestones, the board and weekly digests here, "
            f"and I'm missing {names} in this channel. Someone who manages the server can grant "
            "them to Followup (Edit Channel → Permissions → add Followup, or its role), then run "
            "`/followup-group channel state:on` again. Nothing changed."
        ),
        tone=Tone.ERROR,
    )
