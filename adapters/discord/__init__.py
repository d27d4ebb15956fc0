"""Followup on Discord (discord.py 2.x): the `/followup` command group, DM nudges with
persistent buttons, the `add` form, autocomplete of the user's own applications, and posts
for group channels.

`DiscordAdapter` is the entry point, built by `adapters.bootstrap`; the rest are small
modules: `client` (login, `setup_hook`, command sync), `group` (the subcommands), `respond`
(interactions ↔ core), `render` (embeds and buttons), `buttons`, `form`, `notifier` (DMs),
`poster` (channel posts), `link` (the client those two send through), `permissions`,
`identity`, `endpoints`, `sync_state`.
"""

from adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
