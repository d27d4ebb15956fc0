"""PostgreSQL restarted while nudges are due: the sweep that meets the database down logs,
fails, and backs off; `/healthz` says 503 meanwhile; once the server is back, the pool's
pre-ping replaces the dead connections and every due nudge is delivered, exactly once.

It restarts the real local cluster with `pg_ctlcluster`, so it runs only as root on a
machine that has one serving `FOLLOWUP_TEST_POSTGRES_URL` (skipped with the reason
elsewhere). Other suites may share that server: the test always starts the cluster again
and waits until it accepts connections before it finishes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from adapters.health import HealthCheck
from tests.harness import World, make_world, person

GROUP = 15
READY_ROUNDS = 300  # × 0.1 s: how long PostgreSQL may take to accept connections again


def local_cluster(url: str) -> tuple[str, str]:
    """(version, name) of the local cluster serving `url`, or skip with the reason."""
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_lsclusters") is None:
        pytest.skip("pg_ctlcluster is not available here: PostgreSQL restart test skipped")
    if os.geteuid() != 0:
        pytest.skip("restarting PostgreSQL needs root: PostgreSQL restart test skipped")
    parsed = make_url(url)
    if parsed.host not in ("127.0.0.1", "localhost", "::1", None):
        pytest.skip(f"PostgreSQL at {parsed.host} is not local: restart test skipped")
    port = str(parsed.port or 5432)
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == port and fields[3] == "online":
            return fields[0], fields[1]
    pytest.skip(f"no online local cluster on port {port}: PostgreSQL restart test skipped")


def pg_ctl(cluster: tuple[str, str], action: str) -> None:
    extra = ["-m", "fast"] if action in ("stop", "restart") else []
    subprocess.run(["pg_ctlcluster", *cluster, action, *extra], check=True, capture_output=True, timeout=60)


async def wait_until_accepting(url: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    for _ in range(READY_ROUNDS):
        try:
            connection = await asyncpg.connect(dsn, timeout=2)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            await asyncio.sleep(0.1)
            continue
        await connection.close()
        return
    raise AssertionError("PostgreSQL did not accept connections again")


async def add_due(world: World, first: int) -> None:
    for i in range(first, first + GROUP):
        await world.say(person(f"user{i}"), f"add Company {i}; Engineer; yesterday 10:00; Person {i}")


async def test_postgres_restart_while_nudges_are_due(postgres_url: str, caplog: pytest.LogCaptureFixture) -> None:
    cluster = local_cluster(postgres_url)
    world = await make_world(postgres_url)
    scheduler = world.runtime.scheduler
    health = HealthCheck(world.runtime.database, scheduler, stale_after=timedelta(minutes=5), database_timeout=5)
    try:
        # 1. A plain restart between two sweeps: every pooled connection dies; pre-ping copes.
        await add_due(world, 0)
        try:
            pg_ctl(cluster, "restart")
        finally:
            await wait_until_accepting(postgres_url)
        first = await scheduler.sweep()
        assert first is not None and first.delivered == GROUP

        # 2. Down while nudges are due: the sweep fails, is logged, and backs off; health says so.
        await add_due(world, GROUP)
        caplog.set_level(logging.WARNING)
        try:
            pg_ctl(cluster, "stop")
            assert await scheduler.sweep() is None
            status, body = await health.report()
            assert status == 503 and body["database"]["ok"] is False
        finally:
            pg_ctl(cluster, "start")
            await wait_until_accepting(postgres_url)
        assert "dispatch sweep failed (1 in a row); will retry" in caplog.text

        second = await scheduler.sweep()
        assert second is not None and second.delivered == GROUP
        assert scheduler.last_sweep_ok is not None and datetime.now(UTC) - scheduler.last_sweep_ok < timedelta(minutes=1)
        delivered = sorted(u.external_id for u, _ in world.notifier.delivered)
        assert delivered == sorted(f"user{i}" for i in range(2 * GROUP))  # all, once each
        assert (await world.runtime.dispatcher.run_once()).delivered == 0
        assert (await health.database_status())["ok"] is True
    finally:
        await wait_until_accepting(postgres_url)
        await world.runtime.close()
