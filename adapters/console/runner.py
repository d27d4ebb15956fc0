"""`followup console`: read lines from standard input and answer on standard output.

With `--now` the clock is simulated and only `:advance` moves it; without it the real clock
runs and the scheduler delivers nudges as they fall due while you type.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.bootstrap import build_runtime
from adapters.config import Config
from adapters.console.output import Output
from adapters.console.session import PLATFORM, ConsoleNotifier, ConsolePoster, ConsoleSession
from bot.clock import Clock, SimulatedClock
from bot.dates import zone
from bot.errors import BadInput
from storage.engine import normalize_url


class ConsoleUsageError(Exception):
    """A bad command-line option for the console."""


def parse_start(text: str, tz: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as problem:
        raise ConsoleUsageError(f"--now must be an ISO-8601 time like 2026-11-25T09:00+01:00 ({problem})") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def data_location(url: str) -> str:
    normalized = normalize_url(url)
    if normalized.startswith("sqlite"):
        path = normalized.split("///", 1)[-1] or ":memory:"
        return path if path.startswith("/") else f"./{path}"
    return normalized.split("@")[-1]


async def run_console(
    config: Config,
    *,
    user: str,
    timezone: str | None,
    now: str | None,
    json_lines: bool,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    banner: str | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        tz = zone(timezone) if timezone else None
    except BadInput as problem:
        raise ConsoleUsageError(f"--tz: {problem.problem} Example: --tz Europe/Berlin") from None
    display_zone = tz or ZoneInfo("UTC")
    clock: Clock | None = SimulatedClock(parse_start(now, display_zone)) if now else None
    runtime = await build_runtime(config, clock=clock)
    output = Output(stdout, json_lines, display_zone)
    runtime.register_notifier(PLATFORM, ConsoleNotifier(output, runtime.clock))
    runtime.register_poster(PLATFORM, ConsolePoster(output, runtime.clock))
    session = ConsoleSession(
        runtime.followup,
        runtime.dispatcher,
        runtime.clock,
        output,
        user=user,
        timezone=tz.key if tz else None,
        export_dir=Path.cwd(),
        digests=runtime.digests,
    )
    where = data_location(config.database_url)
    zone_note = tz.key if tz else "UTC (set yours: settings tz Europe/Berlin)"
    output.say(
        (banner + "\n" if banner else "")
        + f"Type `help` for commands. Your data: {where}. Timezone: {zone_note}\n"
        + ("Simulated clock: `:advance 2d` moves it. " if now else "")
        + "`:quit` leaves."
    )
    interactive = stdin.isatty() and not json_lines
    if now is None:
        runtime.scheduler.start()
    else:
        await session.deliver_due()
    loop = asyncio.get_running_loop()
    try:
        while not session.finished:
            if interactive:
                stdout.write("> ")
                stdout.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            await session.handle_line(line)
    finally:
        await runtime.close()
    return 0
