"""PostgreSQL restarted while nudges are due: the sweep that meets the database down logs,
fails, and backs off; `/healthz` says 503 meanwhile; once the server is back, the pool's
pre-ping replaces the dead connections and every due nudge is delivered, exactly once.

The server restarted is the test's own (`own_postgres`: `initdb` into a temporary directory,
a free port), never the machine's shared PostgreSQL, which other suites are using meanwhile.
Skipped, with the reason, where the PostgreSQL server binaries are missing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from adapters.health import HealthCheck
from tests.faults.own_postgres import OwnPostgres, own_postgres
from tests.harness import World, make_world, person

GROUP = 15


async def add_due(world: World, first: int) -> None:
    for i in range(first, first + GROUP):
        await world.say(
            person(f"user{i}"), f"add Company {i}; Engineer; yesterday 10:00; Person {i}"
        )


async def test_postgres_restart_while_nudges_are_due(caplog: pytest.LogCaptureFixture) -> None:
    with own_postgres() as server:
        await _restart_while_nudges_are_due(server.url, server, caplog)


async def _restart_while_nudges_are_due(
    postgres_url: str, server: OwnPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    world = await make_world(postgres_url)
    scheduler = world.runtime.scheduler
    health = HealthCheck(
        world.runtime.database, scheduler, stale_after=timedelta(minutes=5), database_timeout=5
    )
    try:
        # 1. A plain restart between two sweeps: every pooled connection dies; pre-ping copes.
        await add_due(world, 0)
        server.restart()  # pg_ctl waits until the server accepts connections again
        first = await scheduler.sweep()
        assert first is not None and first.delivered == GROUP

        # 2. Down while nudges are due: the sweep fails, is logged, and backs off; health says so.
        await add_due(world, GROUP)
        caplog.set_level(logging.WARNING)
        try:
            server.stop()
            assert await scheduler.sweep() is None
            status, body = await health.report()
            assert status == 503 and body["database"]["ok"] is False
        finally:
            server.start()
        assert "dispatch sweep failed (1 in a row); will retry" in caplog.text

        second = await scheduler.sweep()
        assert second is not None and second.delivered == GROUP
        assert scheduler.last_sweep_ok is not None and datetime.now(
            UTC
        ) - scheduler.last_sweep_ok < timedelta(minutes=1)
        delivered = sorted(u.external_id for u, _ in world.notifier.delivered)
        assert delivered == sorted(f"user{i}" for i in range(2 * GROUP))  # all, once each
        assert (await world.runtime.dispatcher.run_once()).delivered == 0
        assert (await health.database_status())["ok"] is True
    finally:
        await world.runtime.close()
