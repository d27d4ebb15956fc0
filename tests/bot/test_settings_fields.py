"""A refused `settings` says which value it is about (`Message.about`), so a form can show the
refusal under that field; the words are the typed command's, whichever way it came."""

from __future__ import annotations

import pytest

from bot import commands as c
from tests.harness import World, person

ALICE = person("alice")


@pytest.mark.parametrize(
    ("line", "about", "words"),
    [
        ("settings tz Mars/Olympus_Mons", "timezone", "is not a timezone I know"),
        ("settings hour 25:00", "hour", "is not a time of day"),
        ("settings hour 21:30 quiet 21:00-07:30", "hour", "falls inside your quiet hours"),
        ("settings quiet 21:00", "quiet", "is not a range of hours"),
        ("settings quiet 21:00-", "quiet", "need a start and an end"),
        ("settings quiet 9pm-9pm", "quiet", "is no range"),
        ("settings quiet 21:00-26:00", "quiet", "is not a time of day"),
        ("settings dates ymd", "dates", "dates is dmy"),
    ],
)
async def test_a_refused_setting_names_its_field_and_keeps_the_typed_words(
    world: World, line: str, about: str, words: str
) -> None:
    await world.say(ALICE, "settings")
    before = (await world.say(ALICE, "settings")).fields
    reply = await world.say(ALICE, line)
    assert reply.is_error and reply.about == about and words in reply.title
    assert (
        "Form: settings" in reply.body
        or "Form: settings tz" in reply.body
        or "Form: HH:MM" in reply.body
    )
    assert (await world.say(ALICE, "settings")).fields == before  # nothing changed


async def test_the_same_values_as_a_command_get_the_same_refusal(world: World) -> None:
    typed = await world.say(ALICE, "settings hour 21:30 quiet 21:00-07:30")
    built = await world.runtime.followup.handle_command(
        ALICE, c.Settings(hour="21:30", quiet="21:00-07:30", weekends=False, dates="auto")
    )
    assert (built.title, built.about) == (typed.title, typed.about)


async def test_a_setting_that_is_fine_is_about_nothing(world: World) -> None:
    reply = await world.say(ALICE, "settings hour 08:30 quiet off dates MDY")
    assert not reply.is_error and reply.about is None
