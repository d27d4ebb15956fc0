"""Every Discord interaction gets an answer, whatever fails inside the core: a date at the
very end of the calendar is answered, and nothing is stored."""

from __future__ import annotations

import pytest

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from tests.adapters.discord.conftest import ALICE
from tests.adapters.discord.helpers import ERROR_COLOUR, applications
from tests.fakes.discord_api import FakeDiscord, Interactions


@pytest.mark.parametrize("when", ["9999-12-31 23:30", "31 december 9999 11pm"])
async def test_a_date_at_the_end_of_the_calendar_is_answered(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime, when: str
) -> None:
    sent = await fake.interact(
        make.slash("add", {"company": "X", "role": "Y", "when": when}, user=ALICE)
    )
    assert sent.embed["color"] == ERROR_COLOUR, sent.embed
    assert await applications(runtime, ALICE) == []
