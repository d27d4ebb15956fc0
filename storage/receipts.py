"""Request receipts: "have I taken this request already?", answered by the database so every
process sharing it agrees (two bot processes behind one load balancer, a restart in between).

`first_time` records the key and says whether it was new, in one `INSERT … ON CONFLICT DO
NOTHING`: of two processes racing on the same retry, exactly one wins. Receipts older than
the window are deleted as new ones arrive, so the table stays as small as the traffic of one
window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from storage.database import Database
from storage.models import RequestReceiptRow
from storage.sql import insert_or_ignore, upsert

MAX_KEY = 200


class Receipts:
    def __init__(self, database: Database, window: timedelta) -> None:
        self._database = database
        self._window = window

    async def first_time(self, key: str, now: datetime) -> bool:
        """Record `key`; True when no receipt of it exists within the window."""
        async with self._database.sessions() as session, session.begin():
            await session.execute(delete(RequestReceiptRow).where(RequestReceiptRow.received_at < now - self._window))
            stmt = insert_or_ignore(session, RequestReceiptRow, ["key"]).values(key=key[:MAX_KEY], received_at=now)
            result = await session.execute(stmt)
            return bool(getattr(result, "rowcount", 0) == 1)

    async def touch(self, key: str, now: datetime) -> None:
        """Write (and commit) one receipt: the health check's proof that writes go through."""
        async with self._database.sessions() as session, session.begin():
            values = {"key": key[:MAX_KEY], "received_at": now}
            await session.execute(upsert(session, RequestReceiptRow, ["key"], values, ["received_at"]))
