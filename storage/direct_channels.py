"""`DirectChannelStore`: each person's direct-message channel id, kept on their user row
(`users.direct_channel`) so a platform's "open a DM" call is made once per person, not once per
process.

A person is named as the platform names them: (platform, workspace, external id). An id is
read with the user (`User.direct_channel`, loaded with every batch of nudges) or, where an
adapter has no user at hand, with `lookup`. Writes (`remember`) don't wait: they are gathered
and written by one writer in one transaction per `WRITE_BATCH` ids (or once the first has
waited `WRITE_DELAY` seconds), whatever arrives while it writes going in its next one, so a
batch of first contacts costs a few transactions, not one per person. `flush` waits until
everything remembered so far is written; adapters call it when they stop, and tests before they
compare the database row for row. An id remembered for someone with no user row yet (a DM
before their first command) updates nothing: it is found again by opening the DM. A write that
fails is logged and dropped: the id is a cache of what the platform says, found again by
opening the DM.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError

from storage.database import Database
from storage.models import UserRow

log = logging.getLogger(__name__)
Person = tuple[str, str, str]  # platform, workspace, external id
WRITE_BATCH = 200  # ids waiting that are written at once
WRITE_DELAY = 1.0  # seconds an id may wait for others before it is written anyway

_USERS = cast(Table, UserRow.__table__)
_SAVE = (
    update(_USERS)
    .where(
        _USERS.c.platform == bindparam("p"),
        _USERS.c.workspace == bindparam("w"),
        _USERS.c.external_id == bindparam("x"),
    )
    .values(direct_channel=bindparam("channel"))
)


class DirectChannelStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._pending: dict[Person, str | None] = {}
        self._writing: dict[Person, str | None] = {}
        self._writer: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def lookup(self, platform: str, workspace: str, external_id: str) -> str | None:
        """The stored id (or one remembered and not yet written); None when there is none."""
        person = (platform, workspace, external_id)
        for unwritten in (self._pending, self._writing):
            if person in unwritten:
                return unwritten[person]
        stmt = select(UserRow.direct_channel).where(
            UserRow.platform == platform,
            UserRow.workspace == workspace,
            UserRow.external_id == external_id,
        )
        async with self._database.sessions() as session:
            return (await session.execute(stmt)).scalar_one_or_none()

    def remember(
        self, platform: str, workspace: str, external_id: str, channel: str | None
    ) -> None:
        """Keep `channel` as the person's DM id (None: forget a refused one); written soon."""
        self._pending[(platform, workspace, external_id)] = channel
        if len(self._pending) >= WRITE_BATCH:
            self._start_writing()
        elif self._timer is None and not self._busy():
            self._timer = asyncio.get_running_loop().call_later(WRITE_DELAY, self._start_writing)

    async def flush(self) -> None:
        """Wait until every id remembered so far is written."""
        if self._pending:
            self._start_writing()
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    def _busy(self) -> bool:
        return self._writer is not None and not self._writer.done()

    def _start_writing(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._busy():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self._pending:
            self._writing, self._pending = self._pending, {}
            rows = [
                {"p": p, "w": w, "x": x, "channel": c} for (p, w, x), c in self._writing.items()
            ]
            try:
                async with self._database.sessions() as session, session.begin():
                    await session.execute(_SAVE, rows)
            except (SQLAlchemyError, OSError) as problem:
                log.warning(
                    "couldn't store %d DM channel ids (they will be looked up again): %s",
                    len(rows),
                    problem,
                )
            finally:
                self._writing = {}
