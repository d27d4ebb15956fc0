"""Deleting: `forget` leaves no row about the user in any table (their channel memberships,
opt-ins and shares included; a channel they set up stays, without an owner); `delete` removes
one application with everything under it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from bot.domain import (
    Event,
    EventKind,
    FeedRevision,
    Identity,
    InvitationLink,
    NudgeKind,
    PlannedNudge,
    Step,
    User,
)
from bot.groups import ChannelRef, DigestSchedule, GroupChannel, MilestoneKind
from storage.database import Database
from storage.models import metadata
from tests.storage.helpers import NOW, first_round, make_application, make_user

JOBS = ChannelRef("slack", "T1", "C-jobs")


async def _group(db: Database, owner: User, ref: ChannelRef = JOBS) -> GroupChannel:
    async with db.unit_of_work() as uow:
        channel = await uow.groups.enable(ref, owner.id, NOW)
        await uow.digests.set_schedule(
            channel.id, DigestSchedule(0, NOW.time(), "UTC"), NOW + timedelta(days=7)
        )
        await uow.commit()
    return replace(channel, schedule=DigestSchedule(0, NOW.time(), "UTC"))


async def _populate(db: Database, user: User, channel: GroupChannel | None = None) -> int:
    app = await make_application(db, user)
    async with db.unit_of_work() as uow:
        await uow.applications.add_round(app.id, first_round(NOW + timedelta(days=3)), NOW)
        app = await uow.applications.add_event(
            app.id, Event(EventKind.SENT, NOW, "r1", step=Step.THANK_YOU)
        )
        plan = [PlannedNudge(f"k{i}", Step.VALUE_ADD, NudgeKind.DUE, NOW, "r1") for i in range(3)]
        await uow.nudges.sync(app, plan, NOW)
        [nudge, *_] = await uow.nudges.claim_due(NOW, "w", timedelta(minutes=1), 1)
        await uow.nudges.mark_failed(nudge.id, nudge.claim_token or "", NOW, "boom")
        await uow.calendar.link_invitation(
            user.id, InvitationLink(f"inv{app.id}", app.id, 1, 0), NOW
        )
        await uow.calendar.issue_feed(user.id, f"hash-{user.id}-{app.id}", NOW)
        await uow.calendar.save_feed_revisions(
            user.id, [FeedRevision(f"uid-{app.id}", "f", 0, NOW)], ()
        )
        if channel is not None:
            await uow.groups.join(channel.id, user.id, NOW)
            await uow.groups.set_opt_in(channel.id, user.id, True, NOW)
            assert await uow.groups.record_share(
                channel.id, user.id, app.id, MilestoneKind.SENT, "event:0", NOW
            )
        await uow.commit()
    return app.id


async def _counts(db: Database) -> dict[str, int]:
    async with db.sessions() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in metadata.sorted_tables
        }


async def test_forget_removes_every_row_about_the_user(database: Database) -> None:
    keep = await make_user(database, "keep")
    channel = await _group(database, keep)
    await _populate(database, keep, channel)
    baseline = await _counts(database)
    about_nobody = {"request_receipts"}  # platform request ids seen: no user in them
    # every table has a row to lose
    assert all(n for t, n in baseline.items() if t not in about_nobody), baseline

    gone = await make_user(database, "gone")
    await _populate(database, gone, channel)
    await _populate(database, gone, channel)
    channel_tables = {"group_channels", "channel_digests"}  # the channel's, not a member's
    assert all(
        n > baseline[t]
        for t, n in (await _counts(database)).items()
        if t not in channel_tables | about_nobody
    )

    async with database.unit_of_work() as uow:
        await uow.users.forget(gone.id)
        await uow.commit()
    assert await _counts(database) == baseline
    async with database.unit_of_work() as uow:
        assert await uow.users.get(gone.id) is None
        assert await uow.nudges.for_user(gone.id) == []
        assert await uow.applications.list_for_user(gone.id) == []
        assert [m.user_id for m in await uow.groups.members(channel.id)] == [keep.id]
        kept = await uow.users.get(keep.id)
        assert kept is not None and kept.has_unreported_failures  # _populate fails a nudge
        assert replace(kept, has_unreported_failures=False) == keep


async def test_delete_application_takes_rounds_events_and_nudges(database: Database) -> None:
    user = await make_user(database)
    await _populate(database, user)
    baseline = await _counts(database)
    doomed = await _populate(database, user)
    async with database.unit_of_work() as uow:
        await uow.applications.delete(doomed)
        await uow.commit()
    counts = await _counts(database)
    # The person's own rows stay: their subscription, and what it last showed (the next fetch
    # drops the deleted application's events).
    theirs = {"users", "calendar_feeds", "feed_events"}
    assert {t: n for t, n in counts.items() if t not in theirs} == {
        t: n for t, n in baseline.items() if t not in theirs
    }
    async with database.unit_of_work() as uow:
        assert await uow.applications.get(doomed) is None
        assert await uow.nudges.for_application(doomed) == []


async def test_forget_leaves_the_channels_a_user_set_up_without_an_owner(
    database: Database,
) -> None:
    owner = await make_user(database, "owner")
    channel = await _group(database, owner)
    async with database.unit_of_work() as uow:
        await uow.users.forget(owner.id)
        await uow.commit()
    async with database.unit_of_work() as uow:
        after = await uow.groups.get(JOBS)
    assert after is not None and after.enabled and after.owner_id is None
    # the group's digest keeps going
    assert after.schedule is not None and after.next_digest_at is not None
    assert after.id == channel.id


async def test_forget_workspace_and_drop_channels_leave_only_other_workspaces(
    database: Database,
) -> None:
    """An uninstall: every user of one workspace and its group channels go, with every row
    under them; another workspace's users and channels keep every row."""
    async with database.unit_of_work() as uow:
        elsewhere = await uow.users.get_or_create(Identity("slack", "T2", "U9", "U9"), NOW)
        await uow.commit()
    kept_channel = await _group(database, elsewhere, ChannelRef("slack", "T2", "C-jobs"))
    await _populate(database, elsewhere, kept_channel)
    baseline = await _counts(database)
    other = await make_user(database, "other")
    channel = await _group(database, other)
    await _populate(database, other, channel)
    for name in ("a", "b"):
        await _populate(database, await make_user(database, name), channel)

    async with database.unit_of_work() as uow:
        assert await uow.users.forget_workspace("slack", "T1") == 3
        assert await uow.groups.drop("slack", "T1") == 1
        await uow.commit()

    after = await _counts(database)
    assert {t: n for t, n in after.items() if t != "request_receipts"} == {
        t: n for t, n in baseline.items() if t != "request_receipts"
    }
    async with database.unit_of_work() as uow:
        assert await uow.groups.get(JOBS) is None
        assert await uow.groups.get(kept_channel.ref) is not None
        assert await uow.users.forget_workspace("slack", "T1") == 0


async def test_drop_takes_only_the_channels_named(database: Database) -> None:
    owner = await make_user(database, "owner")
    await _group(database, owner, ChannelRef("discord", "discord", "10"))
    await _group(database, owner, ChannelRef("discord", "discord", "11"))
    async with database.unit_of_work() as uow:
        assert await uow.groups.drop("discord", "discord", ["10", "99"]) == 1
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.groups.get(ChannelRef("discord", "discord", "10")) is None
        assert await uow.groups.get(ChannelRef("discord", "discord", "11")) is not None
