"""`/followup add` with no options opens the form; a bad field gets a private error with the
entered values and a button that reopens the form filled in."""

from __future__ import annotations

from typing import Any

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from tests.adapters.discord.conftest import ALICE
from tests.adapters.discord.helpers import ERROR_COLOUR, applications
from tests.fakes.discord_api import FakeDiscord, Interactions


def _inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["custom_id"]: c for row in modal["components"] for c in row["components"]}


async def test_add_without_options_opens_the_form_and_logs_the_interview(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    opened = await fake.interact(make.slash("add", user=ALICE))
    assert opened.type == 9
    assert set(_inputs(opened.data)) == {"company", "role", "when", "interviewers"}
    assert _inputs(opened.data)["interviewers"]["required"] is False

    values = {
        "company": "Acme",
        "role": "Data Engineer",
        "when": "today 09:00",
        "interviewers": "Jane Doe, EM; Sam Lee",
    }
    sent = await fake.interact(make.submit(opened.data["custom_id"], values, user=ALICE))
    assert sent.type == 4 and sent.ephemeral
    assert sent.embed["title"] == "#1 Acme — Data Engineer"
    [app] = await applications(runtime, ALICE)
    assert [p.name for p in app.rounds[0].interviewers] == ["Jane Doe", "Sam Lee"]


async def test_a_bad_field_gets_an_error_with_the_values_and_a_prefilled_retry(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    opened = await fake.interact(make.slash("add", user=ALICE, guild_id=None))
    values = {
        "company": "Acme",
        "role": "Data Engineer",
        "when": "sometime-ish maybe",
        "interviewers": "",
    }
    sent = await fake.interact(
        make.submit(opened.data["custom_id"], values, user=ALICE, guild_id=None)
    )
    assert sent.ephemeral  # private even in DMs: it's about a form only they saw
    assert sent.embed["color"] == ERROR_COLOUR
    entered = {f["name"]: f["value"] for f in sent.embed["fields"]}["What you entered"]
    assert "Company: Acme" in entered and "When: sometime-ish maybe" in entered
    assert await applications(runtime, ALICE) == []

    [retry] = sent.custom_ids
    assert sent.message is not None
    reopened = await fake.interact(make.press(retry, sent.message, user=ALICE))
    assert reopened.type == 9
    assert {k: v.get("value") for k, v in _inputs(reopened.data).items()} == {
        "company": "Acme",
        "role": "Data Engineer",
        "when": "sometime-ish maybe",
        "interviewers": None,
    }



async def test_every_bad_field_is_named_in_the_error_with_the_text_commands_messages(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    opened = await fake.interact(make.slash("add", user=ALICE))
    people = "; ".join(f"Person {i}" for i in range(11))
    values = {
        "company": " ",
        "role": "Data Engineer",
        "when": "today 09:00",
        "interviewers": people,
    }
    sent = await fake.interact(make.submit(opened.data["custom_id"], values, user=ALICE))
    assert sent.embed["color"] == ERROR_COLOUR
    assert (
        sent.embed["title"]
        == "The company name is missing. That is more than 10 interviewers for one round."
    )
    assert await applications(runtime, ALICE) == []
