"""Login, gateway and command sync: on_ready, the synced `/followup` payload, syncing only when
the command set changed, guild sync for development, and the sharded client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import update

from adapters.bootstrap import Runtime
from adapters.config import Config
from adapters.discord import DiscordAdapter
from adapters.discord.endpoints import Endpoints
from adapters.discord.sync_state import command_sync
from bot.catalogue import COMMANDS, GROUP_COMMANDS
from bot.clock import SimulatedClock
from tests.adapters.discord.conftest import (
    ALICE,
    START,
    StartAdapter,
    discord_adapter,
    discord_config,
    discord_runtime,
)
from tests.fakes.discord_api import APP_ID, GUILD_ID, FakeDiscord, Interactions

GLOBAL_SYNC = rf"/applications/{APP_ID}/commands"
SUBCOMMAND, STRING, INTEGER, BOOLEAN = 1, 3, 4, 5


def _options(command: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {option["name"]: option for option in command.get("options", [])}


def _characters(item: dict[str, Any]) -> int:
    """What Discord counts against its 8000 characters per command: every name, description
    and choice value, in the command, its subcommands, options and choices."""
    own = sum(len(str(item[key])) for key in ("name", "description", "value") if key in item)
    return own + sum(
        _characters(child) for key in ("options", "choices") for child in item.get(key) or []
    )


async def test_on_ready_and_the_synced_group(adapter: DiscordAdapter, fake: FakeDiscord) -> None:
    assert adapter.client is not None and adapter.client.is_ready()
    [identify] = fake.identifies
    assert identify["token"] == "fake-token"
    # guilds and DM messages (attached invitations): nothing privileged
    assert identify["intents"] == 1 | 1 << 12

    [sync] = fake.calls_to("PUT", GLOBAL_SYNC)
    [group, channels] = sync.json
    assert group["name"] == "followup" and group["type"] == 1
    # the personal commands: installable to a server and to a person; usable in servers, the
    # bot's DM and other DMs and group DMs
    assert group["contexts"] == [0, 1, 2] and group["integration_types"] == [0, 1]
    # the group channel commands post in a server's channels: a server's install, in servers only
    assert (
        channels["name"] == "followup-group"
        and channels["contexts"] == [0]
        and channels["integration_types"] == [0]
    )
    subs = _options(group)
    # Every catalogue command has its subcommand; `digest off` and `share off` have their own.
    assert set(subs) == {spec.name for spec in COMMANDS}
    assert set(_options(channels)) == {spec.name for spec in GROUP_COMMANDS} | {
        "digest-off",
        "share-off",
    }
    for command in (group, channels):
        assert len(_options(command)) <= 25  # Discord's limit of subcommands in one group
        assert _characters(command) <= 8000  # Discord's limit per command, subcommands included
        assert all(
            sub["type"] == SUBCOMMAND and 0 < len(sub["description"]) <= 100
            for sub in _options(command).values()
        )

    add = _options(subs["add"])
    assert {name: opt["type"] for name, opt in add.items()} == {
        "company": STRING,
        "role": STRING,
        "when": STRING,
        "kind": STRING,
        "interviewer": STRING,
        "title": STRING,
        "more_interviewers": STRING,
    }
    assert not any(opt.get("required") for opt in add.values())  # no options → the form
    assert add["company"]["max_length"] == 200
    for name in (
        "round",
        "show",
        "draft",
        "review",
        "sent",
        "heard",
        "snooze",
        "skip",
        "status",
        "delete",
    ):
        ident = _options(subs[name])["id"]
        assert (ident["type"], ident["autocomplete"], ident["required"], ident["min_value"]) == (
            INTEGER,
            True,
            True,
            1,
        ), name
    assert [c["value"] for c in _options(subs["status"])["status"]["choices"]] == [
        "active",
        "offer",
        "rejected",
        "withdrawn",
    ]
    kinds = ["phone", "interview", "hiring-manager", "panel", "final"]
    assert [c["value"] for c in _options(subs["round"])["kind"]["choices"]] == kinds
    assert [c["value"] for c in _options(subs["add"])["kind"]["choices"]] == kinds
    assert _options(subs["settings"])["tz"]["autocomplete"] is True
    assert _options(subs["settings"])["weekends"]["type"] == BOOLEAN
    assert [c["value"] for c in _options(subs["export"])["format"]["choices"]] == ["csv", "ics"]
    assert _options(subs["snooze"])["until"]["autocomplete"] is True
    subs = _options(channels)
    assert [c["value"] for c in _options(subs["channel"])["state"]["choices"]] == ["on", "off"]
    assert not _options(subs["channel"])["state"].get("required")
    digest = _options(subs["digest"])
    assert [c["value"] for c in digest["weekday"]["choices"]][:2] == ["monday", "tuesday"] and len(
        digest["weekday"]["choices"]
    ) == 7
    assert (
        digest["weekday"]["required"]
        and digest["time"]["required"]
        and digest["tz"]["autocomplete"] is True
    )
    share = _options(subs["share"])["id"]
    assert (share["type"], share["autocomplete"], share["required"]) == (INTEGER, True, True)
    assert not any(subs[name].get("options") for name in ("board", "digest-off", "share-off"))


async def test_commands_sync_only_when_they_changed(
    adapter: DiscordAdapter, start_adapter: StartAdapter, fake: FakeDiscord, runtime: Runtime
) -> None:
    assert adapter.client is not None and adapter.client.synced is True
    await adapter.stop()
    again = await start_adapter()
    assert again.client is not None and again.client.synced is False
    assert len(fake.calls_to("PUT", GLOBAL_SYNC)) == 1

    await again.stop()
    async with runtime.database.engine.begin() as conn:  # as if an older version had synced
        await conn.execute(update(command_sync).values(digest="0" * 64))
    third = await start_adapter()
    assert third.client is not None and third.client.synced is True
    assert len(fake.calls_to("PUT", GLOBAL_SYNC)) == 2


@pytest.fixture
async def guild_runtime(fake: FakeDiscord, sqlite_url: str) -> AsyncIterator[Runtime]:
    config = discord_config(fake, sqlite_url, DISCORD_GUILD_ID=GUILD_ID)
    built = await discord_runtime(config, SimulatedClock(START), "guild-worker")
    try:
        yield built
    finally:
        await built.close()


async def test_a_development_guild_gets_the_commands_instantly(
    guild_runtime: Runtime, fake: FakeDiscord, make: Interactions
) -> None:
    adapter = discord_adapter(guild_runtime)
    await adapter.start()
    try:
        await asyncio.wait_for(adapter.wait_until_ready(), 5)
        assert fake.calls_to("PUT", GLOBAL_SYNC) == []
        [sync] = fake.calls_to("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
        assert sync.json[0]["name"] == "followup"
        sent = await fake.interact(make.slash("list", user=ALICE))
        assert sent.type == 4 and sent.ephemeral
    finally:
        await adapter.stop()


async def test_the_sharded_client_works_the_same(sqlite_url: str, clock: SimulatedClock) -> None:
    fake = FakeDiscord(shards=2, guilds=(GUILD_ID, GUILD_ID + (1 << 22)))
    await fake.start()
    runtime = await discord_runtime(discord_config(fake, sqlite_url), clock, sharded=True)
    adapter = discord_adapter(runtime)
    try:
        await adapter.start()
        await asyncio.wait_for(adapter.wait_until_ready(), 5)
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        make = Interactions(fake)
        for guild in fake.guilds:
            sent = await fake.interact(make.slash("today", user=ALICE, guild_id=guild))
            assert sent.type == 4 and sent.ephemeral
        assert fake.calls_to("GET", r"/gateway/bot")
    finally:
        await adapter.stop()
        await runtime.close()
        await fake.close()


def test_an_api_url_without_a_path_gets_the_versioned_base() -> None:
    fallback = Endpoints.current()
    config = Config(DISCORD_TOKEN="t", DISCORD_API_URL="http://proxy.internal:8080")
    assert Endpoints.configured(config, fallback).api == "http://proxy.internal:8080/api/v10"
    config = Config(DISCORD_TOKEN="t", DISCORD_API_URL="https://proxy.internal/discord/api/v10/")
    assert Endpoints.configured(config, fallback).api == "https://proxy.internal/discord/api/v10"
    assert Endpoints.configured(Config(DISCORD_TOKEN="t"), fallback) == fallback


async def test_start_without_a_token_refuses(runtime: Runtime, clock: SimulatedClock) -> None:
    tokenless = await discord_runtime(
        runtime.config.model_copy(update={"discord_token": None}), clock
    )
    try:
        with pytest.raises(RuntimeError, match="DISCORD_TOKEN"):
            await discord_adapter(tokenless).start()
    finally:
        await tokenless.close()
