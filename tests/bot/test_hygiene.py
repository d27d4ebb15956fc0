"""Invisible characters never get in: control characters, format characters (zero-width,
bidirectional overrides) and lone surrogates are removed at the core's entry, from typed
lines and typed commands (forms, slash-command options) alike; what is left is stored as typed."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot import commands as c
from bot.domain import Identity, Interviewer, RoundKind
from bot.hygiene import clean, clean_fields
from tests.harness import World, person

ALICE = person("alice")
INVISIBLE = (
    "\x00\x07\x1b\x7f\x85\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d"
    "\u202e\u2066\u2067\u2068\u2069\u200e\u200f\ud800\udfff"
)


def visible(text: str) -> bool:
    return all(ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in text)


@given(st.text(alphabet=st.characters(codec=None, categories=None)))
def test_cleaned_text_has_nothing_invisible_and_cleaning_twice_changes_nothing(text: str) -> None:
    cleaned = clean(text)
    assert visible(cleaned) and "\r" not in cleaned
    assert clean(cleaned) == cleaned


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cf", "Cs"))))
def test_visible_text_is_kept_as_typed(text: str) -> None:
    assert clean(text) == text


def test_typed_commands_are_cleaned_field_by_field_and_keep_their_types() -> None:
    command = c.LogRound(
        1, "tomorrow\x00 10:00", RoundKind.PANEL, (Interviewer("Jane\u202e Doe", "C\u200bTO"),)
    )
    cleaned = clean_fields(command)
    assert cleaned == c.LogRound(
        1, "tomorrow 10:00", RoundKind.PANEL, (Interviewer("Jane Doe", "CTO"),)
    )
    assert cleaned.kind is RoundKind.PANEL
    assert (
        clean_fields(Identity("slack", "T1", "U1", display_name="Bob\u202eevil")).display_name
        == "Bobevil"
    )


async def test_a_typed_line_and_a_form_store_the_visible_text_only(world: World) -> None:
    await world.say(ALICE, f"add Ac{INVISIBLE}me; Engi\u202eneer; tomorrow 10:00; Jane\x00 Doe")
    form = c.Add(
        company=f"Glo{INVISIBLE}bex",
        role="Ana\u200blyst",
        when="tomorrow\x00 11:00",
        interviewers=(Interviewer("Sam\u2066 Lee"),),
    )
    reply = await world.runtime.followup.handle_command(ALICE, form)
    assert not reply.is_error, reply
    dump = await world.dump()
    assert "Acme" in dump and "Engineer" in dump and "Jane Doe" in dump
    assert "Globex" in dump and "Analyst" in dump and "Sam Lee" in dump
    assert visible(dump.replace("\n", ""))
