"""`DiscordAdapter`: the Discord bot's lifecycle inside `followup run`.

`start()` points discord.py at the configured endpoints, logs in (which runs `setup_hook`:
persistent buttons, the command group, a sync if the commands changed), registers the DM
notifier and the group-channel poster with the runtime and connects to the gateway as a
background task; `stop()` undoes all of it. Slack and the dispatcher run beside it on the
same event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from adapters.bootstrap import Runtime
from adapters.discord.client import IDENTIFY_INTERVAL, FollowupClient, ShardedFollowupClient
from adapters.discord.endpoints import Endpoints
from adapters.discord.notifier import DiscordNotifier
from adapters.discord.poster import DiscordChannelPoster
from adapters.discord.respond import Responder
from adapters.discord.sync_state import CommandSyncState

log = logging.getLogger(__name__)
PLATFORM = "discord"


class DiscordAdapter:
    def __init__(
        self,
        runtime: Runtime,
        *,
        sharded: bool = False,
        guild_ready_timeout: float = 2.0,
        identify_interval: float = IDENTIFY_INTERVAL,
    ) -> None:
        """`sharded` runs `discord.AutoShardedClient` (Discord picks the shard count); the two
        timings are discord.py's (how long to wait for guilds before READY counts as ready, and
        the pause between IDENTIFYs of several shards) and only tests change them."""
        self._runtime = runtime
        self._sharded = sharded
        self._guild_ready_timeout = guild_ready_timeout
        self._identify_interval = identify_interval
        self.client: FollowupClient | None = None
        self._gateway: asyncio.Task[None] | None = None
        self._notifier: DiscordNotifier | None = None
        self._poster: DiscordChannelPoster | None = None
        self._previous: Endpoints | None = None

    async def start(self) -> None:
        config = self._runtime.config
        if not config.discord_token:
            raise RuntimeError("DISCORD_TOKEN is not set: Discord can't start")
        self._previous = Endpoints.current()
        Endpoints.configured(config, self._previous).install()
        responder = Responder(self._runtime.followup)
        kind = ShardedFollowupClient if self._sharded else FollowupClient
        client = kind(
            responder,
            CommandSyncState(self._runtime.database.engine),
            guild_id=config.discord_guild_id,
            guild_ready_timeout=self._guild_ready_timeout,
            identify_interval=self._identify_interval,
        )
        self.client = client
        try:
            await client.login(config.discord_token)
        except BaseException:
            await self.stop()
            raise
        self._notifier = DiscordNotifier(client, timeout=config.send_timeout)
        self._runtime.register_notifier(PLATFORM, self._notifier)
        self._poster = DiscordChannelPoster(client, timeout=config.send_timeout)
        self._runtime.register_poster(PLATFORM, self._poster)
        self._gateway = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        self._gateway.add_done_callback(_report_gateway_end)

    async def wait_until_ready(self) -> None:
        """Until the gateway said READY (and the guilds arrived); wrap it in a timeout."""
        if self.client is None:
            raise RuntimeError("the Discord adapter is not started")
        await self.client.ready_event.wait()

    async def stop(self) -> None:
        if self._notifier is not None and self._runtime.notifiers.get(PLATFORM) is self._notifier:
            del self._runtime.notifiers[PLATFORM]
        self._notifier = None
        if self._poster is not None and self._runtime.posters.get(PLATFORM) is self._poster:
            del self._runtime.posters[PLATFORM]
        self._poster = None
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
