"""The discord.py client: persistent buttons and the `/followup` group, set up once per login.

`setup_hook` registers the button class (so presses on old messages keep working after a
restart) and adds the command group, then syncs it to `DISCORD_GUILD_ID` (instant, for
development) or globally — only when the payload's hash differs from the last synced one.

Everything here works the same on `discord.AutoShardedClient` (`ShardedFollowupClient`):
nothing reads `client.ws` or assumes shard 0; interactions and DMs are shard-independent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord.buttons import ActionButton
from adapters.discord.group import FollowupGroup
from adapters.discord.respond import Responder
from adapters.discord.sync_state import CommandSyncState, digest, scope

log = logging.getLogger(__name__)
MAX_RATELIMIT_WAIT = 30.0  # longer 429s surface as errors (a nudge is retried later instead)
IDENTIFY_INTERVAL = 5.0  # Discord allows one IDENTIFY per 5 s (max_concurrency 1)


def intents() -> discord.Intents:
    """Only `guilds`: slash commands, buttons, modals and the DMs we send need no intent, and
    discord.py wants the guild cache to keep its state consistent. No privileged intent
    (members, presences, message content) is ever asked for."""
    return discord.Intents(guilds=True)


class FollowupTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("command failed", exc_info=error)
        responder = getattr(interaction.client, "responder", None)
        if isinstance(responder, Responder) and interaction.type is discord.InteractionType.application_command:
            await responder.fail(interaction)


class FollowupClient(discord.Client):
    def __init__(
        self,
        responder: Responder,
        sync_state: CommandSyncState,
        *,
        guild_id: int | None = None,
        identify_interval: float = IDENTIFY_INTERVAL,
        **options: Any,
    ) -> None:
        super().__init__(
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            **options,
        )
        self.responder = responder
        self.tree = FollowupTree(self)
        self.ready_event = asyncio.Event()
        self.synced: bool | None = None  # after setup: whether this login had to sync
        self._sync_state = sync_state
        self._guild = discord.Object(id=guild_id) if guild_id else None
        self._identify_interval = identify_interval

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton)
        self.tree.add_command(FollowupGroup(self.responder), guild=self._guild)
        self.synced = await self.sync_commands()

    async def sync_commands(self) -> bool:
        """Sync the command set if it changed since the last sync; True if it synced."""
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=self._guild)]
        key = scope(self.application_id, self._guild.id if self._guild else None)
        wanted = digest(payload)
        if await self._sync_state.last(key) == wanted:
            log.info("Discord commands unchanged since the last sync (%s)", key)
            return False
        await self.tree.sync(guild=self._guild)
        await self._sync_state.record(key, wanted)
        log.info("Discord commands synced (%s)", key)
        return True

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Pace IDENTIFYs of further shards and reconnects (discord.py's default, made tunable)."""
        if not initial and self._identify_interval > 0:
            await asyncio.sleep(self._identify_interval)

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s", self.user)
        self.ready_event.set()


class ShardedFollowupClient(FollowupClient, discord.AutoShardedClient):
    """The same client on `AutoShardedClient`: Discord decides the shard count."""
