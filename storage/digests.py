"""`SqlDigestRepository`: the digest schedule, one row per channel with a digest.

The row holds the schedule and the next due time, and is a leased queue like the nudges
(`storage.leases`, the same statements): `claim_due` marks it claimed with a fresh token and a
short lease, the poster renews it while it posts, and only the token's holder may record the
post and move the row on to next week (waiting again, its claim released). One row per channel
means a channel can never have two digests pending, and a digest missed during downtime is
claimed once, late.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.groups import ClaimedDigest, DigestSchedule, GroupChannel
from storage.columns import as_utc, as_utc_or_none
from storage.groups import CHANNELS, DIGESTS, channel_from_row
from storage.leases import PENDING, RELEASED, LeasedRows, LeasedTable
from storage.sql import upsert

LEASES = LeasedTable(DIGESTS, "channel_id")
# A new week's digest: nothing is known about any attempt at it.
FRESH: dict[str, Any] = {
    "state": PENDING,
    "retry_at": None,
    "attempts": 0,
    "unknown_since": None,
    **RELEASED,
}


class SqlDigestRepository(LeasedRows[ClaimedDigest]):
    leases = LEASES

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set_schedule(
        self, channel_id: int, schedule: DigestSchedule | None, due_at: datetime | None
    ) -> None:
        if schedule is None or due_at is None:
            await self._session.execute(DIGESTS.delete().where(DIGESTS.c.channel_id == channel_id))
            return
        values: dict[str, Any] = {
            "channel_id": channel_id,
            "weekday": schedule.weekday,
            "at": schedule.at,
            "timezone": schedule.timezone,
            "due_at": due_at,
            **FRESH,
        }
        changed = [k for k in values if k != "channel_id"]
        await self._session.execute(upsert(self._session, DIGESTS, ["channel_id"], values, changed))

    async def schedules(self) -> list[GroupChannel]:
        c, d = CHANNELS, DIGESTS
        stmt = (
            select(c, d.c.weekday, d.c.at, d.c.timezone, d.c.due_at, d.c.last_error)
            .join(d, d.c.channel_id == c.c.id)
            .where(c.c.enabled.is_(True))
            .order_by(c.c.id)
        )
        return [channel_from_row(row) for row in (await self._session.execute(stmt)).all()]

    def _mine(self, platforms: Collection[str] | None, people: Collection[str] | None) -> Any:
        return _of_platforms(platforms)  # a digest is a channel's: `people` narrows nothing

    async def _claimed(self, claimed: Sequence[Row[Any]]) -> list[ClaimedDigest]:
        c, d = CHANNELS, DIGESTS
        rows = (
            await self._session.execute(
                select(c, d.c.weekday, d.c.at, d.c.timezone, d.c.due_at, d.c.last_error)
                .join(d, d.c.channel_id == c.c.id)
                .where(c.c.id.in_([row.channel_id for row in claimed]))
            )
        ).all()
        channels = {row.id: channel_from_row(row) for row in rows}
        digests = [
            ClaimedDigest(
                channels[row.channel_id],
                as_utc(row.due_at),
                row.attempts,
                row.claim_token,
                as_utc_or_none(row.unknown_since),
            )
            for row in claimed
            if row.channel_id in channels
        ]
        return sorted(digests, key=lambda x: (x.due_at, x.channel.id))

    async def mark_posted(
        self, channel_id: int, claim_token: str, at: datetime, next_due: datetime
    ) -> bool:
        values = {
            "last_due_at": DIGESTS.c.due_at,
            "last_posted_at": at,
            "last_error": None,
            "due_at": next_due,
        }
        return await self.leases.finish(self._session, channel_id, claim_token, {**values, **FRESH})

    async def mark_skipped(
        self, channel_id: int, claim_token: str, error: str, next_due: datetime | None
    ) -> bool:
        if next_due is None:
            return await self.leases.drop(self._session, channel_id, claim_token)
        values = {"last_due_at": DIGESTS.c.due_at, "last_error": error, "due_at": next_due}
        return await self.leases.finish(self._session, channel_id, claim_token, {**values, **FRESH})


def _of_platforms(platforms: Collection[str] | None) -> Any:
    """Digests of channels on these platforms (every digest when None)."""
    if platforms is None:
        return true()
    return DIGESTS.c.channel_id.in_(
        select(CHANNELS.c.id).where(CHANNELS.c.platform.in_(sorted(platforms)))
    )
