"""Long `list`, `today` and `show` on Discord: each page is one embed within Discord's limits
(no shortened text, no .txt), with persistent Next/Previous buttons that edit the message in
place, after a restart too; the last page says `export` has everything."""

from __future__ import annotations

import asyncio

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from adapters.discord.render import DESCRIPTION, EMBED_TOTAL, FULL_TEXT
from tests.adapters.discord.conftest import ALICE, BOB, StartAdapter
from tests.adapters.discord.helpers import identity, stored_user
from tests.fakes.discord_api import FakeDiscord, Interactions, Sent


def _size(embed: dict[str, object]) -> int:
    fields = embed.get("fields") or []
    assert isinstance(fields, list)
    footer = embed.get("footer") or {}
    assert isinstance(footer, dict)
    texts = [embed.get("title") or "", embed.get("description") or "", footer.get("text", "")]
    texts += [f["name"] + f["value"] for f in fields]
    return sum(len(str(t)) for t in texts)


def _fits(sent: Sent) -> None:
    assert (
        len(sent.embed.get("description", "")) <= DESCRIPTION and _size(sent.embed) <= EMBED_TOTAL
    )
    assert not sent.call.files and FULL_TEXT not in str(sent.data)  # nothing was cut to fit


async def _many(runtime: Runtime, count: int) -> None:
    for n in range(count):
        line = (
            f"add Company {n:02d} **&** <Sons>; Analyst_{n}; tomorrow 10:00; Jane Doe, "
            "Director of *Things*"
        )
        assert not (await runtime.followup.handle_text(identity(ALICE), line)).is_error


async def test_list_pages_fit_and_next_edits_in_place_after_a_restart(
    adapter: DiscordAdapter,
    start_adapter: StartAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
) -> None:
    await _many(runtime, 70)
    first = await fake.interact(make.slash("list", user=ALICE))
    _fits(first)
    alice = await stored_user(runtime, ALICE)
    assert alice is not None
    assert first.custom_ids == [f"fu:page:{alice.id}:list.2"]
    assert "Page 1 of" in first.embed["footer"]["text"]
    assert first.message is not None

    await adapter.stop()
    restarted = await start_adapter()
    await fake.wait_identified(count=2)
    await asyncio.wait_for(restarted.wait_until_ready(), 5)

    second = await fake.interact(
        make.press(first.custom_ids[0], first.message, user=ALICE, guild_id=fake.guilds[0])
    )
    assert second.type == 7  # the same message, now showing page 2
    _fits(second)
    assert second.custom_ids == [f"fu:page:{alice.id}:list.1", f"fu:page:{alice.id}:list.3"]
    assert second.embed["description"] != first.embed["description"]
    shown = [
        line.split(" ", 1)[0]
        for line in first.embed["description"].splitlines()
        + second.embed["description"].splitlines()
    ]
    assert len(shown) == len(set(shown))  # no application on two pages

    stale = f"fu:page:{alice.id}:list.99"  # a message from when there were many more pages
    old = {
        **first.message,
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 2, "label": "Next ›", "custom_id": stale}],
            }
        ],
    }
    last = await fake.interact(make.press(stale, old, user=ALICE, guild_id=fake.guilds[0]))
    assert last.type == 7 and "export" in last.embed["footer"]["text"]  # a stale page: the last one
    bobs = await fake.interact(
        make.press(first.custom_ids[0], first.message, user=BOB, guild_id=fake.guilds[0])
    )
    assert bobs.type == 4 and bobs.ephemeral and bobs.embed["title"] == "That button isn't yours."


async def test_a_long_show_and_today_come_in_pages(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _many(runtime, 40)
    people = "; ".join(
        f"Interviewer {i} With A Long Name, Head of Something Important {i}" for i in range(10)
    )
    for day in range(2, 6):
        assert not (
            await runtime.followup.handle_text(
                identity(ALICE), f"round 1; in {day} days 10:00; panel; {people}"
            )
        ).is_error
    show = await fake.interact(make.slash("show", {"id": 1}, user=ALICE))
    _fits(show)
    assert any(i.endswith(":show.2") for i in show.custom_ids) and any(
        i.startswith("fu:delete:") for i in show.custom_ids
    )
    assert show.message is not None
    nxt = next(i for i in show.custom_ids if i.endswith(":show.2"))
    page2 = await fake.interact(make.press(nxt, show.message, user=ALICE, guild_id=fake.guilds[0]))
    assert page2.type == 7
    _fits(page2)
    today = await fake.interact(make.slash("today", user=ALICE))
    _fits(today)
