"""Acceptance checks of importing on Discord, through real discord.py against the fake: every
hostile attachment gets a clear refusal and stores nothing, text that would ping arrives as
text with mentions off, and someone else's "Yes, log it" logs nothing for them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.clock import SimulatedClock
from tests.adapters.discord.conftest import ALICE, BOB
from tests.adapters.discord.helpers import ERROR_COLOUR, applications
from tests.bot.calendar.test_acceptance_invitations import HOSTILE, invitation
from tests.fakes.discord_api import GUILD_ID, FakeDiscord, Interactions, Sent


def _buttons(sent: Sent) -> dict[str, str]:
    return {
        c["label"]: c["custom_id"]
        for row in sent.data.get("components", [])
        for c in row["components"]
    }


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_a_hostile_attachment_is_refused(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime, name: str
) -> None:
    sent = await fake.interact(
        make.slash_file(
            "import", "file", f"{name}.ics", HOSTILE[name], user=ALICE, guild_id=GUILD_ID
        )
    )
    assert sent.embed["color"] == ERROR_COLOUR and sent.ephemeral
    assert "import" in str(sent.embed)
    assert "Yes, log it" not in _buttons(sent)
    assert await applications(runtime, ALICE) == []


async def test_pinging_text_is_literal_and_another_persons_yes_logs_nothing(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    clock = runtime.clock
    assert isinstance(clock, SimulatedClock)
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    loud = "@everyone @here <@123456789012345678> <@&555> Fabrikam - Backend Developer"
    sent = await fake.interact(
        make.slash_file(
            "import", "file", "loud.ics", invitation(loud), user=ALICE, guild_id=GUILD_ID
        )
    )
    assert sent.embed["color"] != ERROR_COLOUR, sent.embed
    assert sent.data["allowed_mentions"] == {"parse": []}
    assert sent.message is not None
    theirs = await fake.interact(
        make.press(_buttons(sent)["Yes, log it"], sent.message, user=BOB, guild_id=GUILD_ID)
    )
    assert theirs.ephemeral and "isn't yours" in theirs.embed["title"]
    assert sent.ephemeral  # in a server, the proposal was Alice's alone to see
    assert await applications(runtime, BOB) == [] and await applications(runtime, ALICE) == []
    mine = await fake.interact(
        make.press(_buttons(sent)["Yes, log it"], sent.message, user=ALICE, guild_id=GUILD_ID)
    )
    assert mine.embed["title"].startswith("#1 ")
    assert [a.company for a in await applications(runtime, ALICE)] == [
        mine.embed["title"][3:].split(" — ")[0].replace("\\", "")
    ]
