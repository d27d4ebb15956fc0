"""`SqlGroupRepository`: group channels, their members and opt-ins, shared milestones, and the
counts a digest or board is made of.

`activity` counts only kinds, steps and times of members' events and rounds, grouped in the
database (one statement, however many members): company, role and interviewer columns are
never selected, so a digest can't leak them by construction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Row,
    Table,
    and_,
    delete,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import EventKind, Status, Step
from bot.groups import (
    ActivityCount,
    ChannelRef,
    DigestSchedule,
    GroupChannel,
    Member,
    MilestoneKind,
)
from storage.columns import as_utc_or_none
from storage.models import (
    ApplicationRow,
    ChannelDigestRow,
    ChannelMemberRow,
    ChannelShareRow,
    EventRow,
    GroupChannelRow,
    RoundRow,
    UserRow,
)
from storage.sql import insert_or_ignore, upsert

CHANNELS = cast(Table, GroupChannelRow.__table__)
MEMBERS = cast(Table, ChannelMemberRow.__table__)
SHARES = cast(Table, ChannelShareRow.__table__)
DIGESTS = cast(Table, ChannelDigestRow.__table__)
APPLICATIONS = cast(Table, ApplicationRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
ROUNDS = cast(Table, RoundRow.__table__)
USERS = cast(Table, UserRow.__table__)


class SqlGroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, ref: ChannelRef) -> GroupChannel | None:
        c = CHANNELS
        return await self._one(
            (c.c.platform == ref.platform)
            & (c.c.workspace == ref.workspace)
            & (c.c.channel_id == ref.channel_id)
        )

    async def get_by_id(self, channel_id: int) -> GroupChannel | None:
        return await self._one(CHANNELS.c.id == channel_id)

    async def enable(self, ref: ChannelRef, owner_id: int, now: datetime) -> GroupChannel:
        values = {
            "platform": ref.platform,
            "workspace": ref.workspace,
            "channel_id": ref.channel_id,
            "enabled": True,
            "owner_id": owner_id,
            "enabled_at": now,
            "created_at": now,
            "updated_at": now,
        }
        stmt = upsert(
            self._session,
            CHANNELS,
            ["platform", "workspace", "channel_id"],
            values,
            ["enabled", "owner_id", "enabled_at", "updated_at"],
        )
        await self._session.execute(stmt)
        channel = await self.get(ref)
        if channel is None:
            raise RuntimeError(f"channel {ref} vanished right after it was enabled")
        return channel

    async def disable(self, channel_id: int, now: datetime) -> GroupChannel:
        await self._session.execute(
            update(CHANNELS)
            .where(CHANNELS.c.id == channel_id)
            .values(enabled=False, updated_at=now)
        )
        await self._session.execute(DIGESTS.delete().where(DIGESTS.c.channel_id == channel_id))
        channel = await self.get_by_id(channel_id)
        if channel is None:
            raise LookupError(f"no group channel with id {channel_id}")
        return channel

    async def drop(
        self, platform: str, workspace: str, channel_ids: Collection[str] | None = None
    ) -> int:
        """Delete a workspace's group channels (only those of `channel_ids` when given) with
        their members, opt-ins, shares and digests; returns how many channels went."""
        where = (CHANNELS.c.platform == platform) & (CHANNELS.c.workspace == workspace)
        if channel_ids is not None:
            where = where & CHANNELS.c.channel_id.in_(sorted(set(channel_ids)))
        result = await self._session.execute(delete(CHANNELS).where(where))
        return int(getattr(result, "rowcount", 0) or 0)

    async def join(self, channel_id: int, user_id: int, now: datetime) -> None:
        stmt = insert_or_ignore(self._session, MEMBERS, ["channel_id", "user_id"]).values(
            channel_id=channel_id, user_id=user_id, opted_in=False, joined_at=now
        )
        await self._session.execute(stmt)

    async def set_opt_in(
        self, channel_id: int, user_id: int, opted_in: bool, now: datetime
    ) -> None:
        values = {
            "channel_id": channel_id,
            "user_id": user_id,
            "opted_in": opted_in,
            "joined_at": now,
            "opted_in_at": now if opted_in else None,
        }
        await self._session.execute(
            upsert(
                self._session,
                MEMBERS,
                ["channel_id", "user_id"],
                values,
                ["opted_in", "opted_in_at"],
            )
        )

    async def members(self, channel_id: int) -> list[Member]:
        m, u = MEMBERS, USERS
        stmt = (
            select(m.c.user_id, u.c.display_name, m.c.opted_in)
            .join(u, u.c.id == m.c.user_id)
            .where(m.c.channel_id == channel_id)
            .order_by(m.c.joined_at, m.c.user_id)
        )
        found: list[Member] = []
        async for part in _streamed(self._session, stmt):
            found.extend(Member(row.user_id, row.display_name, row.opted_in) for row in part)
        return found

    async def record_share(
        self,
        channel_id: int,
        user_id: int,
        application_id: int,
        kind: MilestoneKind,
        mark: str,
        now: datetime,
    ) -> bool:
        stmt = (
            insert_or_ignore(self._session, SHARES, ["channel_id", "application_id", "mark"])
            .values(
                channel_id=channel_id,
                user_id=user_id,
                application_id=application_id,
                kind=MilestoneKind(kind).value,
                mark=mark[:128],
                shared_at=now,
            )
            .returning(SHARES.c.id)
        )
        return (await self._session.execute(stmt)).scalar_one_or_none() is not None

    async def activity(
        self, channel_id: int, since: datetime, until: datetime
    ) -> list[ActivityCount]:
        """The channel's members' counts in (since, until], added up by the database in one
        statement: sends per step, replies and offers from events, interviews from rounds."""
        a, e, r, m = APPLICATIONS, EVENTS, ROUNDS, MEMBERS
        counted = or_(
            and_(e.c.kind == EventKind.SENT.value, e.c.step.is_not(None)),
            e.c.kind == EventKind.HEARD.value,
            and_(e.c.kind == EventKind.STATUS.value, e.c.status == Status.OFFER.value),
        )
        events = (
            select(a.c.user_id, e.c.kind, e.c.step, func.count().label("n"))
            .select_from(e)
            .join(a, a.c.id == e.c.application_id)
            .join(m, and_(m.c.user_id == a.c.user_id, m.c.channel_id == channel_id))
            .where(e.c.at > since, e.c.at <= until, counted)
            .group_by(a.c.user_id, e.c.kind, e.c.step)
        )
        rounds = (
            select(
                a.c.user_id,
                literal_column(f"'{_ROUND}'").label("kind"),
                null().label("step"),
                func.count().label("n"),
            )
            .select_from(r)
            .join(a, a.c.id == r.c.application_id)
            .join(m, and_(m.c.user_id == a.c.user_id, m.c.channel_id == channel_id))
            .where(r.c.starts_at > since, r.c.starts_at <= until)
            .group_by(a.c.user_id)
        )
        found: list[ActivityCount] = []
        async for part in _streamed(self._session, union_all(events, rounds)):
            found.extend(_count(row.user_id, row.kind, row.step, row.n) for row in part)
        return found

    async def _one(self, where: Any) -> GroupChannel | None:
        c, d = CHANNELS, DIGESTS
        stmt = (
            select(c, d.c.weekday, d.c.at, d.c.timezone, d.c.due_at, d.c.last_error)
            .outerjoin(d, d.c.channel_id == c.c.id)
            .where(where)
        )
        row = (await self._session.execute(stmt)).first()
        return channel_from_row(row) if row is not None else None


STREAM_ROWS = 500
"""Rows converted per turn of the event loop when a channel's members or counts are read: a
10,000-member channel (some 30,000 counts) is read in turns of a few milliseconds, not in one
long stall — and a turn stays short on a machine whose cores are shared with others."""


async def _streamed(session: AsyncSession, stmt: Any) -> AsyncIterator[Sequence[Row[Any]]]:
    result = await session.stream(stmt)
    async for part in result.partitions(STREAM_ROWS):
        yield part
        # a turn for everyone else, even when the driver had the rows at hand
        await asyncio.sleep(0)


_ROUND = "round"  # marks the rounds' half of the union: no event kind is spelled so


def _what(kind: str, step: str | None) -> tuple[MilestoneKind, Step | None]:
    if kind == _ROUND:
        return MilestoneKind.INTERVIEW, None
    if kind == EventKind.SENT.value and step is not None:
        return MilestoneKind.SENT, Step(step)
    if kind == EventKind.HEARD.value:
        return MilestoneKind.HEARD, None
    return MilestoneKind.OFFER, None


# Every (kind, step) a count row can carry, looked up instead of worked out per row: a
# 10,000-member channel has some 30,000 rows.
_WHAT = {
    (kind, step): _what(kind, step)
    for kind in (_ROUND, EventKind.SENT.value, EventKind.HEARD.value, EventKind.STATUS.value)
    for step in (None, *(s.value for s in Step))
}


def _count(user_id: int, kind: str, step: str | None, n: int) -> ActivityCount:
    what, which = _WHAT.get((kind, step)) or _what(kind, step)
    return ActivityCount(user_id, what, n, which)


def channel_from_row(row: Row[Any]) -> GroupChannel:
    """A channel from a row of `group_channels` outer-joined with its digest's columns."""
    schedule = (
        DigestSchedule(row.weekday, row.at, row.timezone) if row.weekday is not None else None
    )
    return GroupChannel(
        id=row.id,
        ref=ChannelRef(row.platform, row.workspace, row.channel_id),
        enabled=row.enabled,
        owner_id=row.owner_id,
        schedule=schedule,
        next_digest_at=as_utc_or_none(row.due_at),
        last_digest_error=row.last_error,
    )
