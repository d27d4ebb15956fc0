"""What reading a date costs: every phrase of the date table (tests/bot/test_dates_table.py)
in its three timezones, and 1,000 lines of gibberish, each read once after a warm-up.

The core reads dates on the event loop every user shares, so the worst case matters as much
as the typical one: the figures are p50, p99 and the maximum of the CPU each phrase costs (the
thread's own time, so other load on the machine doesn't count), and p50 and p99 of the wall
time, in milliseconds per phrase.
"""

from __future__ import annotations

import contextlib
import random
import string
import time
from datetime import datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from bench.seed import percentile
from bot.date_order import effective_order
from bot.dates import Intent, read, warm_up
from bot.errors import BadInput
from bot.limits import MAX_WHEN
from tests.bot.test_dates_table import DEFAULTS, INTENTS, ROWS, ZONES

GIBBERISH_LINES = 1000


def _gibberish(count: int) -> list[str]:
    rng = random.Random(20261104)
    alphabet = string.ascii_letters + string.digits + string.punctuation + "    äöüéß–—"
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, MAX_WHEN))) for _ in range(count)
    ]


def _time_each(
    cases: list[tuple[str, Intent, str, clock_time | None]],
) -> tuple[list[float], list[float]]:
    """CPU time (this thread's: what the phrase itself costs, whatever else the machine is
    doing) and wall time of each reading, in milliseconds."""
    cpu, wall = [], []
    for text, intent, tz_name, default in cases:
        tz = ZoneInfo(tz_name)
        now = datetime(2026, 11, 4, 10, 30, tzinfo=tz)
        order = effective_order(None, None, tz_name)
        started, started_cpu = time.perf_counter(), time.thread_time()
        with contextlib.suppress(BadInput):
            read(
                text,
                intent,
                tz=tz,
                now=now,
                order=order,
                usage="",
                example="",
                default_time=default,
            )
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return cpu, wall


def _figures(name: str, costs: tuple[list[float], list[float]]) -> dict[str, object]:
    cpu, wall = sorted(costs[0]), sorted(costs[1])
    return {
        f"{name}: phrases": len(cpu),
        f"{name}: CPU p50 ms": round(percentile(cpu, 0.5), 3),
        f"{name}: CPU p99 ms": round(percentile(cpu, 0.99), 3),
        f"{name}: CPU max ms": round(cpu[-1], 3),
        f"{name}: wall p50 ms": round(percentile(wall, 0.5), 3),
        f"{name}: wall p99 ms": round(percentile(wall, 0.99), 3),
    }


async def run() -> dict[str, object]:
    warm_up()
    table = [(r.phrase, INTENTS[r.intent], tz, DEFAULTS[r.intent]) for r in ROWS for tz in ZONES]
    gibberish: list[tuple[str, Intent, str, clock_time | None]] = [
        (line, Intent.INTERVIEW, "Europe/Berlin", None) for line in _gibberish(GIBBERISH_LINES)
    ]
    figures: dict[str, object] = {"suite": "dates"}
    figures.update(_figures("table", _time_each(table)))
    figures.update(_figures("gibberish", _time_each(gibberish)))
    return figures
