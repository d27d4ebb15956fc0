"""Dispatch through the real Discord notifier: 4,000 due nudges (2,000 people, two each) on a
SQLite file, delivered by the real dispatcher and `DiscordNotifier` (the bot as `followup run`
builds it, discord.py's HTTP client: the DM channel, then the message with its nonce) to a fake
Discord running in another process with no latency of its own — so the figure is the bot's own
cost per nudge.

Two rounds: first contact (nobody's DM channel known yet), then — after a restart (the bot
built and started again on the same database) — 4,000 more nudges to the same people, whose
DM channels are known.
Counted from the fake, per round: messages created (must equal the nudges), repeats (must be
0), creates without `nonce` + `enforce_nonce` (must be 0), DM channels opened per person
(at most one on first contact, none once known), and 429s (must be 0).
Target: at least 2,000 nudges/s in one process, in both rounds. Each round runs settled once
the bot is connected, as `followup run` does (`adapters.settle`).

The limits it runs under, kept by the bot and enforced by the fake alike: Discord's own for
messages in one channel (5 per 5 s: the fake answers every create with Discord's rate-limit
headers for it, and a 429 beyond it), and a global limit of 10,000 requests a second — a bot
whose limit Discord raised: at Discord's usual 50 a second the bot's own cost could not be
seen. So a third, short round shows that one: 50 more people's first nudges with the bot
(`DISCORD_REQUESTS_PER_SECOND=50`) and the fake both at 50 requests a second — the pace a bot
with Discord's default limit really delivers at, without a 429.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.bootstrap import DiscordPlatform, Runtime, bootstrap
from adapters.config import Config
from adapters.discord import DiscordAdapter
from adapters.discord.pacer import WINDOW
from adapters.settle import settled
from bench.fake_process import start_fake
from bench.seed import fresh_database, more_nudges, seed, temporary_sqlite_url
from bot.clock import SimulatedClock

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PEOPLE = 2_000
PER_PERSON = 2
TARGET = 2_000.0
FIRST_SNOWFLAKE = 410_000_000_000_000_000
CHANNEL_LIMIT = "5/5"  # Discord's: 5 messages per 5 seconds in one channel
GLOBAL_LIMIT = 10_000  # requests a second: a raised global limit, so the bot's cost shows
DISCORD_GLOBAL = 50  # requests a second: Discord's global limit for a bot
AT_DISCORDS_PACE = 50  # people in the round at Discord's own global limit


class _Fake:
    """The fake Discord's process: its URLs, and what it counted since it was last asked."""

    def __init__(self, process: asyncio.subprocess.Process, api: str, gateway: str) -> None:
        self.process, self.api, self.gateway = process, api, gateway

    async def counts(self, command: str = "counts") -> dict[str, Any]:
        """What it counted since it was last asked (after `command`: "global N" sets its
        global limit first)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()
        counted: dict[str, Any] = json.loads((await self.process.stdout.readline()).decode())
        return counted


async def _dispatch(runtime: Runtime) -> tuple[int, int, float]:
    """Every due nudge delivered: (delivered, failed, seconds)."""
    delivered = failed = 0
    started = time.perf_counter()
    for _ in range(1000):
        report = await runtime.dispatcher.run_once()
        delivered += report.delivered
        failed += report.failed
        if not (report.delivered or report.retried or report.lost):
            break
    return delivered, failed, time.perf_counter() - started


async def _round(config: Config, fake: _Fake) -> dict[str, Any]:
    """The bot started as `followup run` starts it, every due nudge delivered, the bot stopped."""
    platform = DiscordPlatform(guild_ready_timeout=0.05, identify_interval=0)
    runtime = await bootstrap(
        config, clock=SimulatedClock(NOW), worker_id="bench", platforms=[platform], migrate=False
    )
    adapter = runtime.adapters["discord"]
    assert isinstance(adapter, DiscordAdapter)
    try:
        await adapter.start()
        await asyncio.wait_for(adapter.wait_until_ready(), 30)
        await fake.counts()  # what the log-in and the gateway cost is not counted
        with settled():  # as `followup run` settles once its platforms are connected
            cpu = time.process_time()
            delivered, failed, seconds = await _dispatch(runtime)
            cpu = time.process_time() - cpu
    finally:
        await adapter.stop()
        await runtime.close()
    return {
        "delivered": delivered,
        "failed": failed,
        "seconds": seconds,
        "cpu": cpu,
        **await fake.counts(),
    }


def _figures(name: str, found: dict[str, Any], people: int = PEOPLE) -> dict[str, object]:
    rate = found["delivered"] / found["seconds"] if found["seconds"] else 0.0
    return {
        f"{name}: nudges/s": rate,
        # The bot's own CPU per nudge (both its threads): what a process could do on a core of
        # its own, whatever else the machine was doing.
        f"{name}: CPU ms per nudge": 1000 * found["cpu"] / found["delivered"]
        if found["delivered"]
        else 0.0,
        f"{name}: fake Discord CPU ms per nudge": 1000
        * found["fake CPU seconds"]
        / found["delivered"]
        if found["delivered"]
        else 0.0,
        f"{name}: delivered": found["delivered"],
        f"{name}: failed": found["failed"],
        f"{name}: messages created (fake)": found["posted"],
        f"{name}: repeated messages (must be 0)": found["repeated"],
        f"{name}: creates without nonce (must be 0)": found["without nonce"],
        f"{name}: DM channels opened per person": found["dm opened"] / people,
        f"{name}: 429s (must be 0)": _refused(found),
    }


def _refused(found: dict[str, Any]) -> int:
    return int(found["429s (bucket)"]) + int(found["429s (global)"])


def _met(found: dict[str, Any], nudges: int, most_opens: int, rate: float = TARGET) -> bool:
    reached = found["delivered"] / found["seconds"] if found["seconds"] else 0.0
    return (
        reached >= rate and found["posted"] == nudges and found["repeated"] == 0
        and found["without nonce"] == 0 and found["dm opened for one person (most)"] <= most_opens
        and _refused(found) == 0
    )


async def run() -> dict[str, object]:
    url, folder = temporary_sqlite_url("discord-dispatch")
    database = await fresh_database(url)
    process, urls = await start_fake(
        "bench.fake_discord_process", "--messages", CHANNEL_LIMIT, "--global", str(GLOBAL_LIMIT)
    )
    assert process.stdin is not None
    try:
        api, gateway = urls.split()
        fake = _Fake(process, api, gateway)
        seeded = await seed(
            database,
            users=PEOPLE,
            apps_per_user=PER_PERSON,
            now=NOW,
            due_in=timedelta(minutes=-1),
            platform="discord",
            workspace="discord",
            external_id=lambda u: str(FIRST_SNOWFLAKE + u),
        )
        config = Config(FOLLOWUP_DATABASE_URL=url, DISCORD_TOKEN="bench-token", DISCORD_API_URL=api,
                        DISCORD_GATEWAY_URL=gateway, SLACK_BOT_TOKEN=None,
                        DISCORD_REQUESTS_PER_SECOND=GLOBAL_LIMIT)
        first = await _round(config, fake)
        # the same people, after a restart
        await more_nudges(database, seeded, PER_PERSON, "discord", NOW)
        known = await _round(config, fake)
        # more people, at Discord's own global limit
        await seed(database, users=AT_DISCORDS_PACE, apps_per_user=PER_PERSON, now=NOW,
                   due_in=timedelta(minutes=-1), platform="discord", workspace="discord",
                   first_user_id=PEOPLE + 1, external_id=lambda u: str(FIRST_SNOWFLAKE + u))
        await fake.counts(f"global {DISCORD_GLOBAL}")
        paced = await _round(
            config.model_copy(update={"discord_requests_per_second": DISCORD_GLOBAL}), fake
        )
        process.stdin.close()
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
        await database.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    nudges = PEOPLE * PER_PERSON
    at_discords = f"at Discord's global limit ({DISCORD_GLOBAL} requests/s, first contact)"
    # (a DM open and two creates per person: 1.5 requests a nudge)
    discords_pace = DISCORD_GLOBAL / 1.5 / WINDOW * 0.9
    return {
        "suite": "discord_dispatch",
        "due nudges per round": nudges,
        "limits kept (bot) and enforced (fake)": f"{CHANNEL_LIMIT} s messages per channel, "
        f"{GLOBAL_LIMIT:,} requests/s global",
        **_figures("first contact", first),
        **_figures("DMs known (after a restart)", known),
        f"target ≥ {TARGET:,.0f} nudges/s in both rounds, every nudge created once with its nonce, "
        "≤ 1 DM opened per person, none once known, no 429": (
            "met" if _met(first, nudges, 1) and _met(known, nudges, 0) else "missed"
        ),
        f"{at_discords}: nudges/s": paced["delivered"] / paced["seconds"],
        f"{at_discords}: delivered": paced["delivered"],
        f"{at_discords}: 429s (must be 0)": _refused(paced),
        f"{at_discords}: at Discord's pace (≥ 90% of it), every nudge once, no 429": (
            "met"
            if _met(paced, AT_DISCORDS_PACE * PER_PERSON, 1, rate=discords_pace)
            else "missed"
        ),
    }
