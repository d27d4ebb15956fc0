"""Round kinds (`bot.kinds`): the one table of how a kind is spelt, typed as a command's kind
or mentioned in free text (an invitation's title and description, a recruiter's message),
and that the invitation reader and the message reader both read kinds from it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import RoundKind
from bot.extract import extract
from bot.invitation import read_invitation
from bot.kinds import MENTIONS, PRECEDENCE, kind_mentioned, kind_of
from tests.bot.calendar.fixtures import fixture

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_every_kind_mentioned_in_free_text_is_typed_the_same_way() -> None:
    for kind, spellings in MENTIONS.items():
        for spelling in spellings:
            assert kind_of(spelling) is kind, spelling


def test_every_mentioned_kind_has_a_place_in_the_precedence() -> None:
    assert set(PRECEDENCE) == set(MENTIONS)
    assert len(PRECEDENCE) == len(set(PRECEDENCE))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Your onsite at Contoso", RoundKind.PANEL),
        ("On-site interviews with the team", RoundKind.PANEL),
        ("an on site day in Berlin", RoundKind.PANEL),
        ("Super Day: Globex", RoundKind.PANEL),
        ("Superday at Globex", RoundKind.PANEL),
        ("your interview loop", RoundKind.PANEL),
        ("a panel with three engineers", RoundKind.PANEL),
        ("Recruiter call with Sam", RoundKind.PHONE),
        ("Phone screen - Acme Corp", RoundKind.PHONE),
        ("a quick screening", RoundKind.PHONE),
        ("Hiring manager interview", RoundKind.HIRING_MANAGER),
        ("hiring-manager chat", RoundKind.HIRING_MANAGER),
        ("HM round", RoundKind.HIRING_MANAGER),
        ("Final round", RoundKind.FINAL),
    ],
)
def test_a_kind_is_read_from_its_mention_in_free_text(text: str, kind: RoundKind) -> None:
    assert kind_mentioned(text) is kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("final onsite", RoundKind.FINAL),
        ("phone screen with the hiring manager", RoundKind.HIRING_MANAGER),
        ("panel, after the recruiter call", RoundKind.PANEL),
    ],
)
def test_the_first_kind_in_precedence_wins(text: str, kind: RoundKind) -> None:
    assert kind_mentioned(text) is kind


@pytest.mark.parametrize(
    "text", ["Video call with Jane, Engineering Manager", "a technical interview", "", "screens"]
)
def test_a_text_naming_no_kind_is_an_interview(text: str) -> None:
    assert kind_mentioned(text) is RoundKind.INTERVIEW


def test_the_message_reader_reads_kinds_from_the_table() -> None:
    draft = extract(
        "Your on site at Contoso is on Friday 13 November, 9am.", tz=BERLIN, now=NOW, order=None
    )
    assert draft.kind is RoundKind.PANEL


def test_the_invitation_reader_reads_kinds_from_the_table() -> None:
    data = fixture("google_request.ics").replace(b"hiring manager interview", b"on site day")
    assert read_invitation(data, BERLIN).kind is RoundKind.PANEL


def test_the_message_reader_takes_the_messages_own_spelling_of_the_senders_company() -> None:
    text = (
        "Hi Alex, thank you for applying to Acme Corporation! Could we talk on Tuesday at "
        "10:00?\n\nSam Lee\nsam.lee@acmecorp.com"
    )
    draft = extract(text, tz=BERLIN, now=NOW, order=None)
    assert draft.company == "Acme Corporation"
