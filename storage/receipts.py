"""Request receipts: "have I taken this request already?", answered by the database so every
process sharing it agrees (two bot processes behind one load balancer, a restart in between).

`first_time` records the key and says whether it was new, in one `INSERT … ON CONFLICT DO
NOTHING`: of two processes racing on the same retry, exactly one wins. Receipts older than
the window are deleted as new ones arrive, at most once every tenth of the window (a burst of
requests pays for one insert each, not for a delete as well), so a receipt is kept for the
window and at most a tenth longer, and the table stays about as small as the traffic of one
window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from storage.database import Database
from storage.models import RequestReceiptRow
from storage.sql import insert_or_ignore, upsert

MAX_KEY = 200


PRUNES_PER_WINDOW = 10


class Receipts:
    def __init__(self, database: Database, window: timedelta) -> None:
        self._database = database
        self._window = window
        self._pruned_at: datetime | None = None

    async def first_time(self, key: str, now: datetime) -> bool:
        """Record `key`; True when no receipt of it exists within the window."""
        async with self._database.sessions() as session, session.begin():
            if self._prune_due(now):
                await session.execute(
                    delete(RequestReceiptRow).where(
                        RequestReceiptRow.received_at < now - self._window
                    )
                )
                self._pruned_at = now
            stmt = insert_or_ignore(session, RequestReceiptRow, ["key"]).values(
                key=key[:MAX_KEY], received_at=now
            )
            result = await session.execute(stmt)
            return bool(getattr(result, "rowcount", 0) == 1)

    def _prune_due(self, now: datetime) -> bool:
        last = self._pruned_at
        return last is None or not last <= now < last + self._window / PRUNES_PER_WINDOW

    async def touch(self, key: str, now: datetime) -> None:
        """Write (and commit) one receipt: the health check's proof that writes go through."""
        async with self._database.sessions() as session, session.begin():
            values = {"key": key[:MAX_KEY], "received_at": now}
            await session.execute(
                upsert(session, RequestReceiptRow, ["key"], values, ["received_at"])
            )
