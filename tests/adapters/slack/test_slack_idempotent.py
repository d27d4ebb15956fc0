"""Nudges and weekly digests are never posted twice on Slack: every post carries its delivery
key in its message metadata, and one whose earlier attempt may have arrived — Slack accepted it
but answered after the client gave up, or the sender died holding the claim — is looked for in
the conversation's history (`conversations.history`, `include_all_metadata`: the DM for a
nudge, the channel for a digest) before anything is posted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.bootstrap import Runtime
from adapters.config import Config
from bot.clock import SimulatedClock
from bot.digests import digest_key
from bot.dispatcher import delivery_key
from bot.domain import NudgeState
from bot.ports import Delivery
from storage.models import NudgeRow
from tests.adapters.slack.conftest import slack_config
from tests.adapters.slack.driver import SlackDriver
from tests.fakes.slack_api import FakeSlack

ADD = "add Acme Corp; Data Engineer; today 10:00; Jane Doe, Engineering Manager"
UNTIL_DUE = timedelta(hours=3, minutes=1)
SEND_TIMEOUT = 0.3  # real seconds the notifier waits for Slack's answer


@pytest.fixture
def config(sqlite_url: str, fake_slack: FakeSlack) -> Config:
    return slack_config(sqlite_url, fake_slack, FOLLOWUP_SEND_TIMEOUT=SEND_TIMEOUT)


async def _due(slack: SlackDriver, clock: SimulatedClock) -> None:
    await slack.command(ADD)
    clock.advance(UNTIL_DUE)


def _nudge_posts(fake: FakeSlack) -> list[dict[str, object]]:
    return [m for m in fake.posted.get("DU1", []) if m.get("metadata")]


async def test_a_nudge_post_carries_its_delivery_key_in_metadata(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await _due(slack, clock)
    assert (await runtime.dispatcher.run_once()).delivered == 1
    [post] = _nudge_posts(fake_slack)
    async with runtime.database.unit_of_work() as uow:
        [nudge] = [n for n in await uow.nudges.for_user(1) if n.state is NudgeState.SENT]
    assert post["metadata"] == {
        "event_type": "followup_nudge",
        "event_payload": {"nudge": delivery_key(nudge)},
    }
    assert fake_slack.calls_to("conversations.history") == []  # nothing in doubt: no lookup


async def test_an_answer_after_the_timeout_is_verified_not_posted_again(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await _due(slack, clock)
    fake_slack.late(1, after=SEND_TIMEOUT * 10)  # Slack stores the post, then answers too late
    first = await runtime.dispatcher.run_once()
    assert first.unknown == 1 and first.delivered == 0
    assert len(_nudge_posts(fake_slack)) == 1

    assert (await runtime.dispatcher.run_once()).delivered == 0  # not blindly retried at once
    clock.advance(runtime.dispatcher.lease)
    second = await runtime.dispatcher.run_once()
    assert second.delivered == 1
    assert len(_nudge_posts(fake_slack)) == 1  # found in the history, not posted again
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    [lookup] = fake_slack.calls_to("conversations.history", ok_only=True)
    assert lookup.params["channel"] == "DU1" and lookup.params["include_all_metadata"] in (
        True,
        "true",
        "1",
    )


async def test_a_dead_senders_post_is_found_and_a_missing_one_is_posted(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD)
    await slack.command("add Beta Inc; Analyst; today 10:00; Sam Lee")
    clock.advance(UNTIL_DUE)
    now = clock.now()
    async with runtime.database.unit_of_work() as uow:  # a process that claimed both and died
        claimed = await uow.nudges.claim_due(now, "dead-process", runtime.dispatcher.lease, 10)
        await uow.commit()
        app = await uow.applications.get(claimed[0].application_id)
        user = await uow.users.get(claimed[0].user_id)
    assert len(claimed) == 2 and app is not None and user is not None
    # ... after posting the first one (Slack has it), before recording it.
    message = runtime.dispatcher.render(claimed[0], app, user, now)
    await runtime.notifiers["slack"].send_direct(user, message, Delivery(delivery_key(claimed[0])))
    assert len(_nudge_posts(fake_slack)) == 1

    assert (await runtime.dispatcher.run_once()).claimed == 0  # the dead process's lease still runs
    clock.advance(runtime.dispatcher.lease + timedelta(seconds=1))
    report = await runtime.dispatcher.run_once()
    assert report.delivered == 2
    keys = sorted(str(m["metadata"]["event_payload"]["nudge"]) for m in _nudge_posts(fake_slack))  # type: ignore[index]
    assert keys == sorted(delivery_key(n) for n in claimed)  # each exactly once
    assert len(fake_slack.calls_to("conversations.history", ok_only=True)) == 2
    async with runtime.database.sessions() as session:
        states = (
            (
                await session.execute(
                    select(NudgeRow.state).where(NudgeRow.id.in_([n.id for n in claimed]))
                )
            )
            .scalars()
            .all()
        )
    assert states == ["sent", "sent"]


async def test_history_is_paged_and_shows_metadata_only_when_asked(fake_slack: FakeSlack) -> None:
    for i in range(5):
        fake_slack._post(
            {
                "channel": "D9",
                "text": f"m{i}",
                "metadata": {"event_type": "x", "event_payload": {"i": i}},
            }
        )
    plain = fake_slack._history({"channel": "D9", "limit": 2})
    assert [m["text"] for m in plain["messages"]] == ["m4", "m3"] and "metadata" not in plain[
        "messages"
    ][0]
    rest = fake_slack._history(
        {
            "channel": "D9",
            "limit": 10,
            "cursor": plain["response_metadata"]["next_cursor"],
            "include_all_metadata": "true",
        }
    )
    assert [m["metadata"]["event_payload"]["i"] for m in rest["messages"]] == [2, 1, 0] and rest[
        "has_more"
    ] is False


# ---- weekly digests: the same rule, in a channel -------------------------------------------


async def _digest_due(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake: FakeSlack, *channels: str
) -> None:
    fake.users["U1"] = {"real_name": "Alice Admin", "is_admin": True}
    for channel in channels:
        await slack.command("channel on", channel=channel)
        await slack.command("digest monday 10:00", channel=channel)  # an hour from now
    due = await runtime.digests.next_due_at()
    assert due is not None
    clock.set(due)


def _digest_posts(fake: FakeSlack, channel: str = "C1") -> list[dict[str, Any]]:
    return [
        m
        for m in fake.posted.get(channel, [])
        if (m.get("metadata") or {}).get("event_type") == "followup_digest"
    ]


async def test_a_digest_post_carries_its_key_and_an_answer_after_the_timeout_is_verified(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await _digest_due(slack, runtime, clock, fake_slack, "C1")
    fake_slack.late(1, after=SEND_TIMEOUT * 10)  # Slack stores the digest, then answers too late
    first = await runtime.digests.run_once()
    assert (first.unknown, first.delivered) == (1, 0)
    [post] = _digest_posts(fake_slack)
    assert set(post["metadata"]["event_payload"]) == {"digest"}

    assert (await runtime.digests.run_once()).claimed == 0  # not blindly posted again at once
    clock.advance(runtime.digests.lease)
    assert (await runtime.digests.run_once()).delivered == 1
    assert _digest_posts(fake_slack) == [post]  # found in the channel's history, not posted again
    [lookup] = fake_slack.calls_to("conversations.history", ok_only=True)
    assert lookup.params["channel"] == "C1" and lookup.params["include_all_metadata"] in (
        True,
        "true",
        "1",
    )
    # on to next week
    assert await runtime.digests.next_due_at() == datetime(2025, 3, 17, 9, 0, tzinfo=UTC)


async def test_a_dead_posters_digest_is_found_and_a_missing_one_is_posted(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await _digest_due(slack, runtime, clock, fake_slack, "C1", "C2")
    async with runtime.database.unit_of_work() as uow:  # a process that claimed both and died
        claimed = await uow.digests.claim_due(
            clock.now(), "dead-process", runtime.digests.lease, 10
        )
        await uow.commit()
    assert [d.channel.ref.channel_id for d in claimed] == ["C1", "C2"]
    # ... after posting the first one (Slack has it), before recording it.
    first = claimed[0]
    await runtime.posters["slack"].post(
        first.channel.ref,
        await runtime.digests.render(first, clock.now()),
        Delivery(digest_key(first), kind="digest"),
    )

    assert (await runtime.digests.run_once()).claimed == 0  # the dead process's lease still runs
    clock.advance(runtime.digests.lease + timedelta(seconds=1))
    assert (await runtime.digests.run_once()).delivered == 2
    for digest in claimed:
        [post] = _digest_posts(fake_slack, digest.channel.ref.channel_id)  # each exactly once
        assert post["metadata"]["event_payload"] == {"digest": digest_key(digest)}
    assert len(fake_slack.calls_to("conversations.history", ok_only=True)) == 2
