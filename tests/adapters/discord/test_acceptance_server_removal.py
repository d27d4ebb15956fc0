"""Acceptance check of a server removing the bot, through real discord.py against the fake:
with group channels in two servers, `on_guild_remove` for one drops that server's channels,
members, shares and digest, and the other server's group channel and digest go on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.groups import ChannelRef
from tests.adapters.discord.conftest import ALICE
from tests.adapters.discord.test_discord_groups import INTRO
from tests.fakes.discord_api import CHANNEL_ID, GUILD_ID, MANAGE_CHANNELS, FakeDiscord, Interactions

OTHER_GUILD = GUILD_ID + (1 << 22)
OTHER_CHANNEL = CHANNEL_ID + 7


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(guilds=(GUILD_ID, OTHER_GUILD))
    await server.start()
    try:
        yield server
    finally:
        await server.close()


async def group(runtime: Runtime, channel: int) -> object:
    async with runtime.database.unit_of_work() as uow:
        return await uow.groups.get(ChannelRef("discord", "discord", str(channel)))


async def test_leaving_one_server_drops_its_group_channels_and_keeps_the_others(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    for guild, channel in ((GUILD_ID, CHANNEL_ID), (OTHER_GUILD, OTHER_CHANNEL)):
        await fake.create_channel(guild, channel)
        for sub, options in (
            ("channel", {"state": "on"}),
            ("digest", {"weekday": "monday", "time": "09:00"}),
        ):
            payload = make.slash(
                sub,
                options,
                command="followup-group",
                user=ALICE,
                guild_id=guild,
                channel_id=channel,
                permissions=MANAGE_CHANNELS,
            )
            sent = await fake.interact(payload)
            assert sub != "channel" or sent.embed["title"] == INTRO, sent.embed
    assert (
        await group(runtime, CHANNEL_ID) is not None
        and await group(runtime, OTHER_CHANNEL) is not None
    )

    await fake.remove_guild(GUILD_ID)
    for _ in range(200):
        if await group(runtime, CHANNEL_ID) is None:
            break
        await asyncio.sleep(0.01)
    assert await group(runtime, CHANNEL_ID) is None
    assert await group(runtime, OTHER_CHANNEL) is not None  # the other server's group goes on
    assert await runtime.digests.next_due_at() is not None  # and so does its digest
