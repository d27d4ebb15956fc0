"""Real `followup run` processes against the fake Slack and the fake Discord, sharing one
database: what the crash tests and the crash-recovery benchmark drive.

Each process is the real bot (`python -m adapters.cli run`, Slack in HTTP mode and Discord on
the fake gateway) with short delivery settings given through the environment, as an operator
would: a 2 s lease, a 1.5 s send timeout, a 1 s dispatch interval. The fakes keep what really
arrived: Slack messages with their metadata (`FakeSlack.posted`), Discord messages created with
their nonce (`FakeDiscord.created`); a nudge delivered twice shows up there twice.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import Row, func, insert, select

from bench.seed import fresh_database, seed
from storage.database import Database
from storage.models import ChannelDigestRow, GroupChannelRow, NudgeRow
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN, FakeSlack

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2.0
SEND_TIMEOUT = 1.5
INTERVAL = 1.0
SIGNING_SECRET = "fleet-signing-secret"
DISCORD_TOKEN = "fleet.discord.token"
DISCORD_IDS = 600_000_000_000_000_000  # Discord users are snowflakes: DISCORD_IDS + user id
DISCORD_CHANNELS = 700_000_000_000_000_000  # and so are channels: DISCORD_CHANNELS + channel row id
READY_WITHIN = 60.0  # seconds a process may take to start on a busy machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Member:
    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@dataclass
class Fleet:
    url: str
    folder: Path
    slack: FakeSlack = field(default_factory=FakeSlack)
    discord: FakeDiscord = field(default_factory=FakeDiscord)
    members: list[Member] = field(default_factory=list)
    database: Database | None = None
    settings: dict[str, str] = field(default_factory=dict)  # more environment for the processes

    async def start(self, answer: Callable[[], float] | None = None) -> None:
        """Start the fakes; `answer` gives each message's answer time in seconds."""
        if answer is not None:
            self.slack.post_delay = answer
            self.discord.post_delay = answer
        await self.slack.start()
        await self.discord.start()
        self.database = await fresh_database(self.url)

    async def close(self) -> None:
        for member in self.members:
            if member.process.returncode is None:
                member.process.kill()
                await member.process.wait()
        if self.database is not None:
            await self.database.dispose()
        await self.discord.close()
        await self.slack.close()

    # ---- processes ---------------------------------------------------------------------

    async def spawn(self) -> Member:
        port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DISCORD_", "FOLLOWUP_"))
        }
        env.update(
            {
                "FOLLOWUP_DATABASE_URL": self.url,
                "FOLLOWUP_HTTP_PORT": str(port),
                "FOLLOWUP_HTTP_HOST": "127.0.0.1",
                "FOLLOWUP_DISPATCH_INTERVAL": str(INTERVAL),
                "FOLLOWUP_DELIVERY_LEASE": str(LEASE),
                "FOLLOWUP_SEND_TIMEOUT": str(SEND_TIMEOUT),
                "FOLLOWUP_LOG_LEVEL": "WARNING",
                "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": self.slack.api_url,
                "DISCORD_TOKEN": DISCORD_TOKEN,
                "DISCORD_API_URL": self.discord.api_url,
                "DISCORD_GATEWAY_URL": self.discord.gateway_url,
            }
        )
        env.update(self.settings)
        log = self.folder / f"run-{len(self.members)}.log"
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "adapters.cli",
            "run",
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log.open("w"),
            stderr=asyncio.subprocess.STDOUT,
        )
        member = Member(process, port, log)
        self.members.append(member)
        return member

    async def ready(self, member: Member) -> None:
        """Until the process answers `/healthz` with both platforms connected."""
        deadline = time.monotonic() + READY_WITHIN
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert member.process.returncode is None, f"followup run exited:\n{member.tail()}"
                try:
                    async with session.get(f"http://127.0.0.1:{member.port}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"followup run never became healthy:\n{member.tail()}")

    async def kill(self, member: Member) -> None:
        member.process.send_signal(signal.SIGKILL)
        await member.process.wait()

    async def stop(self) -> None:
        for member in self.members:
            if member.process.returncode is None:
                member.process.send_signal(signal.SIGTERM)
        for member in self.members:
            try:
                await asyncio.wait_for(member.process.wait(), 30)
            except TimeoutError:
                member.process.kill()
                await member.process.wait()

    # ---- the schedule ------------------------------------------------------------------

    async def seed(
        self,
        slack_users: int,
        discord_users: int,
        due_in: timedelta = timedelta(minutes=-1),
        first_user_id: int = 1,
    ) -> None:
        """Users with one thank-you each, due `due_in` from now (already due by default)."""
        assert self.database is not None
        now = datetime.now(UTC)
        await seed(
            self.database,
            users=slack_users,
            apps_per_user=1,
            now=now,
            due_in=due_in,
            platform="slack",
            first_user_id=first_user_id,
            workspace=DEFAULT_TEAM,
            external_id=lambda u: f"U{u}",
        )
        await seed(
            self.database,
            users=discord_users,
            apps_per_user=1,
            now=now,
            due_in=due_in,
            platform="discord",
            first_user_id=first_user_id + slack_users,
            workspace="dm",
            external_id=lambda u: str(DISCORD_IDS + u),
        )

    async def seed_digests(self, slack_channels: int, discord_channels: int) -> None:
        """Group channels (Slack first, then Discord) whose weekly digest fell due a minute ago."""
        assert self.database is not None
        now = datetime.now(UTC)
        due = now - timedelta(minutes=1)
        channels, digests = [], []
        for n in range(1, slack_channels + discord_channels + 1):
            on_slack = n <= slack_channels
            channels.append(
                {
                    "id": n,
                    "platform": "slack" if on_slack else "discord",
                    "workspace": DEFAULT_TEAM if on_slack else "discord",
                    "channel_id": f"C{n}" if on_slack else str(DISCORD_CHANNELS + n),
                    "enabled": True,
                    "enabled_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            digests.append(
                {
                    "channel_id": n,
                    "weekday": due.weekday(),
                    "at": due.time().replace(second=0, microsecond=0),
                    "timezone": "UTC",
                    "due_at": due,
                    "state": "pending",
                    "attempts": 0,
                }
            )
        async with self.database.sessions() as session:
            await session.execute(insert(GroupChannelRow), channels)
            await session.execute(insert(ChannelDigestRow), digests)
            await session.commit()

    async def recorded_digests(self) -> int:
        """Digests recorded as posted in the database."""
        assert self.database is not None
        d = ChannelDigestRow
        async with self.database.sessions() as session:
            found = select(func.count()).where(
                d.last_posted_at.is_not(None), d.state == "pending", d.last_error.is_(None)
            )
            return int((await session.execute(found)).scalar_one())

    async def busiest_poster(self) -> Member:
        """The live process holding the most digest claims right now."""
        assert self.database is not None
        d = ChannelDigestRow
        async with self.database.sessions() as session:
            rows = (
                await session.execute(
                    select(d.claimed_by, func.count())
                    .where(d.state == "claimed")
                    .group_by(d.claimed_by)
                )
            ).all()
        return self._most(rows)

    async def recorded(self) -> int:
        """Nudges recorded as sent in the database."""
        assert self.database is not None
        async with self.database.sessions() as session:
            return int(
                (
                    await session.execute(select(func.count()).where(NudgeRow.state == "sent"))
                ).scalar_one()
            )

    async def busiest(self) -> Member:
        """The live process that has taken on the most nudges (sent or in hand)."""
        assert self.database is not None
        async with self.database.sessions() as session:
            rows = (
                await session.execute(
                    select(NudgeRow.claimed_by, func.count())
                    .where(NudgeRow.claimed_by.is_not(None))
                    .group_by(NudgeRow.claimed_by)
                )
            ).all()
        return self._most(rows)

    def _most(self, rows: Sequence[Row[Any]]) -> Member:
        by_pid: Counter[int] = Counter()
        for worker, count in rows:
            by_pid[int(str(worker).split(":")[1])] += count
        live = [m for m in self.members if m.process.returncode is None]
        return max(live, key=lambda m: by_pid[m.pid])

    # ---- what arrived ------------------------------------------------------------------

    def slack_arrived(self) -> Counter[str]:
        """Nudge delivery keys of the messages Slack has, counted (a duplicate counts twice)."""
        return Counter(
            str(m["metadata"]["event_payload"]["nudge"])
            for m in self.slack.messages()
            if (m.get("metadata") or {}).get("event_type") == "followup_nudge"
        )

    def discord_arrived(self) -> Counter[str]:
        return Counter(
            str(m["nonce"])
            for m in self.discord.created
            if str(m.get("nonce") or "").startswith("n")
        )

    def arrived(self) -> int:
        return len(self.slack_arrived()) + len(self.discord_arrived())

    def digests_arrived(self) -> tuple[Counter[str], Counter[str]]:
        """Digest keys of the channel posts Slack and Discord have, counted."""
        slack = Counter(
            str(m["metadata"]["event_payload"]["digest"])
            for m in self.slack.messages()
            if (m.get("metadata") or {}).get("event_type") == "followup_digest"
        )
        discord = Counter(
            str(m["nonce"])
            for m in self.discord.created
            if str(m.get("nonce") or "").startswith("d")
        )
        return slack, discord

    async def until(self, condition: Callable[[], bool], within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while not condition():
            for member in self.members:
                if member.process.returncode not in (None, -signal.SIGKILL):
                    raise AssertionError(
                        f"followup run exited with {member.process.returncode}:\n{member.tail()}"
                    )
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {within} s (arrived {self.arrived()})")
            await asyncio.sleep(0.05)

    async def until_recorded(
        self, count: int, within: float, recorded: Callable[[], Awaitable[int]] | None = None
    ) -> None:
        """Until `count` are recorded (nudges sent, or what `recorded` counts)."""
        counted = recorded or self.recorded
        deadline = time.monotonic() + within
        while await counted() < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"only {await counted()} of {count} recorded:\n{await self.report()}"
                )
            await asyncio.sleep(0.1)

    async def kill_mid_burst(
        self,
        arrived: Callable[[], int],
        total: int,
        *,
        kill_after: int,
        busiest: Callable[[], Awaitable[Member]],
        restart: bool,
        within: float,
    ) -> None:
        """Once `kill_after` of `total` messages arrived, `kill -9` the busiest process (and, with
        `restart`, start another, as a supervisor would); then until all arrived, `within` s."""
        await self.until(lambda: arrived() >= kill_after, 60, "the burst never got going")
        await self.kill(await busiest())
        assert arrived() < total, "everything arrived before the kill: nothing was in flight"
        if restart:
            await self.ready(await self.spawn())
        try:
            await self.until(
                lambda: arrived() >= total, within, "not everything arrived after the kill"
            )
        except AssertionError as missing:
            raise AssertionError(f"{missing}\n{await self.report()}") from None

    async def report(self) -> str:
        """The unsent rows and the end of every process's log, to see why."""
        assert self.database is not None
        t = NudgeRow.__table__
        async with self.database.sessions() as session:
            rows = (
                await session.execute(
                    select(
                        t.c.id,
                        t.c.state,
                        t.c.claimed_by,
                        t.c.lease_until,
                        t.c.retry_at,
                        t.c.unknown_since,
                        t.c.attempts,
                        t.c.last_error,
                    )
                    .where(t.c.state != "sent")
                    .limit(10)
                )
            ).all()
        lines = [f"now {datetime.now(UTC)}", *(str(tuple(r)) for r in rows)]
        lines += [f"--- pid {m.pid} ({m.process.returncode}):\n{m.tail()}" for m in self.members]
        return "\n".join(lines)


def slow_answers(seed: int = 17, low: float = 0.1, high: float = 0.5) -> Callable[[], float]:
    """A platform that takes 0.1-0.5 s to answer each message."""
    rng = random.Random(seed)
    return lambda: rng.uniform(low, high)


def assert_exactly_once(
    slack: Counter[str], discord: Counter[str], expected: tuple[int, int]
) -> None:
    """Every message arrived (so many on Slack, so many on Discord), none twice."""
    assert (len(slack), len(discord)) == expected  # none lost
    # none twice
    assert [k for k, n in slack.items() if n > 1] == [] and [
        k for k, n in discord.items() if n > 1
    ] == []
