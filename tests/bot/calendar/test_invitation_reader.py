"""Reading invitations: what the bot understands from each client's shape, and what it refuses."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain import Interviewer, RoundKind
from bot.errors import BadInput
from bot.invitation import (
    MAX_ATTENDEES,
    MAX_BYTES,
    BadInvitation,
    invitation_key,
    normalise_company,
    read_invitation,
)
from tests.bot.calendar.fixtures import fixture, many_attendees

BERLIN = ZoneInfo("Europe/Berlin")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_google_calendar_request_with_vtimezone_and_attendees() -> None:
    inv = read_invitation(fixture("google_request.ics"), BERLIN)
    assert (inv.company, inv.role, inv.kind) == (
        "Northwind",
        "Senior Data Engineer",
        RoundKind.HIRING_MANAGER,
    )
    # 14:00 EST, 45 minutes
    assert (inv.starts_at, inv.ends_at) == (utc("2026-12-03T19:00"), utc("2026-12-03T19:45"))
    assert inv.zone_name == "America/New_York"
    # The candidate's own gmail address is not an interviewer; titles come from the description.
    assert inv.interviewers == (
        Interviewer("Priya Raman", "Head of Data"),
        Interviewer("Marcus Webb", "Staff Engineer"),
    )
    assert (inv.sequence, inv.cancelled) == (0, False)


def test_exchange_request_with_a_windows_timezone_and_a_room() -> None:
    inv = read_invitation(fixture("outlook_request.ics"), ZoneInfo("America/New_York"))
    assert (inv.company, inv.role) == ("Contoso Analytics", "Product Analyst")
    assert inv.zone_name == "Europe/Berlin"  # "W. Europe Standard Time"
    assert inv.starts_at == utc("2026-12-08T08:30")  # 09:30 CET
    # not the room, not the candidate
    assert [p.name for p in inv.interviewers] == ["Jonas Weber", "Hannah Schulz"]
    assert inv.interviewers[0].title == "Analytics Manager"


def test_exchange_update_and_cancellation_keep_the_uid() -> None:
    request, update, cancel = (
        read_invitation(fixture(f"outlook_{n}.ics"), BERLIN)
        for n in ("request", "update", "cancel")
    )
    assert request.key == update.key == cancel.key
    assert (update.sequence, update.starts_at) == (1, utc("2026-12-08T10:30"))
    assert cancel.cancelled and cancel.sequence == 2


def test_outlook_windows_tzid_without_vtimezone_is_mapped() -> None:
    inv = read_invitation(fixture("outlook_windows_tzid_no_vtimezone.ics"), BERLIN)
    assert inv.zone_name == "America/Los_Angeles"
    assert inv.starts_at == utc("2026-12-04T18:30")
    assert (inv.company, inv.role, inv.kind) == ("Fabrikam", "Backend Developer", RoundKind.PHONE)
    # a name made from an address when CN is one
    assert [p.name for p in inv.interviewers] == ["Dana Ortiz", "Sam Lee"]


def test_apple_calendar_request_in_london() -> None:
    inv = read_invitation(fixture("apple_request.ics"), BERLIN)
    assert (inv.company, inv.role, inv.kind) == ("Acme Widgets", "UX Designer", RoundKind.FINAL)
    assert inv.zone_name == "Europe/London" and inv.starts_at == utc("2026-12-10T14:00")
    assert inv.ends_at - inv.starts_at == utc("2026-12-10T16:00") - utc("2026-12-10T14:00")
    assert set(inv.interviewers) == {
        Interviewer("Tom Baker", "Senior Product Designer"),
        Interviewer("Ruth Okafor", "Design Director"),
    }


def test_utc_times_and_duration_from_a_scheduling_tool() -> None:
    inv = read_invitation(fixture("utc_scheduler.ics"), BERLIN)
    # from "Company:"/"Role:" lines
    assert (inv.company, inv.role) == ("Globex", "Machine Learning Engineer")
    assert inv.zone_name == "UTC" and inv.ends_at - inv.starts_at == utc("2026-12-07T15:45") - utc(
        "2026-12-07T15:00"
    )
    # not the no-reply organizer
    assert inv.interviewers == (Interviewer("Wei Zhang", "Principal Engineer"),)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Tokyo", "America/Sao_Paulo"])
def test_floating_times_are_read_in_the_persons_zone(zone: str) -> None:
    inv = read_invitation(fixture("floating.ics"), ZoneInfo(zone))
    assert inv.zone_name is None
    assert inv.starts_at == datetime(2026, 12, 9, 10, 0, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("hostile_recurring.ics", "recurring series"),
        ("hostile_no_event.ics", "no event"),
        ("hostile_unknown_tzid.ics", "Mars/Olympus Mons"),
        ("hostile_malformed.ics", "broken"),
        ("hostile_bad_dtstart.ics", "broken"),
        ("hostile_all_day.ics", "all-day"),
    ],
)
def test_hostile_files_are_refused_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(BadInvitation) as refused:
        read_invitation(fixture(name), BERLIN)
    assert reason in str(refused.value)
    assert "import" in refused.value.usage


def test_oversized_files_are_refused_before_parsing() -> None:
    big = fixture("google_request.ics").replace(
        b"SUMMARY:", b"X-PAD:" + b"a" * MAX_BYTES + b"\r\nSUMMARY:"
    )
    with pytest.raises(BadInvitation, match="KB"):
        read_invitation(big, BERLIN)


def test_thousands_of_attendees_are_refused() -> None:
    with pytest.raises(BadInvitation, match=f"more than {MAX_ATTENDEES}"):
        read_invitation(many_attendees(3000), BERLIN)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"\x00\x01\x02",
        b"hello world",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261203T100000Z\r\n",
        "BEGIN:VCALENDAR\r\nSUMMARY:ünïcode\r\nEND:VCALENDAR\r\n".encode("utf-16"),
    ],
)
def test_things_that_are_not_calendars(data: bytes) -> None:
    with pytest.raises(BadInvitation):
        read_invitation(data, BERLIN)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000) | st.text(max_size=2000).map(str.encode))
def test_any_bytes_are_read_or_refused_never_crash(data: bytes) -> None:
    with contextlib.suppress(BadInput):
        read_invitation(data, BERLIN)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=0, max_value=2000),
    st.sampled_from(["google_request.ics", "apple_request.ics", "outlook_request.ics"]),
)
def test_corrupting_any_line_of_a_real_invitation_never_crashes(cut: int, name: str) -> None:
    data = fixture(name)
    broken = data[:cut] + b"\r\n:;=\r\n" + data[cut:]
    with contextlib.suppress(BadInput):
        read_invitation(broken, BERLIN)


def test_keys_hide_the_uid_and_company_names_compare_loosely() -> None:
    assert len(
        invitation_key("040000008200E00074C5B7101A82E008")
    ) == 24 and "0400" not in invitation_key("0400")
    assert (
        normalise_company("Acme Corp.")
        == normalise_company("ACME")
        == normalise_company("acme, inc")
    )
