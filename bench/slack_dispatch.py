"""Dispatch through the real Slack notifier: 4,000 due nudges (2,000 people, two each) on a
SQLite file, delivered by the real dispatcher and `SlackNotifier` (slack_sdk's client,
`conversations.open`, Block Kit, `chat.postMessage`) to a fake Slack running in another
process with no latency of its own — so the figure is the bot's own cost per nudge.
Counted from the fake: messages posted (must equal the nudges), repeats (must be 0), and
`conversations.open` calls per person (once each is the most it should take).
Target: at least 2,000 nudges/s in one process.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from adapters.slack.directory import DirectChannels
from adapters.slack.notifier import SlackNotifier
from adapters.slack.workspaces import Workspaces
from bench.seed import fresh_database, seed, temporary_sqlite_url
from bot.clock import SimulatedClock
from bot.dispatcher import Dispatcher
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PEOPLE = 2_000
PER_PERSON = 2
TARGET = 2_000.0
ROOT = Path(__file__).resolve().parents[1]


async def run() -> dict[str, object]:
    url, folder = temporary_sqlite_url("slack-dispatch")
    database = await fresh_database(url)
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.fake_slack_process", cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    assert fake.stdout is not None and fake.stdin is not None
    try:
        api_url = (await fake.stdout.readline()).decode().strip()
        await seed(database, users=PEOPLE, apps_per_user=PER_PERSON, now=NOW, due_in=timedelta(minutes=-1),
                   platform="slack", workspace=DEFAULT_TEAM)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            workspaces = Workspaces(api_url, session, token=DEFAULT_TOKEN)
            notifier = SlackNotifier(workspaces, DirectChannels())
            dispatcher = Dispatcher(database.unit_of_work, SimulatedClock(NOW), {"slack": notifier}, worker_id="bench")
            await workspaces.client(DEFAULT_TEAM)  # the client (and auth) made before the clock starts
            started = time.perf_counter()
            delivered = failed = 0
            for _ in range(1000):
                report = await dispatcher.run_once()
                delivered += report.delivered
                failed += report.failed
                if not (report.delivered or report.retried or report.lost):
                    break
            elapsed = time.perf_counter() - started
        fake.stdin.close()
        counts = json.loads((await fake.stdout.readline()).decode())
        await fake.wait()
    finally:
        if fake.returncode is None:
            fake.kill()
        await database.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    nudges = PEOPLE * PER_PERSON
    rate = delivered / elapsed if elapsed else 0.0
    opens = counts["calls"].get("conversations.open", 0)
    return {
        "suite": "slack_dispatch",
        "due nudges": nudges,
        "delivered": delivered,
        "failed": failed,
        "seconds": elapsed,
        "nudges/s (real Slack notifier, fake Slack in another process)": rate,
        "messages posted (fake)": counts["posted"],
        "repeated messages (must be 0)": counts["repeated"],
        "conversations.open per person": opens / PEOPLE,
        f"target ≥ {TARGET:,.0f} nudges/s, every nudge posted once": (
            "met" if rate >= TARGET and counts["posted"] == nudges and counts["repeated"] == 0 else "missed"
        ),
    }
