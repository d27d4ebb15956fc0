"""`export`: a real CSV and a real iCalendar file, checked with real parsers."""

from __future__ import annotations

import csv
import io

from icalendar import Calendar

from tests.harness import World, person

ALICE = person("alice")


async def test_csv_export_parses(world: World) -> None:
    await world.say(ALICE, "add Acme, Inc.; Data \"Wrangler\"; tomorrow 10:00; Jane Doe, EM")
    await world.say(ALICE, "add Beta; PM; friday 15:00")
    reply = await world.say(ALICE, "export csv")
    assert reply.attachment is not None and reply.attachment.mime_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(reply.attachment.content)))
    assert [r["company"] for r in rows] == ["Acme, Inc.", "Beta"]
    assert rows[0]["role"] == 'Data "Wrangler"'
    assert rows[0]["current_step"] == "thank-you"
    assert rows[0]["interviewers"] == "Jane Doe (EM)"


async def test_ics_export_parses_with_one_event_per_pending_email(world: World) -> None:
    """No overdue reminders and no projected value-adds: only what is really pending."""
    await world.say(ALICE, "add Acme; Data Engineer; tomorrow 10:00; Jane Doe")
    reply = await world.say(ALICE, "export ics")
    assert reply.attachment is not None and reply.attachment.mime_type == "text/calendar"
    calendar = Calendar.from_ical(reply.attachment.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    first = min(events, key=lambda e: e.decoded("dtstart"))
    assert str(first.get("summary")) == "Thank-you email: Acme — Data Engineer"
    assert first.decoded("dtstart").isoformat() == "2026-11-26T11:00:00+00:00"  # 12:00 in Berlin
    assert str(first.get("uid")).endswith("r1:ty@followup")
