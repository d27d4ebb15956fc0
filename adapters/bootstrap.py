"""The composition root: the one place that builds the whole graph, from the configuration and
the chosen platforms.

`bootstrap` migrates the database, then builds, in this order:

1. each chosen platform's outlet (`adapters.outlets.Outlet`, `_wire_platform`): its notifier
   (direct messages) and its channel poster (group channel posts), which send through a link
   the platform's adapter opens when it starts and closes when it stops; `_wire_outlets` puts
   them in front of the core;
2. the core (`_wire_core`): the `Followup` facade (given the posters), the nudge dispatcher
   (the notifiers), the digest dispatcher (the posters), their scheduler, and the events wired
   after commit (a schedule change wakes the dispatcher, a digest change rebuilds the digest
   jobs); then the HTTP routes (`/healthz`, calendar subscriptions when there is a public
   address) and the health check;
3. each platform's adapter (`_wire_adapters`), handed exactly what it uses (the facade, the
   settings, its link, its stores).

Nothing is registered afterwards. The core sees a platform's notifier and poster only while
its adapter is started (`outlets.Available`), so nothing is claimed for a platform that is down.

Tests build the same graph through the same function: with a simulated clock, the real
adapters against the fake Slack and Discord (`platforms=[SlackPlatform(...)]`), or `outlets`
standing for a platform (a recording notifier and poster under the name "console").
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from aiohttp import web

from adapters.calendar_feed import CalendarFeed
from adapters.config import Config
from adapters.digests import DigestJobs
from adapters.health import HealthCheck
from adapters.outlets import Available, Outlet
from adapters.scheduler import DispatchScheduler
from bot.clock import Clock, SystemClock
from bot.dates import warm_up
from bot.digests import DigestDispatcher
from bot.dispatcher import Dispatcher
from bot.events import ScheduleChanged
from bot.ports import ChannelPoster, Notifier
from bot.service import Followup
from storage.database import Database
from storage.direct_channels import DirectChannelStore
from storage.migrate import upgrade_database


class PlatformAdapter(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class SlackPlatform:
    """Run Slack, connected as the settings say. `host` is where its HTTP server listens;
    `sleep` is how its Web API retries pause (tests record the pauses instead)."""

    host: str = "0.0.0.0"
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    name: str = "slack"


@dataclass(frozen=True)
class DiscordPlatform:
    """Run Discord. `sharded` runs discord.py's auto-sharded client; the two timings are
    discord.py's (how long guilds are awaited before READY counts, the pause between
    IDENTIFYs; None: the adapter's own) and only tests change them."""

    sharded: bool = False
    guild_ready_timeout: float | None = None
    identify_interval: float | None = None
    # How long the core may take before an interaction is deferred (None: the adapter's own).
    defer_after: float | None = None
    name: str = "discord"


Platform = SlackPlatform | DiscordPlatform


def platforms_from(config: Config) -> list[Platform]:
    """The platforms the settings turn on (`followup run`)."""
    chosen: list[Platform] = []
    if config.slack_enabled:
        chosen.append(SlackPlatform(host=config.http_host))
    if config.discord_enabled:
        chosen.append(DiscordPlatform(sharded=config.discord_sharded))
    return chosen


@dataclass
class Runtime:
    """The graph `bootstrap` built; `close()` releases it."""

    config: Config
    clock: Clock
    database: Database
    followup: Followup
    dispatcher: Dispatcher
    scheduler: DispatchScheduler
    digests: DigestDispatcher
    digest_jobs: DigestJobs
    health: HealthCheck
    # Served besides the platforms' own endpoints: /healthz, and calendar subscriptions.
    routes: list[web.RouteDef]
    # Every platform's DM channel ids, kept per person (writes gathered; `flush` waits for them).
    direct_channels: DirectChannelStore
    # By platform name, in the order they start.
    adapters: dict[str, PlatformAdapter] = field(default_factory=dict)
    # What the core sees now: the notifiers and posters of the platforms that are up.
    notifiers: Mapping[str, Notifier] = field(default_factory=dict)
    posters: Mapping[str, ChannelPoster] = field(default_factory=dict)

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.digest_jobs.stop()
        await self.direct_channels.flush()
        await self.database.dispose()


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def bootstrap(
    config: Config,
    *,
    platforms: Sequence[Platform] = (),
    outlets: Mapping[str, Outlet] | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    worker_id: str | None = None,
    audience: Callable[[], Collection[str]] | None = None,
    local_files: Callable[[str], bytes] | None = None,
    facade: Callable[[Followup], Followup] | None = None,
) -> Runtime:
    """The whole bot. `outlets`: platforms without an adapter here (the console's output,
    tests' recording fakes). `audience`: whose nudges this process delivers (external ids;
    None: everyone). `local_files`: how `import <path>` reads a file on this machine (the
    console only). `facade`: what the platform adapters are handed in place of the facade,
    given it (tests: one that records, holds back or fails the calls)."""
    if migrate:
        await upgrade_database(config.database_url)
    warm_up()
    clock = clock or SystemClock()
    database = Database.from_url(config.database_url)
    direct_channels = DirectChannelStore(database)
    wiring = {
        platform.name: _wire_platform(platform, config, database, direct_channels)
        for platform in platforms
    }
    notifiers, posters = _wire_outlets(wiring, outlets or {})
    core = _wire_core(
        config, clock, database, direct_channels, notifiers, posters,
        worker_id=worker_id, audience=audience, local_files=local_files,
    )
    front = facade(core.followup) if facade is not None else core.followup
    return dataclasses.replace(core, adapters=_wire_adapters(wiring, front, clock, core))


def _wire_outlets(
    wiring: Mapping[str, _Wiring], outlets: Mapping[str, Outlet]
) -> tuple[Available[Notifier], Available[ChannelPoster]]:
    """What the core sees of the platforms: the notifiers and posters of every outlet (the
    platforms' and those given without an adapter), each only while its platform is up."""
    every = {**outlets, **{name: w.outlet for name, w in wiring.items()}}
    notifiers = Available({name: o.notifier for name, o in every.items()}, every)
    posters = Available({name: o.poster for name, o in every.items()}, every)
    return notifiers, posters


def _wire_core(
    config: Config,
    clock: Clock,
    database: Database,
    direct_channels: DirectChannelStore,
    notifiers: Mapping[str, Notifier],
    posters: Mapping[str, ChannelPoster],
    *,
    worker_id: str | None,
    audience: Callable[[], Collection[str]] | None,
    local_files: Callable[[str], bytes] | None,
) -> Runtime:
    """The core over the platforms' outlets, with no adapter yet: the facade, the nudge and
    digest dispatchers and their scheduler, the events wired after commit (a schedule change
    wakes the dispatcher, a digest change rebuilds the digest jobs), the health check and the
    HTTP routes."""
    worker = worker_id or default_worker_id()
    lease = timedelta(seconds=config.delivery_lease)
    dispatcher = Dispatcher(
        database.unit_of_work, clock, notifiers, worker_id=worker, lease=lease, audience=audience
    )
    digests = DigestDispatcher(database.unit_of_work, clock, posters, worker_id=worker, lease=lease)
    scheduler = DispatchScheduler(dispatcher, config.dispatch_interval, clock)
    digest_jobs = DigestJobs(scheduler.scheduler, digests, database.unit_of_work)
    followup = Followup(
        database.unit_of_work, clock, posters, public_url=config.public_url, local_files=local_files
    )
    followup.events.subscribe(ScheduleChanged.NUDGES, scheduler.wake)
    followup.events.subscribe(ScheduleChanged.DIGESTS, digest_jobs.request_rebuild)
    digest_jobs.start_with_scheduler()

    stale_after = timedelta(seconds=max(config.health_stale_after, 3 * config.dispatch_interval))
    health = HealthCheck(database, scheduler, stale_after=stale_after)
    routes = health.routes() + (CalendarFeed(followup).routes() if config.public_url else [])
    return Runtime(
        config=config,
        clock=clock,
        database=database,
        followup=followup,
        dispatcher=dispatcher,
        scheduler=scheduler,
        digests=digests,
        digest_jobs=digest_jobs,
        health=health,
        routes=routes,
        direct_channels=direct_channels,
        notifiers=notifiers,
        posters=posters,
    )


def _wire_adapters(
    wiring: Mapping[str, _Wiring], front: Followup, clock: Clock, core: Runtime
) -> dict[str, PlatformAdapter]:
    """Each platform's adapter over the facade (or what stands for it) and the core's routes."""
    adapters = {name: w.adapter(front, clock, core.routes) for name, w in wiring.items()}
    # The check reports on the adapters, and one of them (Slack over HTTP) serves it: it is
    # handed them here, before anything starts.
    core.health.platforms = list(adapters.values())
    return adapters


AdapterMaker = Callable[[Followup, Clock, list[web.RouteDef]], PlatformAdapter]


@dataclass(frozen=True)
class _Wiring:
    """A platform's outlet (built before the core) and how to make its adapter (after)."""

    outlet: Outlet
    adapter: AdapterMaker


def _wire_platform(
    platform: Platform, config: Config, database: Database, direct_channels: DirectChannelStore
) -> _Wiring:
    """One platform's outlet, and how to make its adapter once the core exists."""
    if isinstance(platform, SlackPlatform):
        return _wire_slack(platform, config, database, direct_channels)
    return _wire_discord(platform, config, database, direct_channels)


def _wire_slack(
    platform: SlackPlatform, config: Config, database: Database, direct_channels: DirectChannelStore
) -> _Wiring:
    from adapters.slack.adapter import SlackAdapter
    from adapters.slack.app import REPLAY_WINDOW
    from adapters.slack.directory import DirectChannels
    from adapters.slack.groups import SlackChannelPoster
    from adapters.slack.notifier import SlackNotifier
    from adapters.slack.oauth import oauth_settings
    from adapters.slack.workspaces import SlackLink
    from storage.receipts import Receipts

    link, channels = SlackLink(), DirectChannels(direct_channels)
    outlet = Outlet(
        SlackNotifier(link, channels, timeout=config.send_timeout),
        SlackChannelPoster(link, timeout=config.send_timeout),
        live=lambda: link.live,
    )
    oauth = functools.partial(
        oauth_settings,
        config.slack_client_id or "",
        config.slack_client_secret or "",
        database.engine,
        config.slack_api_url,
    )

    def adapter(followup: Followup, clock: Clock, routes: list[web.RouteDef]) -> PlatformAdapter:
        return SlackAdapter(
            followup,
            config,
            clock,
            link=link,
            channels=channels,
            receipts=Receipts(database, REPLAY_WINDOW),
            oauth=oauth,
            host=platform.host,
            sleep=platform.sleep,
            http_routes=routes,
        )

    return _Wiring(outlet, adapter)


def _wire_discord(
    platform: DiscordPlatform,
    config: Config,
    database: Database,
    direct_channels: DirectChannelStore,
) -> _Wiring:
    from adapters.discord.adapter import DiscordAdapter
    from adapters.discord.link import DiscordLink
    from adapters.discord.notifier import DirectChannels, DiscordNotifier
    from adapters.discord.pacer import GlobalPacer
    from adapters.discord.poster import DiscordChannelPoster
    from adapters.discord.sync_state import CommandSyncState

    link = DiscordLink(pace=GlobalPacer(config.discord_requests_per_second))
    channels = DirectChannels(direct_channels)
    notifier = DiscordNotifier(link, timeout=config.send_timeout, channels=channels)
    outlet = Outlet(
        notifier, DiscordChannelPoster(link, timeout=config.send_timeout), live=lambda: link.live
    )

    timings = {
        "guild_ready_timeout": platform.guild_ready_timeout,
        "identify_interval": platform.identify_interval,
        "defer_after": platform.defer_after,
    }
    chosen = {name: value for name, value in timings.items() if value is not None}

    def adapter(followup: Followup, clock: Clock, routes: list[web.RouteDef]) -> PlatformAdapter:
        sync_state = CommandSyncState(database.engine)
        return DiscordAdapter(
            followup,
            config,
            link=link,
            channels=channels,
            sync_state=sync_state,
            sharded=platform.sharded,
            **chosen,
        )

    return _Wiring(outlet, adapter)
