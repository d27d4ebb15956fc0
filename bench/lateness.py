"""Lateness: how long after its due time a nudge reaches the person, while a real `followup
run` (Slack and Discord, default settings: 15 s dispatch interval, 15 s lease) is running.

100 Slack and 100 Discord nudges fall due one after another over 20 s, starting 20 s after
they were stored (so the process has seen them at an interval tick, as with any nudge planned
ahead); the fakes answer at once and stamp each message when it arrives (Slack's `ts`,
Discord's `timestamp`). Lateness = arrival − due, per platform adapter, on SQLite: with an
empty database and with `FOLLOWUP_BENCH_LATENESS_ROWS` (default 1,000,000) other nudges stored
(pending, due in three days, on the same platforms). Target: p99 under 2 s.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bench.seed import percentile, seed
from bot.dispatcher import delivery_key
from storage.models import NudgeRow
from storage.nudges import nudge_from_row
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.faults.fleet import DISCORD_IDS, Fleet

PER_PLATFORM = 100
LEAD = timedelta(seconds=20)
SPREAD = timedelta(seconds=20)
STORED = int(os.environ.get("FOLLOWUP_BENCH_LATENESS_ROWS", "1000000"))
TARGET_P99_S = 2.0
DEFAULTS = {
    "FOLLOWUP_DELIVERY_LEASE": "15",
    "FOLLOWUP_SEND_TIMEOUT": "15",
    "FOLLOWUP_DISPATCH_INTERVAL": "15",
}


async def _measure(stored: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="followup-bench-lateness-"))
    fleet = Fleet(f"sqlite:///{folder / 'lateness.db'}", folder, settings=dict(DEFAULTS))
    try:
        await fleet.start()
        assert fleet.database is not None
        first = 1
        if stored:
            half = stored // 2
            now = datetime.now(UTC)
            await seed(fleet.database, users=half // 4, apps_per_user=4, now=now, platform="slack",
                       workspace=DEFAULT_TEAM, external_id=lambda u: f"US{u}")
            await seed(
                fleet.database,
                users=half // 4,
                apps_per_user=4,
                now=now,
                platform="discord",
                first_user_id=half // 4 + 1,
                workspace="dm",
                external_id=lambda u: str(DISCORD_IDS + 10**9 + u),
            )
            first = 2 * (half // 4) * 4 + 1  # past the stored applications' ids too
        await fleet.ready(await fleet.spawn())
        await fleet.seed(PER_PLATFORM, PER_PLATFORM, due_in=timedelta(hours=1), first_user_id=first)
        start = datetime.now(UTC) + LEAD
        due: dict[str, tuple[str, datetime]] = {}
        async with fleet.database.sessions() as session:
            rows = (await session.execute(
                select(NudgeRow.__table__).where(NudgeRow.user_id >= first).order_by(NudgeRow.id)
            )).all()
            slack = [r for r in rows if r.user_id < first + PER_PLATFORM]
            discord = [r for r in rows if r.user_id >= first + PER_PLATFORM]
            interleaved = [
                pair
                for both in zip(slack, discord, strict=True)
                for pair in zip(("slack", "discord"), both, strict=True)
            ]
            for i, (platform, row) in enumerate(interleaved):
                at = start + SPREAD * (i / len(rows))
                await session.execute(
                    update(NudgeRow).where(NudgeRow.id == row.id).values(due_at=at)
                )
                due[delivery_key(nudge_from_row(row))] = (platform, at)
            await session.commit()
        await fleet.until(
            lambda: fleet.arrived() >= len(due),
            (LEAD + SPREAD).total_seconds() + 60,
            "nudges missing",
        )
        await fleet.stop()
        arrived = {
            str(m["metadata"]["event_payload"]["nudge"]): datetime.fromtimestamp(
                float(m["ts"]), UTC
            )
            for m in fleet.slack.messages()
            if m.get("metadata")
        }
        arrived |= {
            str(m["nonce"]): datetime.fromisoformat(m["timestamp"])
            for m in fleet.discord.created
            if m.get("nonce")
        }
        figures: dict[str, float] = {}
        for platform in ("slack", "discord"):
            late = [
                (arrived[k] - at).total_seconds()
                for k, (p, at) in due.items()
                if p == platform and k in arrived
            ]
            figures[f"{platform} p50 s"] = percentile(late, 0.5)
            figures[f"{platform} p99 s"] = percentile(late, 0.99)
            figures[f"{platform} max s"] = max(late)
            figures[f"{platform} over 2 s"] = float(sum(x > 2 for x in late))
        return figures
    finally:
        await fleet.close()
        shutil.rmtree(folder, ignore_errors=True)


async def run() -> dict[str, object]:
    figures: dict[str, object] = {
        "suite": "lateness",
        "nudges per platform": PER_PLATFORM,
        "database": "sqlite",
    }
    p99s = []
    for stored in (0, STORED):
        measured = await _measure(stored)
        p99s += [measured[f"{platform} p99 s"] for platform in ("slack", "discord")]
        for key, value in measured.items():
            figures[f"{stored:,} stored: {key}"] = value
    figures[
        f"target: p99 < {TARGET_P99_S:g} s on Slack and Discord, empty and {STORED:,} stored"
    ] = "met" if len(p99s) == 4 and all(p < TARGET_P99_S for p in p99s) else "missed"
    return figures
