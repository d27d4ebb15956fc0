"""Acceptance check of `import <path>` in the console, through the console's own runner: every
hostile file is refused with the import form, the console goes on, and nothing is logged."""

from __future__ import annotations

import io
import json
from pathlib import Path

from adapters.config import Config
from adapters.console.runner import run_console
from tests.bot.calendar.test_acceptance_invitations import HOSTILE


async def test_every_hostile_file_is_refused_and_the_console_goes_on(tmp_path: Path) -> None:
    lines = []
    for name, data in sorted(HOSTILE.items()):
        target = tmp_path / f"{name.replace(' ', '-')}.ics"
        target.write_bytes(data)
        lines += [f"import {target}", "yes"]  # a "yes" after a refusal confirms nothing
    lines += [f"import {tmp_path}", "list"]  # a directory is no file either
    out = io.StringIO()
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}")
    await run_console(
        config,
        user="alice",
        timezone="Europe/Berlin",
        now="2026-11-25T18:00:00+01:00",
        json_lines=True,
        stdin=io.StringIO("\n".join(lines) + "\n"),
        stdout=out,
    )
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    refusals = records[0:-2:2]
    assert len(refusals) == len(HOSTILE)
    for record in refusals:
        assert "Form: import" in record["text"], record["text"]
        assert [a["label"] for a in record["actions"]] != ["Yes, log it", "Cancel"]
    assert "Form: import" in records[-2]["text"]
    assert "#1" not in records[-1]["text"]  # nothing was logged
