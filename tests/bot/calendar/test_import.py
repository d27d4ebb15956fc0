"""Importing invitations end to end: the proposal, nothing stored before a yes, a further round
of the same company, updates and cancellations, and the round trip into the feed."""

from __future__ import annotations

import io
import json
from pathlib import Path

from icalendar import Calendar

from adapters.config import Config
from adapters.console.runner import run_console
from bot import commands as c
from bot.domain import Identity
from bot.messages import Message
from tests.bot.calendar.fixtures import fixture, path
from tests.harness import World, person

ALICE = person("alice")
BOB = person("bob")


async def read(world: World, who: Identity, name: str) -> Message:
    return await world.runtime.followup.handle_command(
        who, c.ImportInvitation(data=fixture(name), filename=name)
    )


async def confirm(world: World, who: Identity, reply: Message) -> Message:
    """What a platform does on "yes": run the proposed command."""
    assert reply.proposal is not None and reply.proposal.complete, reply.as_text()
    return await world.runtime.followup.handle_command(who, reply.proposal.command)


async def test_a_proposal_stores_nothing_until_confirmed(world: World) -> None:
    before = await world.row_counts()
    reply = await read(world, ALICE, "google_request.ics")
    assert not reply.is_error, reply.as_text()
    assert reply.proposal is not None
    assert reply.proposal.line == (
        "add Northwind; Senior Data Engineer; 2026-12-03 20:00-20:45; hiring-manager; Priya "
        "Raman, Head of Data; Marcus Webb, Staff Engineer"
    )
    assert "14:00 in America/New_York" in reply.body and "45 minutes" in reply.body
    assert [a.label for a in reply.actions] == ["Yes, log it", "Cancel"]
    after = await world.row_counts()
    assert {k: v for k, v in after.items() if k != "users"} == {
        k: v for k, v in before.items() if k != "users"
    }
    assert after["applications"] == 0 and after["invitation_links"] == 0

    logged = await confirm(world, ALICE, reply)
    assert not logged.is_error and logged.title == "#1 Northwind — Senior Data Engineer"
    shown = await world.say(ALICE, "show 1")
    assert "Priya Raman (Head of Data)" in shown.body and "Thu 3 Dec 20:00" in shown.body


async def test_same_company_is_a_further_round_and_the_feed_carries_it(world: World) -> None:
    await world.say(ALICE, "add Northwind Inc; Senior Data Engineer; yesterday 10:00; Lee Chen")
    reply = await read(world, ALICE, "google_request.ics")
    assert reply.proposal is not None and isinstance(reply.proposal.command, c.LogRound)
    assert reply.proposal.line.startswith(
        "round 1; 2026-12-03 20:00-20:45; hiring-manager; Priya Raman"
    )
    assert "further round of #1 Northwind Inc" in reply.body
    logged = await confirm(world, ALICE, reply)
    assert "round 2 logged" in logged.title

    exported = await world.say(ALICE, "export ics")
    assert exported.attachment is not None
    events = list(Calendar.from_ical(exported.attachment.content).walk("VEVENT"))
    summaries = [str(e.get("summary")) for e in events]
    assert any("Northwind Inc" in s for s in summaries)
    thank_you = next(e for e in events if "r2" in str(e.get("uid")))
    # planned after the imported round
    assert thank_you.decoded("dtstart") > thank_you.decoded("dtstamp")
    assert "Send by" in str(thank_you.get("description"))


async def test_an_update_changes_the_round_and_a_cancel_removes_it(world: World) -> None:
    await world.say(ALICE, "add Contoso Analytics; Product Analyst; yesterday 10:00; Hannah Schulz")
    first = await confirm(world, ALICE, await read(world, ALICE, "outlook_request.ics"))
    assert "round 2 logged" in first.title

    again = await read(world, ALICE, "outlook_request.ics")
    assert again.proposal is None and "already logged as round 2" in again.body

    update = await read(world, ALICE, "outlook_update.ics")
    assert update.proposal is not None and update.proposal.line.startswith(
        "round 1 change 2; 2026-12-08 11:30-12:30"
    )
    assert "It was updated" in update.body
    changed = await confirm(world, ALICE, update)
    assert "round 2 corrected" in changed.title

    stale = await read(world, ALICE, "outlook_request.ics")  # SEQUENCE 0 after 1
    assert stale.proposal is None and "older version" in stale.body

    cancel = await read(world, ALICE, "outlook_cancel.ics")
    assert cancel.proposal is not None and cancel.proposal.line == "round 1 remove 2"
    removed = await confirm(world, ALICE, cancel)
    assert "round 2 removed" in removed.title
    assert (await world.row_counts())["invitation_links"] == 0


async def test_cancelling_the_only_round_proposes_deleting_the_application(world: World) -> None:
    await confirm(world, ALICE, await read(world, ALICE, "outlook_request.ics"))
    cancel = await read(world, ALICE, "outlook_cancel.ics")
    assert cancel.proposal is not None and cancel.proposal.line == "delete 1"
    await confirm(world, ALICE, cancel)
    assert (await world.row_counts())["applications"] == 0


async def test_a_cancellation_never_imported_changes_nothing(world: World) -> None:
    reply = await read(world, ALICE, "outlook_cancel.ics")
    assert reply.proposal is None and "nothing to remove" in reply.body


async def test_links_are_per_person(world: World) -> None:
    await confirm(world, ALICE, await read(world, ALICE, "outlook_request.ics"))
    theirs = await read(world, BOB, "outlook_update.ics")  # Bob got the same invitation
    assert theirs.proposal is not None and isinstance(theirs.proposal.command, c.Add)


async def test_missing_company_or_role_asks_for_it(world: World) -> None:
    data = fixture("floating.ics").replace(
        b"SUMMARY:Initech interview - QA Engineer", b"SUMMARY:Interview"
    )
    data = data.replace(b"ORGANIZER;CN=Bill Lumbergh:mailto:bill@initech.com\r\n", b"")
    reply = await world.runtime.followup.handle_command(ALICE, c.ImportInvitation(data=data))
    assert reply.proposal is not None and not reply.proposal.complete
    assert "⟨company⟩; ⟨role⟩" in reply.proposal.line and not reply.actions


async def test_hostile_files_change_nothing(world: World) -> None:
    await world.say(ALICE, "add Acme; Engineer; yesterday 10:00")
    before = await world.row_counts()
    for name in (
        "hostile_recurring.ics",
        "hostile_no_event.ics",
        "hostile_unknown_tzid.ics",
        "hostile_malformed.ics",
        "hostile_all_day.ics",
    ):
        reply = await read(world, ALICE, name)
        assert reply.is_error and "import" in reply.as_text()
    assert await world.row_counts() == before


async def test_import_by_path_only_where_files_are_local(world: World) -> None:
    reply = await world.say(ALICE, f"import {path('apple_request.ics')}")
    assert reply.is_error and "share the .ics file" in reply.body + reply.title


async def test_console_import_shows_the_command_and_yes_logs_it(tmp_path: Path) -> None:
    script = (
        f"import {path('apple_request.ics')}\nyes\nimport "
        f"{path('outlook_request.ics')}\nno\nimport {tmp_path / 'missing.ics'}\nlist\n"
    )
    out = io.StringIO()
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}")
    await run_console(
        config,
        user="alice",
        timezone="Europe/Berlin",
        now="2026-11-25T18:00:00+01:00",
        json_lines=True,
        stdin=io.StringIO(script),
        stdout=out,
    )
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    proposal, logged, second, declined, missing, listing = records
    assert (
        "add Acme Widgets; UX Designer; 2026-12-10 15:00-17:00; final; Tom Baker, Senior Product "
        "Designer" in proposal["text"]
    )
    assert [a["label"] for a in proposal["actions"]] == ["Yes, log it", "Cancel"]
    assert "#1 Acme Widgets — UX Designer" in logged["text"]
    assert "Contoso Analytics" in second["text"] and "Nothing was logged" in declined["text"]
    assert "There is no file" in missing["text"]
    assert "Acme Widgets" in listing["text"] and "Contoso" not in listing["text"]
