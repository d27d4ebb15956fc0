"""The console never exits on an error: a date at the end of the calendar, or a simulated
clock moved past it, gets the same neutral answer as on every platform, and the next line
is read. Run as people run it: `followup console` in a child process, lines piped in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """\
add Acme; Engineer; 2026-11-25 10:00
add X; Y; 9999-12-31 23:30
round 1; 31 december 9999 11pm
:advance 1d
:advance 1d
list
"""


def test_the_console_answers_every_failure_and_keeps_reading(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FOLLOWUP_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "adapters.cli",
            "console",
            "--user",
            "alice",
            "--tz",
            "UTC",
            "--now",
            "9999-12-30T12:00:00+00:00",
        ],
        input=SCRIPT,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout
    # log lines only
    assert all(line.startswith("{") for line in done.stderr.splitlines()), done.stderr
    assert done.stdout.count("Nothing was changed") + done.stdout.count("Form:") >= 3, done.stdout
    last = done.stdout.rsplit("Nothing was changed", 1)[-1]
    assert "applications" in last  # `list`, after the clock overflowed, still answered
