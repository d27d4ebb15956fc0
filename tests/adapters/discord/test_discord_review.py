"""`review` on Discord with a real email: `/followup review id:<n>` opens a form with one
paragraph field (up to 4,000 characters) whose text reaches the core with its paragraphs; the
`text` option keeps whatever line breaks Discord passes on; drafts keep their line breaks."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from bot import commands as c
from tests.adapters.discord.conftest import ALICE
from tests.fakes.discord_api import FakeDiscord, Interactions
from tests.harness import FacadeProbe

ADD = {
    "company": "Acme Corp",
    "role": "Data Engineer",
    "when": "today 09:00",
    "interviewer": "Jane Doe",
}

EMAIL = """Hi Jane,

Thank you for the time you spent with me today talking about the Data Engineer role at Acme Corp.
Hearing how your team is moving its reports from nightly batches to streaming was the best part.

I came away encouraged and very interested in the position. I have spent three years building
streaming pipelines, and I would be glad to bring that to Acme Corp. I will keep my notes short.

Is there a date that works for you for me to check in again?

Best regards,
Sam Lee
+49 30 1234 5678"""

PUSHY = EMAIL.replace(
    "I will keep my notes short.", "Other companies are interested, so please decide by Friday."
)


@pytest.fixture
def seen(probe: FacadeProbe) -> list[c.Command]:
    """The commands the adapter handed the core (the real core still answers them)."""
    return probe.commands


def _inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {comp["custom_id"]: comp for row in modal["components"] for comp in row["components"]}


async def test_review_without_text_opens_a_paragraph_form_and_reviews_the_whole_email(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, seen: list[c.Command]
) -> None:
    await fake.interact(make.slash("add", ADD, user=ALICE))
    opened = await fake.interact(make.slash("review", {"id": 1}, user=ALICE))
    assert opened.type == 9  # a modal
    [field] = _inputs(opened.data).values()
    assert field["style"] == 2 and field["max_length"] == 4000 and field["required"] is True

    sent = await fake.interact(make.submit(opened.data["custom_id"], {"draft": PUSHY}, user=ALICE))
    assert sent.type == 4 and sent.ephemeral
    assert (
        sent.embed["title"]
        == "Not ready yet — checked as the thank-you email for #1 Acme Corp — Data Engineer"
    )
    description = sent.embed["description"]
    assert "✗ No ultimatum" in description and "✗ No competing offers as leverage" in description
    assert "Why it matters:" in description and "How to fix it:" in description
    assert seen[-1] == c.Review(1, PUSHY)  # paragraphs, signature and line breaks intact


async def test_a_good_email_pasted_into_the_form_is_ready(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    await fake.interact(make.slash("add", ADD, user=ALICE, guild_id=None))
    opened = await fake.interact(make.slash("review", {"id": 1}, user=ALICE, guild_id=None))
    sent = await fake.interact(
        make.submit(opened.data["custom_id"], {"draft": EMAIL}, user=ALICE, guild_id=None)
    )
    assert sent.embed["title"].startswith("Ready to send — checked as the thank-you email")


async def test_the_text_option_keeps_its_line_breaks(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, seen: list[c.Command]
) -> None:
    await fake.interact(make.slash("add", ADD, user=ALICE))
    sent = await fake.interact(make.slash("review", {"id": 1, "text": EMAIL}, user=ALICE))
    assert sent.embed["title"].startswith("Ready to send")
    assert seen[-1] == c.Review(1, EMAIL)


async def test_a_form_for_an_unknown_application_is_answered_privately(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    opened = await fake.interact(make.slash("review", {"id": 7}, user=ALICE))
    sent = await fake.interact(make.submit(opened.data["custom_id"], {"draft": EMAIL}, user=ALICE))
    assert sent.type == 4 and sent.ephemeral
    assert "#7" in sent.embed["title"] or "#7" in (sent.embed.get("description") or "")


async def test_a_draft_keeps_its_paragraphs_for_copy_and_paste(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    await fake.interact(make.slash("add", ADD, user=ALICE))
    sent = await fake.interact(make.slash("draft", {"id": 1}, user=ALICE))
    description = sent.embed["description"]
    assert "Hi Jane,\n\nThank you for the time you spent" in description
    assert "\n\nBest regards,\n" in description
