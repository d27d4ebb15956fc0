"""The dates people type, end to end through the console's `--json` output: what is stored is
what was meant, echoed in full with what was assumed, or refused with nothing stored.

A new user in Europe/Berlin (or America/New_York), with the clock at Wed 4 Nov 2026 10:30.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from adapters.config import Config
from adapters.console.runner import run_console

NOW = "2026-11-04T10:30:00+01:00"


async def _run(tmp_path: Path, script: str, timezone: str = "Europe/Berlin") -> list[str]:
    out = io.StringIO()
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'dates.db'}")
    await run_console(
        config,
        user="ana",
        timezone=timezone,
        now=NOW,
        json_lines=True,
        stdin=io.StringIO(script),
        stdout=out,
    )
    return [
        json.loads(line)["text"]
        for line in out.getvalue().splitlines()
        if json.loads(line)["kind"] == "reply"
    ]


# typed → the echo the reply must carry (and, with ~, a note it must carry too)
ISSUE = [
    ("monday at 10", "Interview Mon 2 Nov 10:00"),
    ("friday at 3", "Interview Fri 6 Nov 15:00 ~I read 3 as 15:00"),
    ("Nov 1 10:00", "Interview Sun 1 Nov 10:00"),
    ("3.12.2026 14:00", "Interview Thu 3 Dec 14:00"),
    ("12/03 14:00", "Interview Fri 12 Mar 2027 14:00"),
    ("tomorrow 2-3pm", "Interview Thu 5 Nov 14:00"),
    ("14:00 - 15:00 tomorrow", "Interview Thu 5 Nov 14:00"),
    ("this afternoon", "Interview Wed 4 Nov 14:00"),
    ("tomorrow evening", "Interview Thu 5 Nov 18:00"),
    ("tomorrow at 3", "Interview Thu 5 Nov 15:00 ~read 3 as 15:00"),
    ("tmrw 10am", "Interview Thu 5 Nov 10:00"),
    ("Thurs 2pm", "Interview Thu 5 Nov 14:00"),
    ("midday", "Interview Wed 4 Nov 12:00"),
    ("4 o'clock", "Interview Wed 4 Nov 16:00 ~read 4 as 16:00"),
    ("a week from monday", "Interview Mon 16 Nov 10:00 ~no time given"),
    ("end of next week", "Interview Fri 13 Nov 10:00 ~end of next week"),
    ("10am-11:30am", "Interview Wed 4 Nov 10:00–11:30"),
]


@pytest.mark.parametrize(("typed", "expected"), ISSUE)
async def test_the_issue_table_is_stored_as_meant(
    tmp_path: Path, typed: str, expected: str
) -> None:
    echo, _, note = expected.partition(" ~")
    [added, shown] = await _run(tmp_path, f"add Acme; Engineer; {typed}; Jane\nshow 1\n")
    assert echo in added, added
    if note:
        assert note in added, added
    assert echo.removeprefix("Interview ") in shown  # the stored round, as `show` gives it


async def test_a_far_agreed_date_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    replies = await _run(
        tmp_path, "add Acme; Engineer; yesterday 15:00; Jane\nsent 1 next Nov 3\nshow 1\n"
    )
    assert "Tue 3 Nov, which has passed" in replies[1] and "type the year" in replies[1]
    assert "Form: sent" in replies[1]
    assert "thank-you sent" not in replies[2] and "next contact agreed" not in replies[2]


async def test_an_agreed_date_is_echoed_with_its_weekday(tmp_path: Path) -> None:
    replies = await _run(
        tmp_path, "add Acme; Engineer; yesterday 15:00; Jane\nsent 1 next end of next week\n"
    )
    assert "They agreed you may get in touch on Fri 13 Nov." in replies[1]
    assert "end of next week" in replies[1]  # what was assumed


async def test_snooze_until_friday_and_tonight(tmp_path: Path) -> None:
    replies = await _run(
        tmp_path,
        "add Acme; Engineer; yesterday 15:00; Jane\nsnooze 1 until friday\nsnooze 1 "
        "tonight\nsnooze 1 this morning\n",
    )
    assert "back Fri 6 Nov 09:00" in replies[1] and "nudge hour" in replies[1]
    assert "back today 19:00 (Wed 4 Nov)" in replies[2]
    assert "not in the future" in replies[3]


async def test_an_overflowing_date_is_a_clear_refusal(tmp_path: Path) -> None:
    [reply, listed] = await _run(tmp_path, "add Acme; Engineer; 9999-12-31 23:30\nlist\n")
    assert "too far from today" in reply and "Form: add" in reply
    assert "No active applications" in listed


async def test_new_york_reads_month_first(tmp_path: Path) -> None:
    [added] = await _run(
        tmp_path, "add Acme; Engineer; 12/03 14:00; Jane\n", timezone="America/New_York"
    )
    assert "Interview Thu 3 Dec 14:00" in added


async def test_a_date_in_another_year_shows_its_year_in_lists(tmp_path: Path) -> None:
    replies = await _run(tmp_path, "add Acme; Engineer; 2027-03-12 14:00; Jane\nshow 1\nlist\n")
    assert "Fri 12 Mar 2027 14:00" in replies[0]
    assert "Round 1 (interview): Fri 12 Mar 2027 14:00–15:00" in replies[1]
    assert "2027" in replies[2]


async def test_settings_dates_changes_how_numeric_dates_read(tmp_path: Path) -> None:
    replies = await _run(
        tmp_path,
        "settings\nsettings dates mdy\nadd Acme; Engineer; 12/03 14:00\nsettings dates auto\nadd "
        "Beta; PM; 12/03 14:00\nsettings dates ymd\n",
    )
    assert "day first: 3/12 is 3 December (from your locale and timezone)" in replies[0]
    assert "month first: 3/12 is 12 March (your choice)" in replies[1]
    assert "Interview Thu 3 Dec 14:00" in replies[2]
    assert "Interview Fri 12 Mar 2027 14:00" in replies[4]
    assert "dates is dmy" in replies[5] and "Form: settings" in replies[5]


async def test_round_alone_explains_the_form_in_the_console(tmp_path: Path) -> None:
    replies = await _run(tmp_path, "add Acme; Engineer; yesterday 15:00; Jane\nround 1\nround 9\n")
    assert (
        "Log a round for #1 Acme — Engineer" in replies[1]
        and "Example: round 1; tomorrow 14:00-15:00" in replies[1]
    )
    assert "You have no application #9" in replies[2]
