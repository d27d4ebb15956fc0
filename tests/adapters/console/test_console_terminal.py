"""The console at a real terminal: a pseudo-terminal (pexpect) types into `followup console`
as a person would, with the real clock and the real scheduler.

A nudge is made due from outside while a line is half typed (another connection logs the
interview, as a second bot process would), so it must arrive above the prompt and leave the
typed text intact. The expect timeouts are generous ceilings, never measured durations.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

from adapters.bootstrap import bootstrap  # noqa: E402
from adapters.config import Config  # noqa: E402
from bot.clock import SimulatedClock  # noqa: E402
from bot.domain import Identity  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
WAIT = 30  # seconds: a ceiling for slow shared machines, not a measurement
UP = "\x1b[A"


def _zone_at_late_morning() -> str:
    """A fixed-offset zone where it is now late morning: no quiet hours, no after-17:00 rule."""
    offset = 11 - datetime.now(UTC).hour
    if offset > 14:
        offset -= 24
    if offset < -12:
        offset += 24
    return f"Etc/GMT{-offset:+d}"


def _spawn(tmp_path: Path, *args: str, colour: bool = False) -> pexpect.spawn:
    env = {
        **os.environ,
        "FOLLOWUP_DATABASE_URL": f"sqlite:///{tmp_path / 'terminal.db'}",
        "FOLLOWUP_DATA_DIR": str(tmp_path / "data"),
        "FOLLOWUP_DISPATCH_INTERVAL": "1",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "TERM": "xterm-256color",
    }
    env.pop("NO_COLOR", None)
    if not colour:
        env["NO_COLOR"] = "1"
    child = pexpect.spawn(
        sys.executable, ["-m", "adapters.cli", "console", *args],
        cwd=str(ROOT), env=env, encoding="utf-8", dimensions=(50, 160), timeout=WAIT,
    )
    # what the terminal showed, for a failure
    child.logfile_read = (tmp_path / "screen.log").open("a", encoding="utf-8")
    return child


async def _log_interview_elsewhere(tmp_path: Path, tz: str) -> None:
    """Log alice's interview through a second connection, the way another process would."""
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'terminal.db'}")
    runtime = await bootstrap(config, clock=SimulatedClock(datetime.now(UTC)), migrate=False)
    alice = Identity("console", "local", "alice", display_name="alice", timezone=tz)
    try:
        await runtime.followup.handle_text(alice, "settings weekends on")
        reply = await runtime.followup.handle_text(
            alice, "add Acme Corp; Data Engineer; today 07:00; Jane Doe"
        )
        assert "#1 Acme Corp" in reply.as_text()
    finally:
        await runtime.close()


def _ready(child: pexpect.spawn) -> None:
    """Wait for the prompt to be drawn: keys typed before it would reach a terminal that is not
    yet in the line editor's raw mode (where Ctrl-D, say, would be swallowed)."""
    child.expect_exact(">")


def _finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before)


def test_a_person_at_the_terminal(tmp_path: Path) -> None:
    tz = _zone_at_late_morning()
    child = _spawn(tmp_path, "--user", "alice", "--tz", tz)
    seen = []
    try:
        child.expect_exact("Tab completes")
        child.expect_exact(">")
        child.sendline("list")
        child.expect_exact("No active applications")
        seen.append(child.before)
        _ready(child)

        child.send(":pre")  # half a line, then a nudge falls due
        asyncio.run(_log_interview_elsewhere(tmp_path, tz))
        child.expect_exact("── direct message to alice")
        child.expect_exact("[1 Sent] [2 Snooze 1 day] [3 Checklist] [4 Draft] [5 Skip]")
        seen.append(child.before)
        child.send("ss 1\r")  # finishes ":press 1", typed before and after the nudge
        child.expect_exact("thank-you marked sent")
        seen.append(child.before)
        _ready(child)

        child.send(UP + UP + "\r")  # history: ":press 1", then "list"
        child.expect_exact("Acme Corp")
        child.expect_exact(">")

        child.sendline("forget-me")
        child.expect_exact("[1 Yes, delete everything] [2 Cancel]")
        _ready(child)
        child.sendline("yes")
        child.expect_exact("I have deleted everything about you")
        seen.append(child.before)
        _ready(child)

        child.send("draft 1")
        child.sendcontrol("c")  # drops the line
        child.expect_exact("Ctrl-C again")
        _ready(child)
        child.sendcontrol("c")  # leaves
        seen.append(_finish(child))
    finally:
        if child.isalive():
            child.terminate(force=True)
    transcript = "".join(str(part) for part in seen)
    assert "Traceback" not in transcript and "Error" not in transcript
    assert "I don't know the command" not in transcript  # ":press 1" arrived whole
    history = (tmp_path / "data" / "history" / "alice").read_text()
    assert "+:press 1" in history and "+list" in history and "draft 1" not in history


def test_ctrl_d_leaves_cleanly_and_history_survives(tmp_path: Path) -> None:
    first = _spawn(tmp_path, "--user", "bob", "--now", "9999-12-30T12:00+00:00")
    first.expect_exact(">")
    first.sendline("settings")
    first.expect_exact("Your delivery settings")
    _ready(first)
    first.sendline(":advance 1w")  # past the calendar's end: answered, not fatal
    first.expect_exact("past the year 9999")
    _ready(first)
    first.sendcontrol("d")
    out = _finish(first)
    assert "Traceback" not in out and "EXIT" not in out

    second = _spawn(tmp_path, "--user", "bob")
    second.expect_exact(">")
    second.send(UP + UP + "\r")  # ":advance 1w", then "settings", from the first session
    second.expect_exact("Your delivery settings")
    _ready(second)
    second.sendline(":quit")
    assert "Traceback" not in _finish(second)


def test_errors_are_coloured_at_a_terminal(tmp_path: Path) -> None:
    child = _spawn(tmp_path, "--user", "carol", colour=True)
    child.expect_exact(">")
    child.sendline("lsit")
    child.expect_exact("\x1b[1;31mI don't know the command “lsit”. Did you mean “list”?")
    _ready(child)
    child.sendline(":quit")
    _finish(child)


def test_ctrl_c_leaves_a_json_console_without_waiting_for_a_line(tmp_path: Path) -> None:
    child = _spawn(tmp_path, "--user", "dora", "--json")  # a terminal, but the plain reader
    child.sendline("list")
    child.expect_exact('"kind": "reply"')
    child.sendcontrol("c")
    out = _finish(child)
    assert "Traceback" not in out
