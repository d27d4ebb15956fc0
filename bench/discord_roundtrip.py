"""Discord interaction round trip: 50 concurrent `/followup` interactions, each from
INTERACTION_CREATE on the fake gateway to the callback received by the fake REST API, through
real discord.py and the real adapter, core and SQLite database.

Two batches of 50 concurrent interactions from 50 different users: `add` (first contact and
a write each: user row, application, round, planned nudges) and then `show` (reads). Discord
gives an app 3 seconds for the initial response; the target is a p99 under 300 ms. The
initial response is the answer itself when the core is quick, a deferral when it is not
(`adapters/discord/respond.py`); the time until the full answer arrived is reported too, and
how many of the 100 interactions were deferred.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
from pathlib import Path

from adapters.bootstrap import DiscordPlatform, bootstrap
from adapters.config import Config
from adapters.discord import DiscordAdapter
from tests.fakes.discord_api import FakeDiscord, FakeUser, Interactions, Sent

CONCURRENT = 50
TARGET_P99_MS = 300.0
ERROR_COLOUR = 0xED4245


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


async def _batch(fake: FakeDiscord, payloads: list[dict[str, object]]) -> list[Sent]:
    answers: list[Sent] = await asyncio.gather(*(fake.interact(p, within=30) for p in payloads))
    for answer in answers:
        if answer.type not in (4, 5) or answer.embed.get("color") == ERROR_COLOUR:
            raise RuntimeError(f"unexpected answer: {answer.call.json}")
    return answers


def _ms(answers: list[Sent], full: bool = False) -> list[float]:
    return [(a.answer_latency if full else a.latency) * 1000 for a in answers]


async def run() -> dict[str, object]:
    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(
            FOLLOWUP_DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.db'}",
            DISCORD_TOKEN="bench-token",
            DISCORD_API_URL=fake.api_url,
            DISCORD_GATEWAY_URL=fake.gateway_url,
        )
        runtime = await bootstrap(
            config, worker_id="bench-discord", platforms=[DiscordPlatform(guild_ready_timeout=0.05)]
        )
        adapter = runtime.adapters["discord"]
        assert isinstance(adapter, DiscordAdapter)
        await adapter.start()
        try:
            await asyncio.wait_for(adapter.wait_until_ready(), 30)
            make = Interactions(fake)
            users = [
                FakeUser(500_000_000_000_000_000 + n, f"user{n}", f"User {n}")
                for n in range(CONCURRENT)
            ]
            await _batch(fake, [make.slash("help", user=users[0])])  # warm-up: first interaction
            add = await _batch(
                fake,
                [
                    make.slash(
                        "add",
                        {
                            "company": f"Company {n}",
                            "role": "Data Engineer",
                            "when": "yesterday 10:00",
                            "interviewer": "Jane Doe",
                        },
                        user=u,
                    )
                    for n, u in enumerate(users)
                ],
            )
            show = await _batch(fake, [make.slash("show", {"id": 1}, user=u) for u in users])
        finally:
            await adapter.stop()
            await runtime.close()
            await fake.close()
    both = _ms(add + show)
    return {
        "suite": "discord_roundtrip",
        "concurrent_interactions": CONCURRENT,
        "add_p50_ms": percentile(_ms(add), 50),
        "add_p99_ms": percentile(_ms(add), 99),
        "show_p50_ms": percentile(_ms(show), 50),
        "show_p99_ms": percentile(_ms(show), 99),
        "p50_ms": percentile(both, 50),
        "p99_ms": percentile(both, 99),
        "max_ms": max(both),
        "deferred": sum(a.deferred for a in add + show),
        "full_answer_p50_ms": percentile(_ms(add + show, full=True), 50),
        "full_answer_p99_ms": percentile(_ms(add + show, full=True), 99),
        "target_p99_ms": TARGET_P99_MS,
        "p99_within_target": percentile(both, 99) < TARGET_P99_MS,
    }
