"""The invitation fixtures: files in the shapes Google Calendar, Outlook/Exchange and Apple
Calendar send (from their published examples and RFC 5545/5546), and hostile ones."""

from __future__ import annotations

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parents[2] / "fixtures" / "invitations"


def path(name: str) -> Path:
    return DIRECTORY / name


def fixture(name: str) -> bytes:
    return path(name).read_bytes()


def many_attendees(count: int) -> bytes:
    people = "".join(f"ATTENDEE;CN=Person {i}:mailto:p{i}@bigco.com\r\n" for i in range(count))
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VEVENT\r\nUID:all-hands@bigco.com\r\n"
        "DTSTART:20261203T100000Z\r\nDTEND:20261203T110000Z\r\nSUMMARY:Bigco all hands\r\n"
        f"{people}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
