"""Dates over Discord: every date option autocompletes with the bot's reading of what is typed
so far, in the user's timezone and date order (the interaction's locale counts), so a
misreading shows before the command is sent."""

from __future__ import annotations

from dataclasses import replace

from adapters.discord import DiscordAdapter
from tests.adapters.discord.conftest import ALICE
from tests.fakes.discord_api import FakeDiscord, Interactions

ADD = {"company": "Acme", "role": "Data Engineer", "when": "today 09:00", "interviewer": "Jane Doe"}


async def test_the_when_of_add_shows_its_reading(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    await fake.interact(make.slash("settings", {"tz": "Europe/Berlin"}, user=ALICE))
    # Now is Wed 12 Mar 2025 13:00 in Berlin.
    sent = await fake.interact(
        make.slash("add", {**ADD, "when": "friday at 3"}, user=ALICE, focused="when")
    )
    assert sent.type == 8
    [choice] = sent.data["choices"]
    assert choice["value"] == "friday at 3"
    assert (
        choice["name"].startswith("Fri 14 Mar 2025 15:00") and "read 3 as 15:00" in choice["name"]
    )


async def test_a_refusal_shows_before_sending(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    await fake.interact(make.slash("add", ADD, user=ALICE))
    sent = await fake.interact(
        make.slash("sent", {"id": 1, "next": "yesterday"}, user=ALICE, focused="next")
    )
    [choice] = sent.data["choices"]
    assert choice["name"].startswith("? ") and "in the past" in choice["name"]
    assert len(choice["name"]) <= 100


async def test_round_ranges_and_the_locale_order(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    await fake.interact(make.slash("add", ADD, user=ALICE))
    british = replace(ALICE, locale="en-GB")
    sent = await fake.interact(
        make.slash("round", {"id": 1, "when": "4/3 2-3pm"}, user=british, focused="when")
    )
    assert sent.data["choices"][0]["name"].startswith("Tue 4 Mar 2025 14:00–15:00")
    american = replace(ALICE, locale="en-US")  # and no timezone set: UTC, so the locale decides
    sent = await fake.interact(
        make.slash("round", {"id": 1, "when": "4/3 2-3pm"}, user=american, focused="when")
    )
    assert sent.data["choices"][0]["name"].startswith("Thu 3 Apr 2025 14:00–15:00")


async def test_snooze_keeps_its_durations_after_the_reading(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    sent = await fake.interact(
        make.slash("snooze", {"id": 1, "until": "tomorrow evening"}, user=ALICE, focused="until")
    )
    assert sent.data["choices"][0] == {
        "name": "Thu 13 Mar 2025 18:00 (took “tomorrow evening” as 18:00)",
        "value": "tomorrow evening",
    }
