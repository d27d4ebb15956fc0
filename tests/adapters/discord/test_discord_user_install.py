"""A person's own (user) install of Followup, through real discord.py against the fake: the
interactions come as Discord sends them for a user install (`authorizing_integration_owners`
{"1": user id}, no server install, a narrower `app_permissions`) — in the bot's DM, in a
server that never added the bot, and in a group DM. The personal commands work in all three,
privately wherever others could see; nudges still arrive by DM; the group channel commands
are refused with where they work."""

from __future__ import annotations

from typing import Any

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.groups import ChannelRef
from tests.adapters.discord.conftest import ALICE
from tests.adapters.discord.helpers import ERROR_COLOUR, applications
from tests.fakes.discord_api import (
    CHANNEL_ID,
    FOREIGN_GUILD_ID,
    PRIVATE_CHANNEL_ID,
    FakeDiscord,
    Interactions,
    custom_ids,
    dm_channel_id,
)

ADD = {"company": "Acme", "role": "Data Engineer", "when": "today 09:00", "interviewer": "Jane Doe"}


def _dms(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [m for m in fake.messages.values() if m["channel_id"] == str(dm_channel_id(ALICE.id))]


async def test_in_the_bots_dm_commands_work_and_the_nudge_arrives(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    payload = make.slash("add", ADD, user=ALICE, guild_id=None, user_install=True)
    assert (
        payload["authorizing_integration_owners"] == {"1": str(ALICE.id)}
        and payload["context"] == 1
    )
    assert "guild_id" not in payload
    added = await fake.interact(payload)
    assert added.embed["color"] != ERROR_COLOUR, added.embed
    assert not added.ephemeral  # the person's own DM with the bot
    assert (await runtime.dispatcher.run_once()).delivered == 1
    [opened] = fake.calls_to("POST", r"/users/@me/channels")
    assert int(opened.json["recipient_id"]) == ALICE.id
    [nudge] = _dms(fake)
    assert nudge["embeds"][0]["title"] == "Time for your thank-you email — Acme"
    assert any(i.startswith("fu:skip:") for i in custom_ids(nudge))


async def test_in_a_server_that_never_added_the_bot_the_personal_commands_work_privately(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    assert FOREIGN_GUILD_ID not in fake.guilds
    payload = make.slash("add", ADD, user=ALICE, guild_id=FOREIGN_GUILD_ID, user_install=True)
    assert (
        payload["authorizing_integration_owners"] == {"1": str(ALICE.id)}
        and payload["context"] == 0
    )
    added = await fake.interact(payload)
    assert added.embed["color"] != ERROR_COLOUR, added.embed
    assert added.ephemeral  # others in the channel never see it
    listed = await fake.interact(
        make.slash("list", user=ALICE, guild_id=FOREIGN_GUILD_ID, user_install=True)
    )
    assert listed.ephemeral and "#1 Acme" in listed.embed["description"]
    shown = await fake.interact(
        make.slash("show", {"id": 1}, user=ALICE, guild_id=FOREIGN_GUILD_ID, user_install=True)
    )
    assert shown.message is not None
    draft = next(i for i in shown.custom_ids if i.startswith("fu:draft:"))
    pressed = await fake.interact(
        make.press(draft, shown.message, user=ALICE, guild_id=FOREIGN_GUILD_ID, user_install=True)
    )
    assert pressed.ephemeral and pressed.embed["title"].startswith("Draft")
    # the same person everywhere: what was logged in that server is in the DM too
    in_dm = await fake.interact(make.slash("list", user=ALICE, guild_id=None, user_install=True))
    assert "#1 Acme" in in_dm.embed["description"]
    assert len(await applications(runtime, ALICE)) == 1
    # nothing posted in any channel
    assert fake.calls_to("POST", rf"/channels/{CHANNEL_ID}/messages") == []


async def test_in_a_group_dm_replies_are_private(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    payload = make.slash("add", ADD, user=ALICE, guild_id=None, private=True)
    assert payload["context"] == 2 and payload["channel"]["type"] == 3
    added = await fake.interact(payload)
    assert added.embed["color"] != ERROR_COLOUR, added.embed
    assert added.ephemeral  # a group DM has other people in it
    today = await fake.interact(make.slash("today", user=ALICE, guild_id=None, private=True))
    assert today.ephemeral


async def test_group_channel_commands_say_where_they_work(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    for where in (
        {"guild_id": FOREIGN_GUILD_ID, "user_install": True},
        {"guild_id": None, "private": True},
    ):
        sent = await fake.interact(
            make.slash("channel", {"state": "on"}, user=ALICE, command="followup-group", **where)
        )
        assert sent.ephemeral and sent.embed["color"] == ERROR_COLOUR
        assert sent.embed["title"] == "Group channel commands work in a server that added Followup."
    async with runtime.database.unit_of_work() as uow:
        for channel in (CHANNEL_ID, PRIVATE_CHANNEL_ID):
            # nothing turned on
            assert await uow.groups.get(ChannelRef("discord", "discord", str(channel))) is None
    assert fake.calls_to("POST", r"/channels/\d+/messages") == []
