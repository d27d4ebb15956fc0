"""Acceptance checks of invitation import written from the issue's list: Exchange's Windows
zone names with their VTIMEZONE, names and titles written into CN, a further round found for
a company spelled another way, and every hostile shape refused with nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import commands as c
from bot.domain import Interviewer
from bot.invitation import BadInvitation, read_invitation
from tests.bot.calendar.fixtures import fixture, many_attendees
from tests.harness import World, person

ALICE = person("alice")
BERLIN = ZoneInfo("Europe/Berlin")

PST_VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Pacific Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T020000\r\n"
    "TZOFFSETFROM:-0700\r\nTZOFFSETTO:-0800\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:-0800\r\nTZOFFSETTO:-0700\r\n"
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)


def invitation(
    summary: str,
    *,
    people: str = "",
    description: str = "",
    extra_event: str = "",
    zone: str = PST_VTIMEZONE,
    method: str = "REQUEST",
    uid: str = "accept-1@mail.example.net",
) -> bytes:
    """An Exchange-shaped METHOD:REQUEST with a Windows zone name and its VTIMEZONE."""
    return (
        f"BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nPRODID:Microsoft Exchange Server "
        f"2010\r\nVERSION:2.0\r\n{zone}BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{summary}\r\n"
        f"DESCRIPTION:{description}\r\nDTSTART;TZID=Pacific Standard "
        "Time:20261209T090000\r\nDTEND;TZID=Pacific Standard "
        f"Time:20261209T093000\r\nDTSTAMP:20261126T101500Z\r\nSEQUENCE:0\r\n{people}END:VEVENT\r\n"
        f"{extra_event}END:VCALENDAR\r\n"
    ).encode()


def test_pacific_standard_time_with_its_vtimezone_is_los_angeles() -> None:
    inv = read_invitation(invitation("Fabrikam phone screen - Backend Developer"), BERLIN)
    assert inv.zone_name == "America/Los_Angeles"
    assert (inv.starts_at, inv.ends_at) == (
        datetime(2026, 12, 9, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 17, 30, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "cn",
    [
        '"Jane Doe (Engineering Manager)"',
        '"Jane Doe, Engineering Manager"',
        '"Jane Doe - Engineering Manager"',
    ],
)
def test_a_title_written_into_the_name_is_read_as_the_title(cn: str) -> None:
    people = (
        f"ORGANIZER;CN={cn}:mailto:jane.doe@fabrikam.com\r\nATTENDEE;CN={cn};"
        "ROLE=REQ-PARTICIPANT:mailto:jane.doe@fabrikam.com\r\n"
    )
    inv = read_invitation(
        invitation("Fabrikam interview - Backend Developer", people=people), BERLIN
    )
    assert inv.interviewers == (Interviewer("Jane Doe", "Engineering Manager"),)


def test_a_name_written_surname_first_is_kept_whole() -> None:
    people = 'ATTENDEE;CN="Weber, Jonas";ROLE=REQ-PARTICIPANT:mailto:jonas.weber@fabrikam.com\r\n'
    inv = read_invitation(
        invitation("Fabrikam interview - Backend Developer", people=people), BERLIN
    )
    assert inv.interviewers == (Interviewer("Weber, Jonas", ""),)


def test_two_events_in_one_file_are_refused() -> None:
    second = (
        "BEGIN:VEVENT\r\nUID:accept-2@mail.example.net\r\nSUMMARY:Other\r\nDTSTART:20261210T090000Z\r\n"
        "DTEND:20261210T100000Z\r\nDTSTAMP:20261126T101500Z\r\nEND:VEVENT\r\n"
    )
    with pytest.raises(BadInvitation, match="2 events"):
        read_invitation(invitation("Fabrikam interview", extra_event=second), BERLIN)


HOSTILE = {
    "oversized": b"BEGIN:VCALENDAR\r\nX-PAD:" + b"a" * (300 * 1024) + b"\r\nEND:VCALENDAR\r\n",
    "no event": fixture("hostile_no_event.ics"),
    "series": fixture("hostile_recurring.ics"),
    "crowd": many_attendees(3000),
    "unknown zone": fixture("hostile_unknown_tzid.ics"),
    "malformed": fixture("hostile_malformed.ics"),
    "garbage": bytes(range(256)) * 8,
    "two events": invitation("Fabrikam interview", extra_event=(
        "BEGIN:VEVENT\r\nUID:accept-2@x\r\nDTSTART:20261210T090000Z\r\nDTSTAMP:20261126T101500Z\r\nEND:VEVENT\r\n")),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_every_hostile_file_is_refused_with_the_form_and_nothing_changes(
    world: World, name: str
) -> None:
    await world.say(ALICE, "add Fabrikam; Engineer; yesterday 10:00")
    before = await world.row_counts()
    reply = await world.runtime.followup.handle_command(
        ALICE, c.ImportInvitation(data=HOSTILE[name], filename="x.ics")
    )
    assert reply.is_error and reply.proposal is None and not reply.actions
    assert "import" in reply.as_text()  # the right form
    assert await world.row_counts() == before


@pytest.mark.parametrize(
    ("logged", "written"),
    [
        ("Acme Corp", "Acme Corporation"),
        ("Acme Corporation", "ACME"),
        ("ACME", "Acme Corp."),
        ("Acme, Inc.", "acme"),
    ],
)
async def test_a_further_round_is_recognised_however_the_company_is_spelt(
    world: World, logged: str, written: str
) -> None:
    await world.say(ALICE, f"add {logged}; Data Engineer; yesterday 10:00; Lee Chen")
    people = (
        "ORGANIZER;CN=Sam Recruiter:mailto:sam@greenhouse.io\r\nATTENDEE;CN=Ruth "
        "Okafor:mailto:ruth@example.com\r\n"
    )
    data = invitation(f"{written} - second interview - Data Engineer", people=people)
    reply = await world.runtime.followup.handle_command(
        ALICE, c.ImportInvitation(data=data, filename="x.ics")
    )
    assert reply.proposal is not None and isinstance(reply.proposal.command, c.LogRound), (
        reply.as_text()
    )
    assert reply.proposal.line.startswith("round 1;")
    assert (await world.row_counts())["rounds"] == 1  # still nothing stored before the yes


RFC5546_CANCEL = (
    # RFC 5546 §4.2.9: a CANCEL names the event by UID and SEQUENCE; DTSTART is optional.
    b"BEGIN:VCALENDAR\r\nPRODID:-//Example/ExampleCalendarClient//EN\r\nMETHOD:CANCEL\r\n"
    b"VERSION:2.0\r\nBEGIN:VEVENT\r\nORGANIZER:mailto:jane.doe@fabrikam.com\r\nATTENDEE;"
    b"CUTYPE=INDIVIDUAL:mailto:alex@gmail.com\r\nUID:accept-1@mail.example.net\r\nCOMMENT:The "
    b"interviewer is ill. Let us find another "
    b"day.\r\nSEQUENCE:1\r\nSTATUS:CANCELLED\r\nDTSTAMP:20261127T190000Z\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


async def test_a_cancellation_without_times_removes_the_round_after_a_yes(world: World) -> None:
    await world.say(ALICE, "add Fabrikam; Backend Developer; yesterday 10:00; Sam Lee")
    people = "ATTENDEE;CN=Jane Doe:mailto:jane.doe@fabrikam.com\r\n"
    request = await world.runtime.followup.handle_command(
        ALICE,
        c.ImportInvitation(
            data=invitation("Fabrikam interview - Backend Developer", people=people)
        ),
    )
    assert request.proposal is not None and isinstance(request.proposal.command, c.LogRound)
    await world.runtime.followup.handle_command(ALICE, request.proposal.command)
    assert (await world.row_counts())["rounds"] == 2

    cancel = await world.runtime.followup.handle_command(
        ALICE, c.ImportInvitation(data=RFC5546_CANCEL)
    )
    assert not cancel.is_error, cancel.as_text()
    assert cancel.proposal is not None and cancel.proposal.line == "round 1 remove 2"
    assert (await world.row_counts())["rounds"] == 2  # nothing before the yes
    await world.runtime.followup.handle_command(ALICE, cancel.proposal.command)
    assert (await world.row_counts())["rounds"] == 1


async def test_a_cancellation_without_times_of_an_unknown_invitation_changes_nothing(
    world: World,
) -> None:
    before = await world.row_counts()
    reply = await world.runtime.followup.handle_command(
        ALICE, c.ImportInvitation(data=RFC5546_CANCEL)
    )
    assert reply.proposal is None and "nothing to remove" in reply.body
    after = await world.row_counts()
    assert {k: v for k, v in after.items() if k != "users"} == {
        k: v for k, v in before.items() if k != "users"
    }


def test_the_summarys_spelling_wins_over_a_run_together_mail_domain() -> None:
    people = (
        "ORGANIZER;CN=Jane Doe:mailto:jane@acmecorp.com\r\nATTENDEE;CN=Jane "
        "Doe:mailto:jane@acmecorp.com\r\n"
    )
    inv = read_invitation(
        invitation("Acme Corporation interview - Data Engineer", people=people), BERLIN
    )
    assert (inv.company, inv.role) == ("Acme Corporation", "Data Engineer")
    assert [p.name for p in inv.interviewers] == ["Jane Doe"]


@pytest.mark.parametrize("address", ["jane@acmecorp.com", "jane@acme.com", "jane@acme-corp.co.uk"])
async def test_a_further_round_is_recognised_by_the_employers_mail_domain(
    world: World, address: str
) -> None:
    await world.say(ALICE, "add Acme Corp; Data Engineer; yesterday 10:00; Lee Chen")
    people = f"ORGANIZER;CN=Jane Doe:mailto:{address}\r\nATTENDEE;CN=Jane Doe:mailto:{address}\r\n"
    reply = await world.runtime.followup.handle_command(
        ALICE,
        c.ImportInvitation(data=invitation("Second interview - Data Engineer", people=people)),
    )
    assert reply.proposal is not None and isinstance(reply.proposal.command, c.LogRound), (
        reply.as_text()
    )
