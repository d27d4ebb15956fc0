"""Dispatch through the real Slack notifier: 4,000 due nudges (2,000 people, two each) on a
SQLite file, delivered by the real dispatcher and `SlackNotifier` (slack_sdk's client, the DM
ids kept in the database, Block Kit, `chat.postMessage` on the lean path's kept-alive
connections) to a fake Slack running in another
process with no latency of its own — so the figure is the bot's own cost per nudge.

Two rounds, each by a notifier made afresh as a new process would: first contact (nobody's DM
id known yet: one `conversations.open` per person), then with the DMs known (another 4,000
nudges for the same people, their ids read with them from the database: no opens at all).
Counted from the fake: messages posted (must equal the nudges), repeats (must be 0), and
`conversations.open` calls per person. Also the bot process's CPU time per nudge, which a
machine busy with other work changes less than the rate, and the fake Slack's (on two cores,
the two processes share the machine: a fake that costs as much as the bot halves the rate).
Target: at least 2,000 nudges/s in one process, in both rounds. Each round runs settled, as
`followup run` runs once started (`adapters.settle`: start-up's heap frozen out of full
garbage collections).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.settle import settled
from adapters.slack import webapi
from adapters.slack.clients import http_session
from adapters.slack.directory import DirectChannels
from adapters.slack.notifier import SlackNotifier
from adapters.slack.workspaces import Workspaces
from bench.fake_process import start_fake
from bench.seed import fresh_database, more_nudges, seed, temporary_sqlite_url
from bot.clock import SimulatedClock
from bot.dispatcher import Dispatcher
from storage.database import Database
from storage.direct_channels import DirectChannelStore
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PEOPLE = 2_000
PER_PERSON = 2
TARGET = 2_000.0


async def _counts(fake: asyncio.subprocess.Process) -> dict[str, Any]:
    """What the fake Slack has counted so far (its CPU seconds: since it was last asked)."""
    assert fake.stdin is not None and fake.stdout is not None
    fake.stdin.write(b"counts\n")
    await fake.stdin.drain()
    counted: dict[str, Any] = json.loads((await fake.stdout.readline()).decode())
    return counted


def _opens(counted: dict[str, Any]) -> int:
    return int(counted["calls"].get("conversations.open", 0))


async def _deliver(database: Database, api_url: str) -> tuple[int, int, float, float]:
    """Every due nudge, by a dispatcher and notifier made afresh: delivered, failed, seconds,
    CPU seconds."""
    async with http_session() as session:  # the session `followup run`'s clients share
        workspaces = Workspaces(api_url, session, token=DEFAULT_TOKEN)
        channels = DirectChannels(DirectChannelStore(database))
        notifier = SlackNotifier(workspaces, channels)
        dispatcher = Dispatcher(
            database.unit_of_work, SimulatedClock(NOW), {"slack": notifier}, worker_id="bench"
        )
        await workspaces.client(DEFAULT_TEAM)  # the client (and auth) made before the clock starts
        started, cpu = time.perf_counter(), time.process_time()
        delivered = failed = 0
        for _ in range(1000):
            report = await dispatcher.run_once()
            delivered += report.delivered
            failed += report.failed
            if not (report.delivered or report.retried or report.lost):
                break
        await channels.flush()
        webapi.close(session)
        return delivered, failed, time.perf_counter() - started, time.process_time() - cpu


async def run() -> dict[str, object]:
    url, folder = temporary_sqlite_url("slack-dispatch")
    database = await fresh_database(url)
    fake, api_url = await start_fake("bench.fake_slack_process")
    assert fake.stdout is not None and fake.stdin is not None
    rounds: dict[str, tuple[int, int, float, float, int, float]] = {}
    try:
        seeded = await seed(
            database,
            users=PEOPLE,
            apps_per_user=PER_PERSON,
            now=NOW,
            due_in=timedelta(minutes=-1),
            platform="slack",
            workspace=DEFAULT_TEAM,
        )
        for name in ("first contact", "DMs known"):
            if name == "DMs known":
                await more_nudges(database, seeded, PER_PERSON, "slack", NOW)
            before = await _counts(fake)
            with settled():  # the process settled after start-up, as `followup run` is
                delivered, failed, seconds, cpu = await _deliver(database, api_url)
            after = await _counts(fake)
            rounds[name] = (
                delivered,
                failed,
                seconds,
                cpu,
                _opens(after) - _opens(before),
                after["fake CPU seconds"],
            )
        fake.stdin.close()
        counts = json.loads((await fake.stdout.readline()).decode())
        await fake.wait()
    finally:
        if fake.returncode is None:
            fake.kill()
        await database.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    nudges = PEOPLE * PER_PERSON
    figures: dict[str, object] = {"suite": "slack_dispatch", "due nudges per round": nudges}
    rates = {}
    for name, (delivered, failed, seconds, cpu, opens, fake_cpu) in rounds.items():
        rates[name] = delivered / seconds if seconds else 0.0
        figures[f"{name}: delivered"] = delivered
        figures[f"{name}: failed"] = failed
        figures[f"{name}: nudges/s (real Slack notifier, fake Slack in another process)"] = rates[
            name
        ]
        figures[f"{name}: bot CPU ms per nudge"] = 1000 * cpu / delivered if delivered else 0.0
        figures[f"{name}: fake Slack CPU ms per nudge"] = (
            1000 * fake_cpu / delivered if delivered else 0.0
        )
        figures[f"{name}: conversations.open per person"] = opens / PEOPLE
    figures["messages posted (fake)"] = counts["posted"]
    figures["repeated messages (must be 0)"] = counts["repeated"]
    every_once = counts["posted"] == 2 * nudges and counts["repeated"] == 0
    figures[
        f"target ≥ {TARGET:,.0f} nudges/s in both rounds, every nudge posted once, DMs known "
        "opened 0 times"
    ] = (
        "met"
        if min(rates.values()) >= TARGET and every_once and rounds["DMs known"][4] == 0
        else "missed"
    )
    return figures
