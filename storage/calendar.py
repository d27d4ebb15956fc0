"""`SqlCalendarRepository`: invitation links, subscription secrets (hashed) and the revisions
of each subscribed event."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import FeedRevision, InvitationLink
from storage.columns import as_utc
from storage.models import CalendarFeedRow, FeedEventRow, InvitationLinkRow
from storage.sql import upsert

LINKS = cast(Table, InvitationLinkRow.__table__)
FEEDS = cast(Table, CalendarFeedRow.__table__)
FEED_EVENTS = cast(Table, FeedEventRow.__table__)


class SqlCalendarRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def invitation(self, user_id: int, key: str) -> InvitationLink | None:
        stmt = select(LINKS).where(LINKS.c.user_id == user_id, LINKS.c.key == key)
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        return InvitationLink(
            key=row.key,
            application_id=row.application_id,
            round_seq=row.round_seq,
            sequence=row.sequence,
        )

    async def link_invitation(self, user_id: int, link: InvitationLink, now: datetime) -> None:
        values = {
            "user_id": user_id,
            "key": link.key,
            "application_id": link.application_id,
            "round_seq": link.round_seq,
            "sequence": link.sequence,
            "linked_at": now,
        }
        await self._session.execute(
            upsert(
                self._session,
                LINKS,
                ["user_id", "key"],
                values,
                ["application_id", "round_seq", "sequence", "linked_at"],
            )
        )

    async def unlink_invitation(self, user_id: int, key: str) -> None:
        await self._session.execute(
            delete(LINKS).where(LINKS.c.user_id == user_id, LINKS.c.key == key)
        )

    async def feed_issued_at(self, user_id: int) -> datetime | None:
        value = (
            await self._session.execute(select(FEEDS.c.issued_at).where(FEEDS.c.user_id == user_id))
        ).scalar_one_or_none()
        return as_utc(value) if value is not None else None

    async def issue_feed(self, user_id: int, secret_hash: str, now: datetime) -> None:
        values = {"user_id": user_id, "secret_hash": secret_hash, "issued_at": now}
        await self._session.execute(
            upsert(self._session, FEEDS, ["user_id"], values, ["secret_hash", "issued_at"])
        )

    async def feed_owner(self, secret_hash: str) -> tuple[int, str] | None:
        stmt = select(FEEDS.c.user_id, FEEDS.c.secret_hash).where(
            FEEDS.c.secret_hash == secret_hash
        )
        row = (await self._session.execute(stmt)).first()
        return (row.user_id, row.secret_hash) if row is not None else None

    async def feed_revisions(self, user_id: int) -> dict[str, FeedRevision]:
        stmt = select(FEED_EVENTS).where(FEED_EVENTS.c.user_id == user_id)
        return {
            row.uid: FeedRevision(row.uid, row.fingerprint, row.sequence, as_utc(row.modified_at))
            for row in (await self._session.execute(stmt)).all()
        }

    async def save_feed_revisions(
        self, user_id: int, revisions: Sequence[FeedRevision], gone: Collection[str]
    ) -> None:
        for revision in revisions:
            values = {
                "user_id": user_id,
                "uid": revision.uid,
                "fingerprint": revision.fingerprint,
                "sequence": revision.sequence,
                "modified_at": revision.modified_at,
            }
            await self._session.execute(
                upsert(
                    self._session,
                    FEED_EVENTS,
                    ["user_id", "uid"],
                    values,
                    ["fingerprint", "sequence", "modified_at"],
                )
            )
        if gone:
            await self._session.execute(
                delete(FEED_EVENTS).where(
                    FEED_EVENTS.c.user_id == user_id, FEED_EVENTS.c.uid.in_(list(gone))
                )
            )
