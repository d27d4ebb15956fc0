"""Buttons that destroy something ask first, privately, on Discord: someone else's button is
refused before any question; "no" leaves everything as it was; "yes" (persistent, so it works
after a restart) presses it and its answer replaces the question."""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.domain import EventKind
from tests.adapters.discord.conftest import ALICE, BOB, StartAdapter
from tests.adapters.discord.helpers import applications
from tests.fakes.discord_api import FakeDiscord, Interactions, custom_ids, dm_channel_id


async def _nudge(fake: FakeDiscord, make: Interactions, runtime: Runtime) -> dict[str, Any]:
    options = {
        "company": "Acme",
        "role": "Data Engineer",
        "when": "today 09:00",
        "interviewer": "Jane Doe",
    }
    await fake.interact(make.slash("add", options, user=ALICE))
    assert (await runtime.dispatcher.run_once()).delivered == 1
    [dm] = [m for m in fake.messages.values() if m["channel_id"] == str(dm_channel_id(ALICE.id))]
    return dm


async def test_skip_asks_first_no_keeps_it_and_yes_skips(
    adapter: DiscordAdapter,
    start_adapter: StartAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
) -> None:
    dm = await _nudge(fake, make, runtime)
    skip = next(i for i in custom_ids(dm) if i.startswith("fu:skip:"))
    asked = await fake.interact(make.press(skip, dm, user=ALICE))
    assert asked.type == 4 and asked.ephemeral  # a private question, even in the DM
    assert asked.embed["title"] == "Skip this email?" and "next step" in asked.embed["description"]
    assert asked.custom_ids == [skip.replace("fu:", "fuy:", 1), skip.replace("fu:", "fun:", 1)]
    labels = [c["label"] for row in asked.data["components"] for c in row["components"]]
    assert labels == ["Skip it", "Keep it"]
    [app] = await applications(runtime, ALICE)
    assert app.events == ()  # nothing before the answer
    assert asked.message is not None

    kept = await fake.interact(make.press(asked.custom_ids[1], asked.message, user=ALICE))
    assert (
        kept.type == 7
        and kept.embed["title"] == "Not pressed: nothing changed."
        and kept.data["components"] == []
    )
    [app] = await applications(runtime, ALICE)
    assert app.events == ()

    again = await fake.interact(make.press(skip, dm, user=ALICE))
    assert again.message is not None
    await adapter.stop()  # the question outlives the process that asked it
    restarted = await start_adapter()
    await fake.wait_identified(count=2)
    await asyncio.wait_for(restarted.wait_until_ready(), 5)
    done = await fake.interact(make.press(again.custom_ids[0], again.message, user=ALICE))
    assert done.type == 7 and "skipped" in done.embed["title"]  # the answer replaces the question
    await fake.wait_for_call(
        lambda call: (
            call.method == "PATCH"
            and call.path == f"/channels/{dm['channel_id']}/messages/{dm['id']}"
        )
    )
    nudge = fake.messages[int(dm["id"])]  # and the nudge in the DM shows it too, its buttons gone
    assert "skipped" in nudge["embeds"][0]["title"] and nudge["components"] == []
    [app] = await applications(runtime, ALICE)
    assert [e.kind for e in app.events] == [EventKind.SKIPPED]


async def test_someone_elses_delete_is_refused_before_any_question(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _nudge(fake, make, runtime)
    shown = await fake.interact(make.slash("show", {"id": 1}, user=ALICE))
    delete = next(i for i in shown.custom_ids if i.startswith("fu:delete:"))
    assert shown.message is not None
    refused = await fake.interact(
        make.press(delete, shown.message, user=BOB, guild_id=fake.guilds[0])
    )
    assert refused.ephemeral and refused.embed["title"] == "That button isn't yours."
    assert not any(i.startswith("fuy:") for i in refused.custom_ids)  # no yes to press
    yes = delete.replace("fu:", "fuy:", 1)
    question = {
        **shown.message,
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 4, "label": "Delete it", "custom_id": yes}],
            }
        ],
    }
    forged = await fake.interact(make.press(yes, question, user=BOB, guild_id=fake.guilds[0]))
    assert forged.embed["title"] == "That button isn't yours."  # a forged "yes" is checked again
    assert len(await applications(runtime, ALICE)) == 1

    asked = await fake.interact(
        make.press(delete, shown.message, user=ALICE, guild_id=fake.guilds[0])
    )
    assert asked.embed["title"] == "Delete this application?" and asked.message is not None
    gone = await fake.interact(
        make.press(asked.custom_ids[0], asked.message, user=ALICE, guild_id=fake.guilds[0])
    )
    assert gone.type == 7 and gone.embed["title"].startswith("Deleted #1 Acme")
    assert await applications(runtime, ALICE) == []
