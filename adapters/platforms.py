"""`followup run` with platform tokens: start Slack and/or Discord in one process, with the
dispatcher's scheduler and `/healthz`, until SIGINT or SIGTERM.

`Bot` is that process's lifecycle over the graph `adapters.bootstrap` built, usable from
tests: `start()` connects the platforms,
serves `/healthz` (on Slack's own aiohttp app and port in Slack HTTP mode, else on a small
app of its own on `FOLLOWUP_HTTP_PORT`), starts the scheduler and logs "followup is ready";
`stop()` undoes it in reverse order.

`run_platforms` is `followup run` itself: signal handlers first, then each start-up stage of
`adapters.startup` (settings, database, migrations, platforms) under them, so SIGINT or
SIGTERM ends the process at any stage; a failure ends it with one line (`StartupError`).
Once the platforms are connected, start-up's heap is settled (`adapters.settle`) for as long
as the bot runs.

`run` is the event loop it runs on: uvloop's where uvloop is installed (a dependency wherever
it builds: CPython on Linux and macOS), asyncio's own elsewhere. uvloop's loop is libuv in C:
every scheduled callback, socket read and write and timer costs fewer instructions than in
asyncio's loop written in Python, and a bot that posts thousands of nudges a second is mostly
that. The benchmarks run on the same loop (`python -m bench`, and the fakes' processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from adapters.bootstrap import Runtime, bootstrap, platforms_from
from adapters.config import Config
from adapters.health import HealthServer, platform_name
from adapters.logs import configure_logging
from adapters.settle import settled
from adapters.startup import (
    StartupError,
    Stopped,
    database_failure,
    platform_failure,
    reach_database,
    stoppable,
    with_backoff,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a stop may wait for work in progress (a nudge being sent) before leaving anyway:
# SIGTERM must end the process within a few seconds; a claim left behind expires and is retried.
SHUTDOWN_GRACE = 2.0


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """How `run` makes its event loop: uvloop's where installed, else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the loop `loop_factory` makes."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


def loop_name() -> str:
    """Which event loop runs this code: "uvloop" or "asyncio"."""
    return type(asyncio.get_running_loop()).__module__.partition(".")[0]


async def close_within(closing: Awaitable[None], grace: float = SHUTDOWN_GRACE) -> None:
    """Wait for `closing` (stopping the adapters, closing the runtime) at most `grace` seconds:
    a sweep stuck on the database must not keep the process up."""
    try:
        async with asyncio.timeout(grace):
            await closing
    except TimeoutError:
        log.warning("stopping took over %.0f s; leaving what is left to the claims' leases", grace)


class PlatformStartError(Exception):
    """A platform adapter failed to start; `platform` says which."""

    def __init__(self, platform: str, cause: BaseException) -> None:
        super().__init__(f"{platform}: {cause}")
        self.platform = platform
        self.cause = cause


def install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Event loops without Unix signals (Windows) raise NotImplementedError here; there,
        # Ctrl+C still stops the bot through KeyboardInterrupt.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


class Bot:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.health = runtime.health
        self.routes = runtime.routes
        self.adapters = list(runtime.adapters.values())
        self.health_server: HealthServer | None = None
        # Slack over HTTP serves the routes on its own port; otherwise a small server does.
        self._slack_serves_http = any(
            getattr(adapter, "serves_http", False) for adapter in self.adapters
        )

    @property
    def http_port(self) -> int | None:
        """The port `/healthz` is served on, once started."""
        if self.health_server is not None:
            return self.health_server.port
        for adapter in self.adapters:
            port = getattr(adapter, "http_port", None)
            if port is not None:
                return int(port)
        return None

    async def start(self) -> None:
        started = time.perf_counter()
        try:
            for adapter in self.adapters:
                try:
                    await adapter.start()
                except Exception as problem:
                    raise PlatformStartError(platform_name(adapter), problem) from problem
            if not self._slack_serves_http:
                config = self.runtime.config
                self.health_server = HealthServer(
                    self.health, config.http_host, config.http_port, self.routes
                )
                await self.health_server.start()
            self.runtime.scheduler.start()
        except BaseException:
            await self.stop()
            raise
        log.info(
            "followup is ready",
            extra={
                "platforms": [type(a).__name__ for a in self.adapters],
                "http_port": self.http_port,
                "database": self.runtime.database.backend,
                "worker": self.runtime.dispatcher.worker_id,
                "event_loop": loop_name(),
                "startup_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )

    async def stop(self) -> None:
        await self.runtime.scheduler.stop()
        for adapter in reversed(self.adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping %s failed", type(adapter).__name__)
        if self.health_server is not None:
            await self.health_server.stop()
            self.health_server = None


def check_settings(config: Config) -> None:
    """The combinations of settings each configured platform needs, before anything is
    reached (not even the database)."""
    if config.slack_enabled:
        from adapters.slack.adapter import settings_problem

        problem = settings_problem(config)
        if problem is not None:
            raise StartupError(problem)


async def _start(bot: Bot) -> None:
    try:
        await bot.start()
    except PlatformStartError as failed:
        log.debug("%s failed to start", failed.platform, exc_info=failed.cause)
        raise platform_failure(failed.platform, failed.cause, bot.runtime.config) from None


async def _runtime(config: Config) -> Runtime:
    try:
        return await bootstrap(config, platforms=platforms_from(config))
    except Exception as problem:  # migrations on a database that went away, or refuse
        log.debug("migrations failed", exc_info=True)
        failure = database_failure(problem, config.database_url)
        raise StartupError(failure.line) from None


async def run_platforms(config: Config) -> int:
    """`followup run`: raises StartupError (one line to print) when it can't start."""
    configure_logging(config)
    stop = asyncio.Event()
    install_signal_handlers(stop)
    try:
        check_settings(config)
        await with_backoff("database", lambda: reach_database(config.database_url), stop)
        runtime = await stoppable(stop, _runtime(config))
    except Stopped:
        log.info("followup is stopping")
        return 0
    bot = Bot(runtime)
    try:
        await with_backoff("start-up", lambda: _start(bot), stop)
        with settled():
            await stop.wait()
        log.info("followup is stopping")
    except Stopped:
        log.info("followup is stopping")
    finally:
        await close_within(_stop_all(bot, runtime))
    return 0


async def _stop_all(bot: Bot, runtime: Runtime) -> None:
    await bot.stop()
    await runtime.close()
