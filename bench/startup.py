"""Start-up with a million stored rows against an empty database, on SQLite.

- Process start → ready: a real `followup run` (Slack and Discord, against the fakes in this
  process), from spawning it until `/healthz` answers 200 — both platforms connected and the
  first sweep done; seconds, wall and the process's own CPU.
- Runtime start → ready, in-process: `bootstrap` (migrations checked, everything wired), then
  the scheduler's first sweep (claim, then the next-due query), each in milliseconds.

One database stays empty; the other holds `FOLLOWUP_BENCH_STARTUP_ROWS` (default 1,000,000)
pending nudges, each with its application, round and interviewer, due in three days. Runs
alternate between the two (empty, full, empty, …) so both see the same load; each figure is
the median of 3. The issue measured ~0.4 s more start-up at 1M than empty, all of it the first
sweep (CPU-bound: SQLite read every pending row). Target: at most 0.1 s more, in the process's
CPU to ready and in the Runtime's wall time (the process's wall time, seconds of Python
imports and platform connections on a shared machine, is reported but too noisy to judge).
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time as clock
from datetime import UTC, datetime
from pathlib import Path

from bench.seed import fresh_database, seed
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.faults.fleet import Fleet
from tests.harness import make_world

STORED = int(os.environ.get("FOLLOWUP_BENCH_STARTUP_ROWS", "1000000"))
APPS_PER_USER = 10
USERS_PER_CHUNK = 10_000
RUNS = 3
TARGET_EXTRA_S = 0.1
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    """User + system CPU the process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def _fill(url: str, rows: int) -> None:
    database = await fresh_database(url)
    try:
        users = rows // APPS_PER_USER
        for first in range(1, users + 1, USERS_PER_CHUNK):
            await seed(
                database,
                users=min(USERS_PER_CHUNK, users - first + 1),
                apps_per_user=APPS_PER_USER,
                now=datetime.now(UTC),
                platform="slack",
                workspace=DEFAULT_TEAM,
                first_user_id=first,
                external_id=lambda u: f"US{u}",
            )
    finally:
        await database.dispose()


async def _process(url: str, folder: Path) -> tuple[float, float]:
    """(wall s, CPU s) from spawning `followup run` until it is healthy."""
    fleet = Fleet(url, folder)
    await fleet.slack.start()
    await fleet.discord.start()
    try:
        started = clock.perf_counter()
        member = await fleet.spawn()
        await fleet.ready(member)
        took, cpu = clock.perf_counter() - started, _cpu_s(member.pid)
        await fleet.stop()
        return took, cpu
    finally:
        await fleet.close()


async def _runtime(url: str) -> tuple[float, float]:
    """(bootstrap ms, first sweep ms) of a whole bot in this process."""
    started = clock.perf_counter()
    world = await make_world(url, datetime.now(UTC), platform="slack")
    booted = clock.perf_counter()
    try:
        report = await world.runtime.scheduler.sweep()
        assert report is not None and world.runtime.scheduler.last_sweep_ok is not None
        swept = clock.perf_counter()
    finally:
        await world.runtime.close()
    return (booted - started) * 1000, (swept - booted) * 1000


async def run() -> dict[str, object]:
    figures: dict[str, object] = {"suite": "startup", "stored rows": STORED}
    folder = Path(tempfile.mkdtemp(prefix="followup-bench-startup-"))
    urls = {0: f"sqlite:///{folder / 'empty.db'}", STORED: f"sqlite:///{folder / 'full.db'}"}
    try:
        await (await fresh_database(urls[0])).dispose()
        started = clock.perf_counter()
        await _fill(urls[STORED], STORED)
        figures["seeding s"] = clock.perf_counter() - started
        process: dict[int, list[tuple[float, float]]] = {0: [], STORED: []}
        runtime: dict[int, list[tuple[float, float]]] = {0: [], STORED: []}
        for _ in range(RUNS):
            for rows, url in urls.items():
                process[rows].append(await _process(url, folder))
                runtime[rows].append(await _runtime(url))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    label = {0: "empty", STORED: f"{STORED:,} stored"}
    for rows in urls:
        figures[f"process start → ready s, {label[rows]}"] = statistics.median(
            wall for wall, _ in process[rows]
        )
        figures[f"process start → ready CPU s, {label[rows]}"] = statistics.median(
            cpu for _, cpu in process[rows]
        )
        figures[f"Runtime bootstrap ms, {label[rows]}"] = statistics.median(
            boot for boot, _ in runtime[rows]
        )
        figures[f"Runtime first sweep ms, {label[rows]}"] = statistics.median(
            sweep for _, sweep in runtime[rows]
        )
        figures[f"Runtime start → ready ms, {label[rows]}"] = statistics.median(
            boot + sweep for boot, sweep in runtime[rows]
        )
    figures["process start → ready, stored minus empty CPU s"] = (
        statistics.median(cpu for _, cpu in process[STORED])
        - statistics.median(cpu for _, cpu in process[0])
    )
    figures["process start → ready, stored minus empty s"] = statistics.median(
        wall for wall, _ in process[STORED]
    ) - statistics.median(wall for wall, _ in process[0])
    figures["Runtime start → ready, stored minus empty s"] = (
        statistics.median(boot + sweep for boot, sweep in runtime[STORED])
        - statistics.median(boot + sweep for boot, sweep in runtime[0])
    ) / 1000
    extra = [
        figures["process start → ready, stored minus empty CPU s"],
        figures["Runtime start → ready, stored minus empty s"],
    ]
    figures[f"target: at most {TARGET_EXTRA_S:g} s more with rows stored (CPU, Runtime)"] = (
        "met" if all(isinstance(x, float) and x <= TARGET_EXTRA_S for x in extra) else "missed"
    )
    return figures
