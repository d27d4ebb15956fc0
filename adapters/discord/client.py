"""The discord.py client: persistent buttons and the `/followup` group, set up once per login.

`setup_hook` registers the button classes (so presses on old messages keep working after a
restart) and adds the two command groups (`/followup`, installable to servers and to people;
`/followup-group`, to servers only), then syncs it to `DISCORD_GUILD_ID` (instant, for
development) or globally — only when the payload's hash differs from the last synced one.
When the bot is removed from a server, that server's group channels and digests are dropped.

Everything here works the same on `discord.AutoShardedClient` (`ShardedFollowupClient`):
nothing reads `client.ws` or assumes shard 0; interactions and DMs are shard-independent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from adapters.discord.buttons import ActionButton, AnswerButton
from adapters.discord.channels import GroupChannelCommands
from adapters.discord.respond import Responder
from adapters.discord.slash_commands import FollowupGroup
from adapters.discord.sync_state import CommandSyncState, digest, scope
from adapters.discord.validate import problem_with, refusal

log = logging.getLogger(__name__)
MAX_RATELIMIT_WAIT = 30.0  # longer 429s surface as errors (a nudge is retried later instead)
IDENTIFY_INTERVAL = 5.0  # Discord allows one IDENTIFY per 5 s (max_concurrency 1)
BUCKETS_SWEPT_FROM = 256  # discord.py's own threshold for dropping idle rate-limit buckets
UNPACED = ("/interactions/", "/webhooks/")  # interaction endpoints: not under the global limit


def intents() -> discord.Intents:
    """`guilds` (discord.py wants the guild cache to keep its state consistent) and
    `dm_messages` (a calendar invitation attached to a message in the bot's DM is read; a
    DM's attachments need no privileged intent). Slash commands, buttons, modals and the DMs
    we send need none. No privileged intent (members, presences, message content) is ever
    asked for."""
    return discord.Intents(guilds=True, dm_messages=True)


class FollowupTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """A malformed slash command (wrong option types, unknown subcommand, …) is refused
        before it runs; autocomplete requests carry partial text and are not checked."""
        if interaction.type is not discord.InteractionType.application_command:
            return True
        problem = problem_with(self, interaction)
        if problem is None:
            return True
        log.warning("refused a malformed Discord command: %s", problem)
        responder = getattr(interaction.client, "responder", None)
        if isinstance(responder, Responder):
            try:
                await responder.reply(interaction, refusal(problem), private=True)
            except discord.HTTPException:
                log.warning("could not answer a malformed command")
        return False

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            return  # refused by a check, which answered (a group channel command outside a server)
        log.error("command failed", exc_info=error)
        responder = getattr(interaction.client, "responder", None)
        if (
            isinstance(responder, Responder)
            and interaction.type is discord.InteractionType.application_command
        ):
            await responder.fail(interaction)


class FollowupClient(discord.Client):
    def __init__(
        self,
        responder: Responder,
        sync_state: CommandSyncState,
        *,
        guild_id: int | None = None,
        identify_interval: float = IDENTIFY_INTERVAL,
        pace: Callable[[], Awaitable[None]] | None = None,
        **options: Any,
    ) -> None:
        """`pace` (the global pacer) is awaited before each of discord.py's own requests that
        counts towards Discord's global limit, as it is before the queued sends'."""
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
        # Not a public API, on purpose: discord.py offers no hook around event parsing (`on_error`
        # covers event handlers, not parsers; `on_socket_raw_receive` sees an event but can't stop
        # it), and `DiscordWebSocket.received_message` calls `ConnectionState.parsers[event]`
        # unguarded, so wrapping that dict (which the websocket reads)
        # is the only place to catch it.
        _drop_malformed_events(self._connection.parsers)
        _sweep_buckets_when_doubled(self.http)
        if pace is not None:
            _pace_requests(self.http, pace)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton, AnswerButton)
        self.tree.add_command(FollowupGroup(self.responder), guild=self._guild)
        self.tree.add_command(GroupChannelCommands(self.responder), guild=self._guild)
        self.synced = await self.sync_commands()

    async def sync_commands(self) -> bool:
        """Sync the command set if it changed since the last sync; True if it synced."""
        payload = [
            command.to_dict(self.tree) for command in self.tree.get_commands(guild=self._guild)
        ]
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

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.responder.left_server(guild)

    async def on_message(self, message: discord.Message) -> None:
        """Only a person's message in the bot's DM with a calendar file attached is read."""
        if message.guild is not None or message.author.bot or not message.attachments:
            return
        try:
            await self.responder.import_attachment(message)
        except Exception:
            log.exception("reading an attached invitation failed")

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s", self.user)
        self.ready_event.set()


def _drop_malformed_events(parsers: dict[str, Callable[[Any], None]]) -> None:
    """discord.py parses gateway events inside its connection loop, so one malformed event
    (an INTERACTION_CREATE without a token, a button whose custom_id is a number) would raise
    out of `Client.connect` and end the connection for good. Each parser is wrapped so that
    such an event is logged (the event's name, never its data) and dropped instead."""

    def tolerant(event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
        def parse_or_drop(data: Any) -> None:
            try:
                parse(data)
            except Exception:
                log.exception("dropped a malformed %s event from the Discord gateway", event)

        return parse_or_drop

    for event, parse in list(parsers.items()):
        parsers[event] = tolerant(event, parse)


def _sweep_buckets_when_doubled(http: discord.http.HTTPClient) -> None:
    """discord.py keeps a rate-limit bucket per route and channel, so one per person's DM, and
    each time it makes a new one while it holds 256 or more it looks at every bucket for idle
    ones to drop (`HTTPClient._try_clear_expired_ratelimits`): nudging 10,000 people for the
    first time costs a look at all of them per person, about a millisecond each — more than
    the rest of the nudge. The same look is made only once the buckets have doubled since the
    last one: idle buckets are still dropped, at a constant cost per bucket.

    Not a public API, on purpose: discord.py has no setting for it, and the method is the one
    place it happens (called from `get_ratelimit` alone)."""
    sweep = http._try_clear_expired_ratelimits
    due_at = BUCKETS_SWEPT_FROM

    def sweep_when_doubled() -> None:
        nonlocal due_at
        if len(http._buckets) >= due_at:
            sweep()
            due_at = max(BUCKETS_SWEPT_FROM, 2 * len(http._buckets))

    setattr(http, "_try_clear_expired_ratelimits", sweep_when_doubled)  # noqa: B010 (a method, replaced)


def _pace_requests(http: discord.http.HTTPClient, pace: Callable[[], Awaitable[None]]) -> None:
    """Each of discord.py's requests waits for `pace` first, but those to interaction endpoints
    (answers, their follow-ups and edits), which Discord doesn't count towards the global limit.
    The wrapped `HTTPClient.request` is the one place every REST call of discord.py goes
    through (its own retries of a 429 or a 5xx happen inside it: they are not paced again)."""
    request = http.request

    async def paced(route: discord.http.Route, **kwargs: Any) -> Any:
        if not route.path.startswith(UNPACED):
            await pace()
        return await request(route, **kwargs)

    setattr(http, "request", paced)  # noqa: B010 (a method, replaced)


class ShardedFollowupClient(FollowupClient, discord.AutoShardedClient):
    """The same client on `AutoShardedClient`: Discord decides the shard count."""
