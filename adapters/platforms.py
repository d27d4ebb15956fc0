"""`followup run` with platform tokens: start Slack and/or Discord in one process, with the
dispatcher's scheduler, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

from adapters.bootstrap import build_runtime
from adapters.config import Config

log = logging.getLogger(__name__)


class PlatformAdapter(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def run_platforms(config: Config) -> int:
    runtime = await build_runtime(config)
    adapters: list[PlatformAdapter] = []
    if config.slack_enabled:
        from adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(runtime))
    if config.discord_enabled:
        from adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(runtime, sharded=config.discord_sharded))
    stop = asyncio.Event()
    install_signal_handlers(stop)
    try:
        for adapter in adapters:
            await adapter.start()
        runtime.scheduler.start()
        log.info("followup is running", extra={"platforms": [type(a).__name__ for a in adapters]})
        await stop.wait()
    finally:
        for adapter in reversed(adapters):
            await adapter.stop()
        await runtime.close()
    return 0
