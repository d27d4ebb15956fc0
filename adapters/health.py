"""`/healthz`: is this process able to do its job right now?

The answer is JSON with three parts, and HTTP 200 only when all three are fine (503
otherwise, so a load balancer or orchestrator stops sending work to this process):

- `database`: a `SELECT 1` through the pool answered, and a write went through (one row of
  `request_receipts` updated and committed: a full disk or a read-only database fails here,
  where a read alone would still succeed), within a couple of seconds;
- `scheduler`: APScheduler is running and the last dispatch sweep succeeded recently (a
  sweep that fails because the database is away stops refreshing it);
- `platforms`: every configured platform is connected (Slack's HTTP server is listening or
  its Socket Mode link is up; Discord's gateway said READY and is not closed).

In Slack HTTP mode the route is mounted on bolt's aiohttp app, so `/healthz` and
`/slack/events` share one port; otherwise `HealthServer` serves it on `FOLLOWUP_HTTP_PORT`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy import text

from storage.database import Database
from storage.receipts import Receipts

log = logging.getLogger(__name__)
PATH = "/healthz"
DATABASE_TIMEOUT = 2.0


class Connected(Protocol):
    """A platform adapter that can say whether it is connected."""

    @property
    def connected(self) -> bool: ...


class SchedulerState(Protocol):
    @property
    def running(self) -> bool: ...

    @property
    def last_sweep_ok(self) -> datetime | None: ...


def platform_name(adapter: object) -> str:
    return type(adapter).__name__.removesuffix("Adapter").lower()


def is_connected(adapter: object) -> bool:
    """`adapter.connected` when it has one; a Discord adapter by its client's state."""
    known = getattr(adapter, "connected", None)
    if isinstance(known, bool):
        return known
    client = getattr(adapter, "client", None)
    if client is not None and hasattr(client, "is_ready"):
        return bool(client.is_ready()) and not bool(client.is_closed())
    return False


class HealthCheck:
    def __init__(
        self,
        database: Database,
        scheduler: SchedulerState,
        platforms: Sequence[object] = (),
        *,
        stale_after: timedelta = timedelta(minutes=2),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        database_timeout: float = DATABASE_TIMEOUT,
    ) -> None:
        """`stale_after`: how old the last good sweep may be (a few dispatch intervals).
        `now` is the wall clock the scheduler stamps its sweeps with."""
        self._database = database
        self._scheduler = scheduler
        self.platforms = list(platforms)
        self._stale_after = stale_after
        self._now = now
        self._database_timeout = database_timeout
        self._receipts = Receipts(database, stale_after)
        self._probe_key = f"health:{socket.gethostname()}:{os.getpid()}"

    async def database_status(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._database_timeout):
                async with self._database.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception as problem:  # any failure to answer is "unreachable"
            log.warning("health: database unreachable: %s", type(problem).__name__)
            return {"ok": False, "backend": self._database.backend, "error": type(problem).__name__}
        try:
            async with asyncio.timeout(self._database_timeout):
                await self._receipts.touch(self._probe_key, self._now())
        except Exception as problem:
            log.warning("health: database can't be written: %s", type(problem).__name__)
            return {
                "ok": False,
                "backend": self._database.backend,
                "writable": False,
                "error": type(problem).__name__,
            }
        return {
            "ok": True,
            "writable": True,
            "backend": self._database.backend,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        }

    def scheduler_status(self) -> dict[str, Any]:
        last = self._scheduler.last_sweep_ok
        running = self._scheduler.running
        age = (self._now() - last).total_seconds() if last is not None else None
        fresh = age is not None and age <= self._stale_after.total_seconds()
        return {
            "ok": bool(running and fresh),
            "running": running,
            "last_sweep": last.isoformat() if last is not None else None,
            "last_sweep_age_s": round(age, 1) if age is not None else None,
        }

    def platform_status(self) -> dict[str, Any]:
        states = {platform_name(a): is_connected(a) for a in self.platforms}
        return {"ok": all(states.values()), "connected": states}

    async def report(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body)."""
        parts = {
            "database": await self.database_status(),
            "scheduler": self.scheduler_status(),
            "platforms": self.platform_status(),
        }
        healthy = all(part["ok"] for part in parts.values())
        body: dict[str, Any] = {"status": "ok" if healthy else "unhealthy", **parts}
        return (200 if healthy else 503), body

    async def handle(self, _request: web.Request) -> web.Response:
        status, body = await self.report()
        return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})

    def routes(self) -> list[web.RouteDef]:
        return [web.get(PATH, self.handle, allow_head=True)]


class HealthServer:
    """A small aiohttp app serving `/healthz` (and the other `routes` the bot serves: calendar
    subscriptions), for when no platform serves HTTP (Socket Mode, Discord only)."""

    def __init__(
        self, check: HealthCheck, host: str, port: int, routes: list[web.RouteDef] | None = None
    ) -> None:
        self._check = check
        self._routes = routes if routes is not None else check.routes()
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_routes(self._routes)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port, backlog=1024).start()
        self.port = int(self._runner.addresses[0][1])
        log.info("health: %s on %s:%s", PATH, self._host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
