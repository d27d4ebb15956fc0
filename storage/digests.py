"""`SqlDigestRepository`: the digest schedule, one row per channel with a digest.

The row holds the schedule and the next due time; delivery claims it exactly like a nudge:
`claim_due` sets a fresh token and a lease in one statement (`FOR UPDATE SKIP LOCKED` on
PostgreSQL; SQLite transactions hold the write lock), and only the token's holder may record
the post and move the row on to next week. One row per channel means a channel can never have
two digests pending, and a digest missed during downtime is claimed once, late.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, or_, select, true, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.groups import ClaimedDigest, DigestSchedule, GroupChannel
from storage.columns import as_utc
from storage.groups import CHANNELS, DIGESTS, channel_from_row
from storage.sql import dialect_name, earliest_claimable, upsert


class SqlDigestRepository:
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
            "retry_at": None,
            "attempts": 0,
            "claim_token": None,
            "claimed_by": None,
            "lease_until": None,
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

    async def next_due_at(self, platforms: Collection[str] | None = None) -> datetime | None:
        d = DIGESTS
        return await earliest_claimable(
            self._session, d, d.c.claim_token.is_(None), d.c.claim_token.is_not(None), _of_platforms(platforms)
        )

    async def claim_due(
        self,
        now: datetime,
        worker: str,
        lease: timedelta,
        limit: int,
        platforms: Collection[str] | None = None,
    ) -> list[ClaimedDigest]:
        """Claim due digests with a lease (only channels on `platforms` when given)."""
        if limit <= 0:
            return []
        d = DIGESTS
        claimable = or_(
            and_(d.c.claim_token.is_(None), d.c.due_at <= now, or_(d.c.retry_at.is_(None), d.c.retry_at <= now)),
            and_(d.c.claim_token.is_not(None), d.c.lease_until < now),
        )
        due = select(d.c.channel_id).where(claimable, _of_platforms(platforms)).order_by(d.c.due_at, d.c.channel_id).limit(limit)
        if dialect_name(self._session) == "postgresql":
            due = due.with_for_update(skip_locked=True)
        token = uuid.uuid4().hex
        stmt = (
            update(d)
            .where(d.c.channel_id.in_(due.scalar_subquery()))
            .values(claim_token=token, claimed_by=worker[:255], lease_until=now + lease)
            .returning(d.c.channel_id, d.c.due_at, d.c.attempts)
        )
        claimed = (await self._session.execute(stmt)).all()
        if not claimed:
            return []
        c = CHANNELS
        rows = (
            await self._session.execute(
                select(c, d.c.weekday, d.c.at, d.c.timezone, d.c.due_at, d.c.last_error)
                .join(d, d.c.channel_id == c.c.id)
                .where(c.c.id.in_([row.channel_id for row in claimed]))
            )
        ).all()
        channels = {row.id: channel_from_row(row) for row in rows}
        digests = [
            ClaimedDigest(channels[row.channel_id], as_utc(row.due_at), row.attempts, token)
            for row in claimed
            if row.channel_id in channels
        ]
        return sorted(digests, key=lambda x: (x.due_at, x.channel.id))

    async def mark_posted(self, channel_id: int, claim_token: str, at: datetime, next_due: datetime) -> bool:
        return await self._finish(
            channel_id,
            claim_token,
            {
                "last_due_at": DIGESTS.c.due_at,
                "last_posted_at": at,
                "last_error": None,
                "due_at": next_due,
                "retry_at": None,
                "attempts": 0,
            },
        )

    async def mark_retry(self, channel_id: int, claim_token: str, retry_at: datetime, error: str) -> bool:
        return await self._finish(
            channel_id,
            claim_token,
            {"retry_at": retry_at, "attempts": DIGESTS.c.attempts + 1, "last_error": error},
        )

    async def mark_skipped(self, channel_id: int, claim_token: str, error: str, next_due: datetime | None) -> bool:
        if next_due is None:
            d = DIGESTS
            result = cast(
                CursorResult[Any],
                await self._session.execute(d.delete().where(d.c.channel_id == channel_id, d.c.claim_token == claim_token)),
            )
            return result.rowcount == 1
        return await self._finish(
            channel_id,
            claim_token,
            {"last_due_at": DIGESTS.c.due_at, "last_error": error, "due_at": next_due, "retry_at": None, "attempts": 0},
        )

    async def _finish(self, channel_id: int, token: str, values: dict[str, Any]) -> bool:
        """Apply `values` and release the claim, only while it is still held with `token`."""
        d = DIGESTS
        stmt = (
            update(d)
            .where(d.c.channel_id == channel_id, d.c.claim_token == token)
            .values({**values, "claim_token": None, "claimed_by": None, "lease_until": None})
        )
        result = cast(CursorResult[Any], await self._session.execute(stmt))
        return result.rowcount == 1


def _of_platforms(platforms: Collection[str] | None) -> Any:
    """Digests of channels on these platforms (every digest when None)."""
    if platforms is None:
        return true()
    return DIGESTS.c.channel_id.in_(select(CHANNELS.c.id).where(CHANNELS.c.platform.in_(sorted(platforms))))
