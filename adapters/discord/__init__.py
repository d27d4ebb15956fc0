"""Followup on Discord (discord.py 2.x): the `/followup` command group, DM nudges with
persistent buttons, the `add` form, autocomplete of the user's own applications, and posts
for group channels.

`DiscordAdapter(runtime)` is the entry point; the rest are small modules: `client` (login,
`setup_hook`, command sync), `group` (the subcommands), `respond` (interactions ↔ core),
`render` (embeds and buttons), `buttons`, `form`, `notifier` (DMs), `poster` (channel
posts), `permissions`, `identity`, `endpoints`, `sync_state`.
"""

from adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
