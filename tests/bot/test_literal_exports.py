"""Hostile text in the files the bot writes and in the console: a CSV cell a spreadsheet would
run as a formula is prefixed with `'`; the calendar and the console show the text as typed,
without its invisible characters."""

from __future__ import annotations

import csv
import io

import icalendar
from hypothesis import given
from hypothesis import strategies as st

from bot.export import cell
from tests.harness import World, person
from tests.hostile import COMPANY, FORMULA, INVISIBLE_CHARS, VISIBLE_COMPANY

ALICE = person("alice")


@given(st.text())
def test_no_csv_cell_starts_a_formula(text: str) -> None:
    shown = cell(text)
    assert isinstance(shown, str)
    assert not shown.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert shown.removeprefix("'") == text or shown == text


async def test_formulas_in_every_text_column_open_as_text(world: World) -> None:
    await world.say(ALICE, f"add {FORMULA}; +SUM(A1:A9); yesterday 10:00; @cmd, -2+3")
    reply = await world.say(ALICE, "export csv")
    assert reply.attachment is not None
    [row] = list(csv.DictReader(io.StringIO(reply.attachment.content)))
    assert row["company"] == "'" + FORMULA
    assert row["role"] == "'+SUM(A1:A9)"
    assert row["interviewers"] == "'@cmd (-2+3)"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@"))


async def test_the_calendar_and_the_console_reply_show_the_text_as_typed(world: World) -> None:
    added = await world.say(ALICE, f"add {COMPANY}; Eng ```x```; tomorrow 10:00; Jane *Doe*")
    assert VISIBLE_COMPANY in added.as_text()
    reply = await world.say(ALICE, "export ics")
    assert reply.attachment is not None
    calendar = icalendar.Calendar.from_ical(reply.attachment.content)
    summaries = [str(event.get("summary")) for event in calendar.walk("VEVENT")]
    assert summaries and all(VISIBLE_COMPANY in s for s in summaries), summaries
    assert not INVISIBLE_CHARS & set(reply.attachment.content)
