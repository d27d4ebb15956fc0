"""`DiscordAdapter`: the Discord bot's lifecycle inside `followup run`.

Built by `adapters.bootstrap` with what it uses: the core's facade, the settings, the
`DiscordLink` its notifier and channel poster send through, the notifier's DM channels (their
ids stored when it stops), and where the command sync is remembered. `start()` points discord.py at
the configured endpoints, logs in (which runs `setup_hook`: persistent buttons, the command group, a
sync if the commands changed), opens the link with the new client and connects to the gateway as a
background task; `stop()` undoes all of it, and a later `start()` logs in again. Slack and the
dispatcher run beside it on the same event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from adapters.config import Config
from adapters.discord.client import IDENTIFY_INTERVAL, FollowupClient, ShardedFollowupClient
from adapters.discord.endpoints import Endpoints
from adapters.discord.link import DiscordLink
from adapters.discord.notifier import DirectChannels
from adapters.discord.respond import DEFER_AFTER, Responder
from adapters.discord.sync_state import CommandSyncState
from bot.service import Followup

log = logging.getLogger(__name__)
PLATFORM = "discord"


class DiscordAdapter:
    def __init__(
        self,
        followup: Followup,
        config: Config,
        *,
        link: DiscordLink,
        sync_state: CommandSyncState,
        channels: DirectChannels | None = None,
        sharded: bool = False,
        guild_ready_timeout: float = 2.0,
        identify_interval: float = IDENTIFY_INTERVAL,
        defer_after: float = DEFER_AFTER,
    ) -> None:
        """`sharded` runs `discord.AutoShardedClient` (Discord picks the shard count); the two
        timings are discord.py's (how long to wait for guilds before READY counts as ready, and
        the pause between IDENTIFYs of several shards) and only tests change them, like
        `defer_after` (how long the core may take before an interaction is deferred)."""
        self._followup = followup
        self._config = config
        self._link = link
        self._channels = channels
        self._sync_state = sync_state
        self._sharded = sharded
        self._guild_ready_timeout = guild_ready_timeout
        self._identify_interval = identify_interval
        self._defer_after = defer_after
        self.client: FollowupClient | None = None
        self._gateway: asyncio.Task[None] | None = None
        self._previous: Endpoints | None = None

    async def start(self) -> None:
        config = self._config
        if not config.discord_token:
            raise RuntimeError("DISCORD_TOKEN is not set: Discord can't start")
        self._previous = Endpoints.current()
        Endpoints.configured(config, self._previous).install()
        responder = Responder(self._followup, defer_after=self._defer_after)
        kind = ShardedFollowupClient if self._sharded else FollowupClient
        client = kind(
            responder,
            self._sync_state,
            guild_id=config.discord_guild_id,
            guild_ready_timeout=self._guild_ready_timeout,
            identify_interval=self._identify_interval,
            pace=self._link.pace,
        )
        self.client = client
        try:
            await client.login(config.discord_token)
        except BaseException:
            await self.stop()
            raise
        self._link.open(client)
        self._gateway = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        self._gateway.add_done_callback(_report_gateway_end)

    async def wait_until_ready(self) -> None:
        """Until the gateway said READY (and the guilds arrived); wrap it in a timeout."""
        if self.client is None:
            raise RuntimeError("the Discord adapter is not started")
        await self.client.ready_event.wait()

    async def stop(self) -> None:
        self._link.close()
        if self._channels is not None:
            await self._channels.flush()  # the DM ids found while running, stored before we go
        if self.client is not None:
            await self.client.close()
            await asyncio.sleep(0)  # let discord.py's close events run before the loop moves on
        if self._gateway is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._gateway, 5.0)
            self._gateway = None
        if self._previous is not None:
            self._previous.install()
            self._previous = None


def _report_gateway_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("the Discord gateway connection ended with an error", exc_info=error)
