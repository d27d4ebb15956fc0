"""The console adapter end to end: a piped script with --now, :advance, :as, :press, --json."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.config import Config
from adapters.console.runner import ConsoleUsageError, run_console

SCRIPT = """\
add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe, Engineering Manager
:advance 1d
:press Sent
:as bob
show 1
:press Sent
add <!channel> @everyone Corp; QA; tomorrow 09:00
:as alice
status 1 rejected
:advance 1d
export ics
forget-me
:press Yes, delete everything
list
:quit
this line is never read
"""


async def _run(tmp_path: Path, script: str, *, json_lines: bool = True, now: str | None = "2026-11-25T18:00:00+01:00") -> list[dict]:
    out = io.StringIO()
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}")
    await run_console(config, user="alice", timezone="Europe/Berlin", now=now, json_lines=json_lines, stdin=io.StringIO(script), stdout=out)
    if not json_lines:
        return [{"text": out.getvalue()}]
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_piped_script_with_simulated_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    records = await _run(tmp_path, SCRIPT)
    kinds = [(r["kind"], r["user"]) for r in records]
    assert kinds[:3] == [("reply", "alice"), ("dm", "alice"), ("reply", "alice")]
    assert all(set(r) == {"kind", "user", "channel", "at", "text", "actions"} for r in records)

    added, nudge, pressed = records[:3]
    assert added["at"] == "2026-11-25T18:00:00+01:00"
    assert "thank-you to Jane Doe" in added["text"]
    assert nudge["at"] == "2026-11-26T12:00:00+01:00"  # delivered at its due time while advancing
    assert [a["label"] for a in nudge["actions"]] == ["Sent", "Snooze 1 day", "Checklist", "Draft", "Skip"]
    assert "☐ " in nudge["text"]  # the checklist is part of the text
    assert "thank-you marked sent" in pressed["text"]

    bob = [r for r in records if r["user"] == "bob"]
    assert "You have no application #1" in bob[0]["text"]  # bob can't see alice's #1
    assert "No recent message of yours" in bob[1]["text"]  # nor press her buttons
    assert "<!channel> @everyone Corp" in bob[2]["text"]  # shown as text, stored as typed

    close_loop = next(r for r in records if r["kind"] == "dm" and "close" in r["text"].lower())
    assert close_loop["at"] == "2026-11-27T09:00:00+01:00"  # next morning after the rejection
    ics = next(r for r in records if "BEGIN:VCALENDAR" in r["text"])
    assert "Saved to" in ics["text"] and (tmp_path / "console-data" / "exports" / "followup-alice.ics").exists()
    assert "No active applications" in records[-1]["text"]
    assert not any("never read" in r["text"] for r in records)


async def test_text_mode_prints_a_banner_and_dm_headers(tmp_path: Path) -> None:
    [out] = await _run(tmp_path, "add Acme; Engineer; tomorrow 10:00; Jane\n:advance 2d\n", json_lines=False)
    assert "Type `help` for commands" in out["text"]
    assert "── direct message to alice · Thu 26 Nov 12:00 ──" in out["text"]


async def test_advance_needs_a_simulated_clock(tmp_path: Path) -> None:
    records = await _run(tmp_path, ":advance 1d\n", now=None)
    assert "needs a simulated clock" in records[0]["text"]


async def test_bad_options_are_explained(tmp_path: Path) -> None:
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(ConsoleUsageError, match="Europe/Berlin"):
        await run_console(config, user="a", timezone="Nowhere/Land", now=None, json_lines=True, stdin=io.StringIO(""), stdout=io.StringIO())
    with pytest.raises(ConsoleUsageError, match="ISO-8601"):
        await run_console(config, user="a", timezone=None, now="next week", json_lines=True, stdin=io.StringIO(""), stdout=io.StringIO())


def test_cli_help_lists_subcommands_and_bot_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["help"]) == 0
    out = capsys.readouterr().out
    for word in ("run", "console", "db", "--now", "add <company>; <role>; <when>", "forget-me"):
        assert word in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "console" in capsys.readouterr().out


def test_cli_db_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert (tmp_path / "cli.db").exists()
