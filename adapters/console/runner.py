"""`followup console`: read lines from standard input and answer on standard output.

At a terminal the line editor in `terminal.py` reads the lines; piped input is read line by line
as it comes. With `--now` the clock is simulated and only `:advance` moves it; without it the
real clock runs and the scheduler delivers nudges as they fall due while you type.

Which database: FOLLOWUP_DATABASE_URL when it is set; otherwise, with `--now`, a temporary one
that is deleted when the console ends (a simulated clock never touches real data); otherwise
`followup.db` in the per-user data directory (`files.py`). Only the nudges of the people who
spoke in this console (the starting user and everyone named with `:as`) are delivered here.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.bootstrap import bootstrap
from adapters.config import Config
from adapters.console import files
from adapters.console.output import Output, colour_wanted
from adapters.console.session import PLATFORM, ConsoleNotifier, ConsolePoster, ConsoleSession
from adapters.outlets import Outlet
from adapters.platforms import close_within
from adapters.settle import settled
from bot.clock import Clock, SimulatedClock, SystemClock
from bot.dates import zone
from bot.errors import BadInput
from storage.engine import normalize_url


class ConsoleUsageError(Exception):
    """A bad command-line option for the console."""


def parse_start(text: str, tz: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as problem:
        raise ConsoleUsageError(
            f"--now must be an ISO-8601 time like 2026-11-25T09:00+01:00 ({problem})"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def data_location(url: str) -> str:
    normalized = normalize_url(url)
    if normalized.startswith("sqlite"):
        path = normalized.split("///", 1)[-1] or ":memory:"
        return path if path.startswith("/") else f"./{path}"
    return normalized.split("@")[-1]


def default_data_dir(config: Config | None = None) -> Path:
    return files.data_dir(config.data_dir if config else None)


def _console_database(config: Config, simulated: bool, stack: ExitStack) -> tuple[Config, str]:
    """The config the console runs on, and a phrase saying where its data is."""
    if "database_url" in config.model_fields_set:
        return config, data_location(config.database_url)
    if simulated:
        scratch = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="followup-simulated-"))
        )
        url = files.database_url(scratch)
        return config.model_copy(
            update={"database_url": url}
        ), "a temporary database, deleted when you leave"
    directory = default_data_dir(config)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise ConsoleUsageError(
            f"can't create the data directory {directory} ({problem.strerror}); set "
            "FOLLOWUP_DATA_DIR to a writable one"
        ) from None
    url = files.database_url(directory)
    return config.model_copy(update={"database_url": url}), data_location(url)


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
    export_dir: Path | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        tz = zone(timezone) if timezone else None
    except BadInput as problem:
        raise ConsoleUsageError(f"--tz: {problem.problem} Example: --tz Europe/Berlin") from None
    display_zone = tz or ZoneInfo("UTC")
    clock: Clock | None = SimulatedClock(parse_start(now, display_zone)) if now else None
    with ExitStack() as stack:
        config, where = _console_database(config, now is not None, stack)
        return await _converse(
            config, clock, user=user, tz=tz, display_zone=display_zone, json_lines=json_lines,
            stdin=stdin, stdout=stdout, banner=banner, where=where,
            export_dir=export_dir or default_data_dir(config) / "exports",
        )
    raise AssertionError("unreachable")  # for mypy: the with block always returns


async def _converse(
    config: Config,
    clock: Clock | None,
    *,
    user: str,
    tz: ZoneInfo | None,
    display_zone: ZoneInfo,
    json_lines: bool,
    stdin: TextIO,
    stdout: TextIO,
    banner: str | None,
    where: str,
    export_dir: Path,
) -> int:
    terminal = _is_tty(stdin) and _is_tty(stdout) and not json_lines
    output = Output(
        stdout, json_lines, display_zone, colour=terminal and colour_wanted(stdout, json_lines)
    )
    ticking = clock or SystemClock()
    # Only the nudges of the people who spoke here are delivered here (the session adds them).
    people: set[str] = set()
    runtime = await bootstrap(
        config,
        clock=ticking,
        outlets={
            PLATFORM: Outlet(ConsoleNotifier(output, ticking), ConsolePoster(output, ticking))
        },
        audience=lambda: people,
        local_files=files.read_local_file,  # the person is at this machine: `import <path>`
    )
    session = ConsoleSession(
        runtime.followup,
        runtime.dispatcher,
        runtime.clock,
        output,
        user=user,
        timezone=tz.key if tz else None,
        export_dir=export_dir,
        digests=runtime.digests,
        people=people,
    )
    zone_note = tz.key if tz else "UTC (set yours: settings tz Europe/Berlin)"
    if banner:
        output.say(banner, "bold")
    output.say(f"Type `help` for commands. Your data: {where}. Timezone: {zone_note}")
    if clock is not None:
        output.say(
            f"Simulated clock at {clock.now().astimezone(display_zone):%a %d %b %Y %H:%M}: "
            "`:advance 2d` moves it."
        )
    output.say(
        "`:quit` leaves." + (" Tab completes; Up recalls earlier lines." if terminal else ""), "dim"
    )
    try:
        if clock is None:
            runtime.scheduler.start()
        else:
            await session.deliver_due()
        await session.refresh_choices()
        with settled():
            if terminal:
                from adapters.console.terminal import interactive_loop

                await interactive_loop(
                    session, output, files.history_file(default_data_dir(config), session.user)
                )
            else:
                await _piped_loop(session, stdin)
        if session.cancel_draft():
            output.say("(the draft was not reviewed: it needs a line holding only “.” at its end)")
    finally:
        await close_within(runtime.close())
    return 0


async def _piped_loop(session: ConsoleSession, stdin: TextIO) -> None:
    """Lines in the order they come. They are read by a daemon thread, so Ctrl-C (or the end of
    the process) never waits for a line that hasn't been typed yet. Ctrl-C leaves once the line
    being answered is done, so a command is never cut off halfway (its database work, or a
    nudge it is sending); a second Ctrl-C leaves at once."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()
    interrupted = asyncio.Event()

    def hand_over(line: str) -> bool:
        try:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        except RuntimeError:  # the loop has closed: the console is over
            return False
        return True

    def read() -> None:
        try:
            for line in iter(stdin.readline, ""):
                if not hand_over(line):
                    return
        except (OSError, ValueError):  # standard input closed under us
            pass
        hand_over("")

    def on_interrupt() -> None:
        if interrupted.is_set():
            raise KeyboardInterrupt  # pressed again: don't wait for the line in progress
        interrupted.set()
        lines.put_nowait("")

    threading.Thread(target=read, name="console-input", daemon=True).start()
    with _handling_interrupts(loop, on_interrupt):
        while not session.finished and not interrupted.is_set():
            line = await lines.get()
            if not line:
                break
            await session.handle_line(line)


@contextmanager
def _handling_interrupts(
    loop: asyncio.AbstractEventLoop, handler: Callable[[], None]
) -> Iterator[None]:
    """Ctrl-C calls `handler` instead of cancelling whatever is running. Where the loop has
    no Unix signals (Windows), Ctrl-C keeps its default behaviour."""
    try:
        loop.add_signal_handler(signal.SIGINT, handler)
    except (NotImplementedError, RuntimeError):
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
