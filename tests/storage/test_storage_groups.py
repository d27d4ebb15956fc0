"""Group channels in storage, on SQLite and PostgreSQL: channels are upserted, members and
shares are idempotent, activity is counted from events and rounds only, and the digest row is
claimed with a lease exactly like a nudge."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

from bot.domain import Event, EventKind, Status, Step
from bot.groups import ChannelRef, DigestSchedule, MilestoneKind
from storage.database import Database
from tests.storage.helpers import NOW, make_application, make_user

REF = ChannelRef("discord", "G1", "123")
WEEKLY = DigestSchedule(0, time(9, 0), "Europe/Berlin")
LEASE = timedelta(minutes=5)


async def test_enable_is_an_upsert_and_disable_drops_the_digest(database: Database) -> None:
    alice, bob = await make_user(database, "alice"), await make_user(database, "bob")
    async with database.unit_of_work() as uow:
        first = await uow.groups.enable(REF, alice.id, NOW)
        await uow.digests.set_schedule(first.id, WEEKLY, NOW + timedelta(days=7))
        again = await uow.groups.enable(REF, bob.id, NOW + timedelta(hours=1))
        assert again.id == first.id and again.owner_id == bob.id and again.schedule == WEEKLY
        off = await uow.groups.disable(first.id, NOW)
        assert not off.enabled and off.schedule is None and off.next_digest_at is None
        assert await uow.digests.schedules() == []
        assert await uow.groups.get(replace(REF, workspace="G2")) is None
        await uow.commit()


async def test_members_opt_ins_and_shares_are_idempotent(database: Database) -> None:
    alice = await make_user(database, "alice")
    app = await make_application(database, alice)
    async with database.unit_of_work() as uow:
        channel = await uow.groups.enable(REF, alice.id, NOW)
        await uow.groups.join(channel.id, alice.id, NOW)
        await uow.groups.join(channel.id, alice.id, NOW)
        [member] = await uow.groups.members(channel.id)
        assert (member.user_id, member.opted_in, member.display_name) == (alice.id, False, "alice")
        await uow.groups.set_opt_in(channel.id, alice.id, True, NOW)
        assert [m.opted_in for m in await uow.groups.members(channel.id)] == [True]
        assert await uow.groups.record_share(channel.id, alice.id, app.id, MilestoneKind.SENT, "event:0", NOW)
        assert not await uow.groups.record_share(channel.id, alice.id, app.id, MilestoneKind.SENT, "event:0", NOW)
        assert await uow.groups.shared_count(channel.id, alice.id) == 1
        await uow.commit()


async def test_activity_counts_interviews_sends_replies_and_offers_in_the_window(database: Database) -> None:
    alice, bob = await make_user(database, "alice"), await make_user(database, "bob")
    app = await make_application(database, alice)  # its round starts at NOW
    other = await make_application(database, bob)
    async with database.unit_of_work() as uow:
        for event in (
            Event(EventKind.SENT, NOW + timedelta(hours=2), "r1", step=Step.THANK_YOU),
            Event(EventKind.SNOOZED, NOW + timedelta(hours=3), "r1", step=Step.VALUE_ADD, until=NOW + timedelta(days=1)),
            Event(EventKind.HEARD, NOW + timedelta(hours=4), "r1"),
            Event(EventKind.STATUS, NOW + timedelta(hours=5), "r1", status=Status.OFFER),
            Event(EventKind.SENT, NOW + timedelta(days=9), "r1", step=Step.VALUE_ADD),  # outside
        ):
            await uow.applications.add_event(app.id, event)
        await uow.applications.add_event(other.id, Event(EventKind.STATUS, NOW + timedelta(hours=1), "rej1", status=Status.REJECTED))
        found = await uow.groups.activity([alice.id, bob.id], NOW - timedelta(days=1), NOW + timedelta(days=7))
    assert [(a.user_id, a.kind, a.step) for a in found] == [
        (alice.id, MilestoneKind.INTERVIEW, None),
        (bob.id, MilestoneKind.INTERVIEW, None),
        (alice.id, MilestoneKind.SENT, Step.THANK_YOU),
        (alice.id, MilestoneKind.HEARD, None),
        (alice.id, MilestoneKind.OFFER, None),
    ]


async def _scheduled(database: Database, due_in: timedelta = timedelta(0)) -> int:
    alice = await make_user(database, "alice")
    async with database.unit_of_work() as uow:
        channel = await uow.groups.enable(REF, alice.id, NOW)
        await uow.digests.set_schedule(channel.id, WEEKLY, NOW + due_in)
        await uow.commit()
    return channel.id


async def test_a_digest_is_claimed_once_until_its_lease_runs_out(database: Database) -> None:
    channel_id = await _scheduled(database)
    async with database.unit_of_work() as uow:
        [claim] = await uow.digests.claim_due(NOW, "w1", LEASE, 10)
        assert claim.channel.id == channel_id and claim.due_at == NOW and claim.channel.schedule == WEEKLY
        assert await uow.digests.claim_due(NOW + timedelta(minutes=1), "w2", LEASE, 10) == []
        assert await uow.digests.next_due_at() == NOW + LEASE
        [taken] = await uow.digests.claim_due(NOW + LEASE + timedelta(seconds=1), "w2", LEASE, 10)
        assert taken.claim_token != claim.claim_token
        assert not await uow.digests.mark_posted(channel_id, claim.claim_token, NOW, NOW + timedelta(days=7))
        assert await uow.digests.mark_posted(channel_id, taken.claim_token, NOW, NOW + timedelta(days=7))
        assert await uow.digests.next_due_at() == NOW + timedelta(days=7)
        assert await uow.digests.claim_due(NOW + timedelta(days=1), "w1", LEASE, 10) == []
        await uow.commit()


async def test_retry_waits_and_a_new_schedule_voids_a_claim(database: Database) -> None:
    channel_id = await _scheduled(database)
    async with database.unit_of_work() as uow:
        [claim] = await uow.digests.claim_due(NOW, "w1", LEASE, 10)
        assert await uow.digests.mark_retry(channel_id, claim.claim_token, NOW + timedelta(minutes=2), "rate limited")
        assert await uow.digests.next_due_at() == NOW + timedelta(minutes=2)
        assert await uow.digests.claim_due(NOW + timedelta(minutes=1), "w1", LEASE, 10) == []
        [retry] = await uow.digests.claim_due(NOW + timedelta(minutes=2), "w1", LEASE, 10)
        assert retry.attempts == 1
        await uow.digests.set_schedule(channel_id, replace(WEEKLY, weekday=3), NOW + timedelta(days=3))
        assert not await uow.digests.mark_posted(channel_id, retry.claim_token, NOW, NOW + timedelta(days=7))
        [channel] = await uow.digests.schedules()
        assert channel.schedule is not None and channel.schedule.weekday == 3
        assert channel.next_digest_at == NOW + timedelta(days=3)
        await uow.commit()


async def test_skipping_records_why_and_moves_on(database: Database) -> None:
    channel_id = await _scheduled(database)
    async with database.unit_of_work() as uow:
        [claim] = await uow.digests.claim_due(NOW, "w1", LEASE, 10)
        assert await uow.digests.mark_skipped(channel_id, claim.claim_token, "not in channel", NOW + timedelta(days=7))
        channel = await uow.groups.get_by_id(channel_id)
        assert channel is not None and channel.last_digest_error == "not in channel"
        assert channel.next_digest_at == NOW + timedelta(days=7)
        [claim] = await uow.digests.claim_due(NOW + timedelta(days=7), "w1", LEASE, 10)
        assert await uow.digests.mark_skipped(channel_id, claim.claim_token, "group mode is off", None)
        assert await uow.digests.next_due_at() is None
        await uow.commit()


async def test_digests_are_claimed_only_by_processes_on_their_platform(database: Database) -> None:
    channel_id = await _scheduled(database)  # a Discord channel
    async with database.unit_of_work() as uow:
        assert await uow.digests.next_due_at(platforms={"slack"}) is None
        assert await uow.digests.claim_due(NOW, "slack-only", LEASE, 10, platforms={"slack"}) == []
        assert await uow.digests.next_due_at(platforms={"discord", "slack"}) == NOW
        [claim] = await uow.digests.claim_due(NOW, "discord", LEASE, 10, platforms={"discord"})
        assert claim.channel.id == channel_id
