"""Group channels in storage, on SQLite and PostgreSQL: channels are upserted, members and
shares are idempotent, activity is counted from events and rounds only, and the digest row is
claimed with a lease exactly like a nudge."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta
from typing import cast

from sqlalchemy import event, func, insert, select

from bot.domain import Event, EventKind, Status, Step
from bot.groups import ChannelRef, DigestSchedule, MilestoneKind
from storage.database import Database
from storage.models import ChannelMemberRow, ChannelShareRow, UserRow
from storage.uow import SqlUnitOfWork
from tests.storage.helpers import NOW, make_application, make_user


async def _shares(uow: SqlUnitOfWork, channel_id: int, user_id: int) -> int:
    """How many shares the table holds for this member of this channel."""
    stmt = select(func.count()).select_from(ChannelShareRow).where(
        ChannelShareRow.channel_id == channel_id, ChannelShareRow.user_id == user_id
    )
    return int((await uow.session.execute(stmt)).scalar_one())


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
        assert await uow.groups.record_share(
            channel.id, alice.id, app.id, MilestoneKind.SENT, "event:0", NOW
        )
        assert not await uow.groups.record_share(
            channel.id, alice.id, app.id, MilestoneKind.SENT, "event:0", NOW
        )
        assert await _shares(uow, channel.id, alice.id) == 1
        await uow.commit()


async def test_activity_counts_each_members_interviews_sends_replies_and_offers_in_the_window(
    database: Database,
) -> None:
    alice, bob, carol = [await make_user(database, name) for name in ("alice", "bob", "carol")]
    app = await make_application(database, alice)  # its round starts at NOW
    second = await make_application(database, alice, "Initech")
    other = await make_application(database, bob)
    outsider = await make_application(database, carol)  # carol is not a member: never counted
    async with database.unit_of_work() as uow:
        channel = await uow.groups.enable(REF, alice.id, NOW)
        elsewhere = await uow.groups.enable(replace(REF, channel_id="999"), carol.id, NOW)
        for member in (alice, bob):
            await uow.groups.join(channel.id, member.id, NOW)
        await uow.groups.join(elsewhere.id, carol.id, NOW)
        for target, event in (
            (app, Event(EventKind.SENT, NOW + timedelta(hours=2), "r1", step=Step.THANK_YOU)),
            (second, Event(EventKind.SENT, NOW + timedelta(hours=2), "r1", step=Step.THANK_YOU)),
            (
                app,
                Event(
                    EventKind.SNOOZED,
                    NOW + timedelta(hours=3),
                    "r1",
                    step=Step.VALUE_ADD,
                    until=NOW + timedelta(days=1),
                ),
            ),
            (app, Event(EventKind.HEARD, NOW + timedelta(hours=4), "r1")),
            (app, Event(EventKind.STATUS, NOW + timedelta(hours=5), "r1", status=Status.OFFER)),
            # outside
            (app, Event(EventKind.SENT, NOW + timedelta(days=9), "r1", step=Step.VALUE_ADD)),
            (
                other,
                Event(EventKind.STATUS, NOW + timedelta(hours=1), "rej1", status=Status.REJECTED),
            ),
            (outsider, Event(EventKind.SENT, NOW + timedelta(hours=2), "r1", step=Step.THANK_YOU)),
        ):
            await uow.applications.add_event(target.id, event)
        found = await uow.groups.activity(
            channel.id, NOW - timedelta(days=1), NOW + timedelta(days=7)
        )
    assert sorted((a.user_id, a.kind, a.step, a.count) for a in found) == sorted([
        (alice.id, MilestoneKind.INTERVIEW, None, 2),
        (bob.id, MilestoneKind.INTERVIEW, None, 1),
        (alice.id, MilestoneKind.SENT, Step.THANK_YOU, 2),
        (alice.id, MilestoneKind.HEARD, None, 1),
        (alice.id, MilestoneKind.OFFER, None, 1),
    ])


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
        assert (
            claim.channel.id == channel_id
            and claim.due_at == NOW
            and claim.channel.schedule == WEEKLY
        )
        assert await uow.digests.claim_due(NOW + timedelta(minutes=1), "w2", LEASE, 10) == []
        assert await uow.digests.next_due_at() == NOW + LEASE
        [taken] = await uow.digests.claim_due(NOW + LEASE + timedelta(seconds=1), "w2", LEASE, 10)
        assert taken.claim_token != claim.claim_token
        assert not await uow.digests.mark_posted(
            channel_id, claim.claim_token, NOW, NOW + timedelta(days=7)
        )
        assert await uow.digests.mark_posted(
            channel_id, taken.claim_token, NOW, NOW + timedelta(days=7)
        )
        assert await uow.digests.next_due_at() == NOW + timedelta(days=7)
        assert await uow.digests.claim_due(NOW + timedelta(days=1), "w1", LEASE, 10) == []
        await uow.commit()


async def test_retry_waits_and_a_new_schedule_voids_a_claim(database: Database) -> None:
    channel_id = await _scheduled(database)
    async with database.unit_of_work() as uow:
        [claim] = await uow.digests.claim_due(NOW, "w1", LEASE, 10)
        assert await uow.digests.mark_retry(
            channel_id, claim.claim_token, NOW + timedelta(minutes=2), "rate limited"
        )
        assert await uow.digests.next_due_at() == NOW + timedelta(minutes=2)
        assert await uow.digests.claim_due(NOW + timedelta(minutes=1), "w1", LEASE, 10) == []
        [retry] = await uow.digests.claim_due(NOW + timedelta(minutes=2), "w1", LEASE, 10)
        assert retry.attempts == 1
        await uow.digests.set_schedule(
            channel_id, replace(WEEKLY, weekday=3), NOW + timedelta(days=3)
        )
        assert not await uow.digests.mark_posted(
            channel_id, retry.claim_token, NOW, NOW + timedelta(days=7)
        )
        [channel] = await uow.digests.schedules()
        assert channel.schedule is not None and channel.schedule.weekday == 3
        assert channel.next_digest_at == NOW + timedelta(days=3)
        await uow.commit()


async def test_skipping_records_why_and_moves_on(database: Database) -> None:
    channel_id = await _scheduled(database)
    async with database.unit_of_work() as uow:
        [claim] = await uow.digests.claim_due(NOW, "w1", LEASE, 10)
        assert await uow.digests.mark_skipped(
            channel_id, claim.claim_token, "not in channel", NOW + timedelta(days=7)
        )
        channel = await uow.groups.get_by_id(channel_id)
        assert channel is not None and channel.last_digest_error == "not in channel"
        assert channel.next_digest_at == NOW + timedelta(days=7)
        [claim] = await uow.digests.claim_due(NOW + timedelta(days=7), "w1", LEASE, 10)
        assert await uow.digests.mark_skipped(
            channel_id, claim.claim_token, "group mode is off", None
        )
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


async def test_a_channels_activity_is_read_in_one_statement_however_many_members(
    database: Database,
) -> None:
    """Counting used to send two statements per 500 members: a 10,000-member digest was 40
    round trips and a per-member tally. Now one statement, whatever the size."""
    statements = await _activity_statements(database, members=3)
    assert statements == await _activity_statements(database, members=1_200, first=100) == 1


async def _activity_statements(database: Database, members: int, first: int = 1) -> int:
    ids = range(first, first + members)
    async with database.unit_of_work() as uow:
        session = cast(SqlUnitOfWork, uow).session
        await session.execute(
            insert(UserRow),
            [
                dict(
                    id=i,
                    platform="slack",
                    workspace="T1",
                    external_id=f"U{i}",
                    display_name=f"U{i}",
                    timezone="UTC",
                    timezone_source="user",
                    nudge_hour=time(9),
                    quiet_start=time(20),
                    quiet_end=time(8),
                    weekends=False,
                    next_number=1,
                    created_at=NOW,
                )
                for i in ids
            ],
        )
        channel = await uow.groups.enable(replace(REF, channel_id=f"C{first}"), first, NOW)
        await session.execute(insert(ChannelMemberRow), [
            dict(channel_id=channel.id, user_id=i, opted_in=i % 2 == 0, joined_at=NOW) for i in ids
        ])
        await uow.commit()
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's own BEGIN IMMEDIATE
            statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with database.unit_of_work() as uow:
            await uow.groups.activity(channel.id, NOW - timedelta(days=7), NOW)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    return len(statements)
