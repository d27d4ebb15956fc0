"""Resident memory and cold start: a real `followup run` process (Slack in HTTP mode, against
the fake Slack) on a SQLite file holding 100,000 applications (10,000 users), and on an empty
one for comparison.

Cold start is the time from spawning the process until `/healthz` first answers 200 (the
database migrated and reachable, the HTTP server listening, the first dispatch sweep done).
Resident memory (VmRSS) is read at that moment and again after 200 slash commands from
users spread over the data; VmHWM is the peak. The commands come from the seeded people (their
workspace and user ids), which the figures prove: no user is created by them, and every `list`
answers with the person's own applications.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.seed import fresh_database, percentile, seed, temporary_sqlite_url
from tests.adapters.slack.driver import SECRET, sign
from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
APPLICATIONS = 100_000
APPS_PER_USER = 10
COMMANDS = 200
TOKEN = "xoxb-bench-footprint"
TEAM = "T1"  # the workspace the users are seeded in and the commands are sent from
POLL_ROUNDS = 1200  # × 0.05 s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory_kib(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


async def _start(url: str, fake: FakeSlack, port: int) -> tuple[asyncio.subprocess.Process, float]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "FOLLOWUP_"))
    }
    env = {
        **base,
        "FOLLOWUP_DATABASE_URL": url,
        "FOLLOWUP_HTTP_PORT": str(port),
        "FOLLOWUP_HTTP_HOST": "127.0.0.1",
        "FOLLOWUP_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    started = time.perf_counter()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "run",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with aiohttp.ClientSession() as session:
        for _ in range(POLL_ROUNDS):
            if child.returncode is not None:
                raise RuntimeError(f"followup run exited with {child.returncode}")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return child, time.perf_counter() - started
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    child.kill()
    raise RuntimeError("followup run never became healthy")


async def _commands(fake: FakeSlack, port: int, users: int) -> tuple[list[float], int]:
    """Each answer's time, and how many `list` answers showed seeded applications."""
    samples, listed = [], 0
    async with aiohttp.ClientSession() as session:
        for i in range(COMMANDS):
            user = f"user{1 + (i * 7919) % max(1, users)}"
            text = ("list", "today", "show 1", "settings")[i % 4]
            body = "&".join(
                f"{k}={v}"
                for k, v in {
                    "team_id": TEAM,
                    "user_id": user,
                    "channel_id": f"D{user}",
                    "command": "/followup",
                    "text": text,
                    "response_url": fake.response_url(f"fp{i}"),
                    "trigger_id": f"fp-trigger-{i}",
                }.items()
            )
            t0 = time.perf_counter()
            async with session.post(
                f"http://127.0.0.1:{port}/slack/events",
                data=body.encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)},
            ) as response:
                await response.read()
            hook = await fake.wait_for_hook(f"fp{i}", within=30)
            samples.append((time.perf_counter() - t0) * 1000)
            listed += text == "list" and "Company " in json.dumps(hook.body)
    return samples, listed


def _users(folder: Path) -> int:
    with contextlib.closing(sqlite3.connect(folder / "bench.db")) as connection:
        return int(connection.execute("SELECT count(*) FROM users").fetchone()[0])


async def _measure(applications: int) -> dict[str, float]:
    """The figures of one run; `users created` counts the users the commands added."""
    url, folder = temporary_sqlite_url(f"footprint{applications}")
    fake = FakeSlack()
    fake.tokens[TOKEN] = TEAM
    await fake.start()
    try:
        users = applications // APPS_PER_USER
        if applications:
            database = await fresh_database(url)
            now = datetime.now(UTC)
            for first in range(1, users + 1, 10_000):
                await seed(
                    database,
                    users=min(10_000, users - first + 1),
                    apps_per_user=APPS_PER_USER,
                    now=now,
                    due_in=timedelta(days=3),
                    platform="slack",
                    workspace=TEAM,
                    first_user_id=first,
                )
            await database.dispose()
        port = _free_port()
        child, cold = await _start(url, fake, port)
        try:
            ready = _memory_kib(child.pid)
            answers, listed = await _commands(fake, port, users)
            after = _memory_kib(child.pid)
        finally:
            child.send_signal(signal.SIGTERM)
            await asyncio.wait_for(child.wait(), 30)
        return {
            "cold": cold,
            "rss_ready": ready["VmRSS"] / 1024,
            "rss_after": after["VmRSS"] / 1024,
            "peak": after["VmHWM"] / 1024,
            "answer_p50": percentile(answers, 0.5),
            "users created": float(_users(folder) - users),
            "listed": float(listed),
        }
    finally:
        await fake.close()
        shutil.rmtree(folder, ignore_errors=True)


async def run() -> dict[str, object]:
    empty = await _measure(0)
    loaded = await _measure(APPLICATIONS)
    return {
        "suite": "footprint",
        "cold start to healthy s (empty db)": empty["cold"],
        "cold start to healthy s (100k apps)": loaded["cold"],
        "RSS MiB at ready (empty db)": empty["rss_ready"],
        "RSS MiB at ready (100k apps)": loaded["rss_ready"],
        "RSS MiB after 200 commands (100k apps)": loaded["rss_after"],
        "peak RSS MiB (100k apps)": loaded["peak"],
        "command answer p50 ms, sequential (100k apps)": loaded["answer_p50"],
        "users the commands created (must be 0: they come from seeded people)": loaded[
            "users created"
        ],
        f"list answers showing the person's applications (must be {COMMANDS // 4})": loaded[
            "listed"
        ],
        "target: commands from the seeded workspace and people": (
            "met"
            if loaded["users created"] == 0 and loaded["listed"] == COMMANDS // 4
            else "missed"
        ),
    }
