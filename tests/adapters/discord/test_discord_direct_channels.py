"""The DM channel a nudge goes to, against the fake Discord through real discord.py: opened
once per person (two nudges due together share one open; its id kept in the database, so not
again after a restart), a kept id Discord refuses is opened again and the nudge posted once,
and every nudge is created with its nonce; discord.py's rate-limit buckets, one per DM channel,
cost a constant amount each."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from discord.http import Ratelimit
from sqlalchemy import update

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.clock import SimulatedClock
from storage.models import UserRow
from tests.adapters.discord.conftest import ALICE, discord_adapter, discord_config, discord_runtime
from tests.adapters.discord.helpers import stored_user
from tests.fakes.discord_api import FakeDiscord, Interactions, dm_channel_id

OPEN_DM = r"/users/@me/channels"
DM_SEND = r"/channels/\d+/messages"


async def _two_interviews_this_morning(fake: FakeDiscord, make: Interactions) -> None:
    for company in ("Acme", "Globex"):
        options = {
            "company": company,
            "role": "Data Engineer",
            "when": "today 09:00",
            "interviewer": "Jane Doe",
        }
        await fake.interact(make.slash("add", options, user=ALICE))


def _created_in(fake: FakeDiscord, user_id: int) -> list[str]:
    return [
        m["embeds"][0]["title"]
        for m in fake.created
        if m["channel_id"] == str(dm_channel_id(user_id))
    ]


async def test_two_nudges_due_together_open_the_dm_once_and_carry_their_nonces(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _two_interviews_this_morning(fake, make)
    report = await runtime.dispatcher.run_once()
    assert report.delivered == 2
    assert len(fake.calls_to("POST", OPEN_DM)) == 1
    assert sorted(_created_in(fake, ALICE.id)) == [
        "Time for your thank-you email — Acme",
        "Time for your thank-you email — Globex",
    ]
    sends = fake.calls_to("POST", DM_SEND)
    assert len(sends) == 2 and all(
        s.json["enforce_nonce"] is True and len(s.json["nonce"]) == 21 for s in sends
    )
    assert len({s.json["nonce"] for s in sends}) == 2


async def test_a_dm_channel_discord_no_longer_knows_is_opened_again_and_the_nudge_posted_once(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    options = {
        "company": "Acme",
        "role": "Data Engineer",
        "when": "today 09:00",
        "interviewer": "Jane Doe",
    }
    await fake.interact(make.slash("add", options, user=ALICE))
    assert (await runtime.dispatcher.run_once()).delivered == 1
    assert len(fake.calls_to("POST", OPEN_DM)) == 1

    await fake.interact(make.slash("add", {**options, "company": "Globex"}, user=ALICE))
    fake.fail_next("POST", DM_SEND, status=404, code=10003, message="Unknown Channel")
    report = await runtime.dispatcher.run_once()
    assert (report.delivered, report.retried, report.failed) == (1, 0, 0)
    assert len(fake.calls_to("POST", OPEN_DM)) == 2  # the refused id was replaced
    assert _created_in(fake, ALICE.id).count("Time for your thank-you email — Globex") == 1
    refused, posted = fake.calls_to("POST", DM_SEND)[-2:]
    assert refused.json["nonce"] == posted.json["nonce"] and posted.json["enforce_nonce"] is True

    clock.advance(timedelta(minutes=5))
    assert (await runtime.dispatcher.run_once()).delivered == 0  # exactly once


async def test_first_nudges_to_thousands_of_people_look_for_idle_rate_limit_buckets_a_few_times(
    adapter: DiscordAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """discord.py makes a rate-limit bucket per DM channel and, left alone, looks at every
    bucket each time it makes one (millions of looks for a few thousand people); idle buckets
    are still dropped."""
    assert adapter.client is not None
    http = adapter.client.http
    looks = 0
    is_inactive = Ratelimit.is_inactive

    def counted(bucket: Ratelimit) -> bool:
        nonlocal looks
        looks += 1
        return is_inactive(bucket)

    monkeypatch.setattr(Ratelimit, "is_inactive", counted)
    idle = [http.get_ratelimit(f"POST /channels/{n}/messages") for n in range(1000)]
    long_ago = asyncio.get_running_loop().time() - 3600
    for bucket in idle:
        bucket._last_request = long_ago
    for n in range(1000, 5000):
        http.get_ratelimit(f"POST /channels/{n}/messages")
    assert looks < 3 * 5000  # every new bucket looking at all: about 11 million
    assert not any(f"POST /channels/{n}/messages" in http._buckets for n in range(1000))
    assert "POST /channels/4999/messages" in http._buckets


async def _kept_channel(runtime: Runtime) -> str | None:
    await runtime.direct_channels.flush()
    user = await stored_user(runtime, ALICE)
    assert user is not None
    return user.direct_channel


async def test_the_dm_is_opened_once_per_person_across_restarts(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    clock: SimulatedClock,
    sqlite_url: str,
) -> None:
    options = {
        "company": "Acme",
        "role": "Data Engineer",
        "when": "today 09:00",
        "interviewer": "Jane Doe",
    }
    await fake.interact(make.slash("add", options, user=ALICE))
    assert (await runtime.dispatcher.run_once()).delivered == 1
    await adapter.stop()  # the id found is stored as the adapter stops
    assert await _kept_channel(runtime) == str(dm_channel_id(ALICE.id))

    # a new process
    restarted = await discord_runtime(
        discord_config(fake, sqlite_url), clock, worker_id="restarted"
    )
    again = discord_adapter(restarted)
    await again.start()
    try:
        await asyncio.wait_for(again.wait_until_ready(), 5)
        await fake.interact(make.slash("add", {**options, "company": "Globex"}, user=ALICE))
        assert (await restarted.dispatcher.run_once()).delivered == 1
    finally:
        await again.stop()
        await restarted.close()
    assert len(fake.calls_to("POST", OPEN_DM)) == 1
    assert _created_in(fake, ALICE.id).count("Time for your thank-you email — Globex") == 1


async def test_a_stored_dm_channel_discord_refuses_is_replaced_and_the_nudge_posted_once(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    options = {
        "company": "Acme",
        "role": "Data Engineer",
        "when": "today 09:00",
        "interviewer": "Jane Doe",
    }
    await fake.interact(make.slash("add", options, user=ALICE))
    async with runtime.database.sessions() as session:  # a DM channel Discord has since forgotten
        await session.execute(
            update(UserRow)
            .where(UserRow.external_id == str(ALICE.id))
            .values(direct_channel="1234567")
        )
        await session.commit()
    fake.fail_next(
        "POST", r"/channels/1234567/messages", status=404, code=10003, message="Unknown Channel"
    )
    report = await runtime.dispatcher.run_once()
    assert (report.delivered, report.retried, report.failed) == (1, 0, 0)
    assert [c.path for c in fake.calls_to("POST", DM_SEND)] == [
        "/channels/1234567/messages",
        f"/channels/{dm_channel_id(ALICE.id)}/messages",
    ]
    assert len(fake.calls_to("POST", OPEN_DM)) == 1
    assert _created_in(fake, ALICE.id) == ["Time for your thank-you email — Acme"]
    assert await _kept_channel(runtime) == str(dm_channel_id(ALICE.id))
