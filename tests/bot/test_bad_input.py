"""Bad input gets a clear error with the right form and an example, and changes nothing."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.messages import Tone
from bot.parser import parse
from tests.harness import World, person

ALICE = person("alice")

BAD_COMMANDS = [
    "add Acme",  # too few parts
    "add Acme; Engineer; the day after the heat death of the universe",
    "add " + "X" * 201 + "; Engineer; tomorrow 10:00",
    "add Acme; Engineer; tomorrow 11:00-10:00",
    "add Acme; Engineer; 2031-01-01 10:00",
    "show 99",
    "show abc",
    "sent 1 tomorrow",
    "sent 99",
    "status 1 hired",
    "snooze 1 yesterday",
    "snooze 1 blah",
    "settings tz Mars/Olympus_Mons",
    "settings hour 25:00",
    "settings quiet 22:00",
    "settings weekends maybe",
    "export pdf",
    "delete #x",
    "frobnicate 3",
    "round 1; someday",
    "review #x Thank you for your time",
    "review",
    "checklist nothing",
]


@pytest.mark.parametrize("line", BAD_COMMANDS)
async def test_bad_command_explains_the_form_and_stores_nothing(world: World, line: str) -> None:
    await world.say(ALICE, "add Acme; Engineer; tomorrow 10:00; Jane")
    before = await world.row_counts()
    reply = await world.say(ALICE, line)
    assert reply.tone is Tone.ERROR, reply
    assert "Form:" in reply.body and "Example:" in reply.body
    assert await world.row_counts() == before


async def test_first_contact_with_a_bad_command_stores_no_user(world: World) -> None:
    reply = await world.say(person("newcomer"), "show 1")
    assert reply.tone is Tone.ERROR
    assert (await world.row_counts())["users"] == 0


async def test_gibberish_dates_are_rejected_quickly(world: World) -> None:
    reply = await world.say(ALICE, "add Acme; Engineer; " + "qzx wvu " * 9)
    assert reply.tone is Tone.ERROR


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_raises_anything_but_bad_input(text: str) -> None:
    from bot.errors import BadInput

    try:
        parse(text)
    except BadInput as problem:
        assert problem.problem


command_words = st.sampled_from(
    ["add", "round", "list", "show", "today", "checklist", "draft", "review", "sent", "heard",
     "snooze", "skip", "status", "settings", "export", "delete", "help", "forget-me", "", "zz"]
)
fragments = st.text(alphabet=string.ascii_letters + string.digits + " ;:,#-@<>!/", max_size=60)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(word=command_words, rest=fragments)
async def test_any_text_gets_a_reply_and_a_rejected_command_stores_nothing(
    world: World, word: str, rest: str
) -> None:
    before = await world.row_counts()
    reply = await world.say(ALICE, f"{word} {rest}")
    assert reply.title
    if reply.tone is Tone.ERROR:
        assert await world.row_counts() == before
