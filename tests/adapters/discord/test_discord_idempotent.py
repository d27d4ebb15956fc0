"""Nudges and weekly digests are never sent twice on Discord: each DM and each queued channel
post is created with a nonce derived from it and `enforce_nonce`, so when Discord accepted a
message but answered after the client gave up, the verifying send that follows gets the first
message back and nothing new is made (the fake deduplicates nonces as Discord does)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.clock import SimulatedClock
from bot.digests import digest_key
from bot.dispatcher import delivery_key
from bot.domain import NudgeState
from bot.groups import ClaimedDigest
from tests.adapters.discord.conftest import ALICE, discord_runtime
from tests.adapters.discord.conftest import discord_config as make_config
from tests.adapters.discord.helpers import nudges
from tests.fakes.discord_api import (
    CHANNEL_ID,
    MANAGE_CHANNELS,
    FakeDiscord,
    Interactions,
    dm_channel_id,
)

DM_SEND = r"/channels/\d+/messages"
CHANNEL_POSTS = rf"/channels/{CHANNEL_ID}/messages"
SEND_TIMEOUT = 0.3  # real seconds the notifier waits for Discord's answer


@pytest.fixture
async def runtime(
    fake: FakeDiscord, sqlite_url: str, clock: SimulatedClock
) -> AsyncIterator[Runtime]:
    built = await discord_runtime(
        make_config(fake, sqlite_url, FOLLOWUP_SEND_TIMEOUT=SEND_TIMEOUT), clock
    )
    try:
        yield built
    finally:
        await built.close()


async def _interview_this_morning(fake: FakeDiscord, make: Interactions) -> None:
    options = {
        "company": "Acme",
        "role": "Data Engineer",
        "when": "today 09:00",
        "interviewer": "Jane Doe",
    }
    await fake.interact(make.slash("add", options, user=ALICE))


def _created_dms(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [m for m in fake.created if m["channel_id"] == str(dm_channel_id(ALICE.id))]


async def test_a_nudge_is_sent_with_its_nonce_enforced(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _interview_this_morning(fake, make)
    assert (await runtime.dispatcher.run_once()).delivered == 1
    [send] = fake.calls_to("POST", DM_SEND)
    [nudge] = [n for n in await nudges(runtime, ALICE) if n.state is NudgeState.SENT]
    assert send.json["nonce"] == delivery_key(nudge) and send.json["enforce_nonce"] is True
    assert len(send.json["nonce"]) <= 25  # Discord's limit


async def test_an_answer_after_the_timeout_is_not_a_second_message(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    await _interview_this_morning(fake, make)
    fake.late(1, after=SEND_TIMEOUT * 10)  # Discord creates the message, then answers too late
    first = await runtime.dispatcher.run_once()
    assert first.unknown == 1 and first.delivered == 0
    assert len(_created_dms(fake)) == 1

    clock.advance(runtime.dispatcher.lease)
    assert (await runtime.dispatcher.run_once()).delivered == 1
    sends = fake.calls_to("POST", DM_SEND)
    assert len(sends) == 2 and sends[0].json["nonce"] == sends[1].json["nonce"]
    assert len(_created_dms(fake)) == 1  # the same nonce again: Discord made nothing new


async def test_the_fake_deduplicates_nonces_only_within_its_window(fake: FakeDiscord) -> None:
    first = fake._create(5, {"content": "a", "nonce": "n1", "enforce_nonce": True})
    again = fake._create(5, {"content": "a", "nonce": "n1", "enforce_nonce": True})
    unenforced = fake._create(5, {"content": "a", "nonce": "n1"})
    assert again["id"] == first["id"] and unenforced["id"] != first["id"]
    fake.nonce_window = 0.0
    later = fake._create(5, {"content": "a", "nonce": "n1", "enforce_nonce": True})
    assert later["id"] != first["id"] and len(fake.created) == 3


# ---- weekly digests: the same rule, in a channel -------------------------------------------


async def test_a_digest_answered_after_the_timeout_is_not_a_second_post(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    for sub, options in (
        ("channel", {"state": "on"}),
        ("digest", {"weekday": "wednesday", "time": "13:00", "tz": "UTC"}),
    ):
        await fake.interact(
            make.slash(
                sub, options, user=ALICE, permissions=MANAGE_CHANNELS, command="followup-group"
            )
        )
    due = await runtime.digests.next_due_at()
    assert due is not None
    clock.set(due)
    fake.late(1, after=SEND_TIMEOUT * 10)  # Discord creates the digest, then answers too late
    first = await runtime.digests.run_once()
    assert (first.unknown, first.delivered) == (1, 0)
    clock.advance(runtime.digests.lease)
    assert (await runtime.digests.run_once()).delivered == 1

    async with runtime.database.unit_of_work() as uow:
        [channel] = await uow.digests.schedules()
    key = digest_key(ClaimedDigest(channel, due, 0, ""))
    sends = [
        c
        for c in fake.calls_to("POST", CHANNEL_POSTS)
        if c.json["embeds"][0]["title"].startswith("Weekly digest")
    ]
    assert [c.json["nonce"] for c in sends] == [key, key] and all(
        c.json["enforce_nonce"] is True for c in sends
    )
    assert len(key) <= 25  # Discord's limit
    digests = [
        m for m in fake.created if m["channel_id"] == str(CHANNEL_ID) and m.get("nonce") == key
    ]
    assert len(digests) == 1  # the same nonce again: Discord made nothing new
