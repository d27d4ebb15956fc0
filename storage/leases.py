"""Leased rows: the statements of every leased-queue table (`nudges`, `channel_digests`).

A row is waiting (`state = 'pending'`) until its due time — or its retry time, when later —
has come; `claim` then atomically marks it `claimed` with a fresh token, who claimed it, a
short lease and when this attempt began (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite
every transaction holds the write lock, see `storage.engine`). A claimed row whose lease ran
out is claimable again, and whoever takes it over learns (`unknown_since`) that the dead
sender's attempt may have reached the platform; that attempt counts (`attempts`). The sender
renews its leases while it works (`renew`), and only the holder of the token can finish the
row: retried, unknown, or whatever "done" means for the table (`finish`, `finish_many`).

`LeasedRows` is the part of a repository that is the same for every table (the
`LeasedRepository` port): renewing, and sending a row back to wait after a failed or
unanswered attempt.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Collection, Hashable, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    Row,
    Table,
    any_,
    bindparam,
    case,
    func,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningUpdate

from storage.columns import UtcDateTime
from storage.sql import ID_CHUNK, dialect_name, earliest_claimable, ready_at

PENDING = "pending"
CLAIMED = "claimed"
RELEASED: dict[str, Any] = {"claim_token": None, "claimed_by": None, "lease_until": None}
_CLAIMS_KEPT = 64  # claim statements kept, one per set of platforms and people claimed for
T = TypeVar("T")


class LeasedTable:
    """The statements for one table of leased rows, keyed by `key`."""

    def __init__(
        self,
        table: Table,
        key: str,
        returned: Sequence[Column[Any]] = (),
        room: str | None = None,
    ) -> None:
        self.table = table
        self.key: Column[Any] = table.c[key]
        # A column holding, while a row waits, the room its claim fills: the claim empties it.
        self.room = {room: None} if room is not None else {}
        # What a claim hands back of each row it takes (every column unless named).
        self.returned = tuple(returned) or tuple(table.c)
        self._claims: dict[tuple[bool, Hashable], ReturningUpdate[Any]] = {}
        self._finishes: dict[tuple[str, ...], ReturningUpdate[Any]] = {}  # by columns written
        # The states written into the SQL itself, not bound: a partial index (pending rows by
        # ready time; claimed rows by lease end and by claim token) is used only when the
        # query's condition visibly matches the index's own, and a bound parameter's value is
        # not known when a plan is made for it.
        self.waiting: ColumnElement[bool] = table.c.state == literal_column(f"'{PENDING}'")
        self.claimed: ColumnElement[bool] = table.c.state == literal_column(f"'{CLAIMED}'")

    async def next_due_at(self, session: AsyncSession, mine: Any) -> datetime | None:
        return await earliest_claimable(session, self.table, self.waiting, self.claimed, mine)

    async def claim(
        self,
        session: AsyncSession,
        now: datetime,
        worker: str,
        lease: timedelta,
        limit: int,
        mine: Any,
        mine_key: Hashable = None,
    ) -> Sequence[Row[Any]]:
        """Claim up to `limit` due rows among `mine`, all under one new token; the claimed rows
        come back (their `returned` columns). Claims whose lease ran out come first (oldest
        lease first), then waiting rows in the order they became ready. The statement is built
        once for each `mine_key` that names `mine` (None: built every time)."""
        if limit <= 0:
            return []
        postgres = dialect_name(session) == "postgresql"
        key = (postgres, mine_key)
        stmt = self._claims.get(key) if mine_key is not None else None
        if stmt is None:
            stmt = self._claim_statement(postgres, mine)
            if mine_key is not None and len(self._claims) < _CLAIMS_KEPT:
                self._claims[key] = stmt
        values = {
            "now": now,
            "lease_until": now + lease,
            "limit": limit,
            # 96 random bits in 16 characters: every byte a claim adds to a row may be the one
            # that no longer fits its page (SQLite then splits the page: three or four pages
            # written instead of one).
            "token": secrets.token_urlsafe(12),
            "worker": worker[:255],
        }
        return (await session.execute(stmt, values)).all()

    def _claim_statement(self, postgres: bool, mine: Any) -> ReturningUpdate[Any]:
        """The claim, with the values bound at each execution (`now`, `lease_until`, `limit`,
        `token`, `worker`).

        Each of the two kinds of claimable rows is read in its own index's order and stops at
        `limit` rows, so a claim costs what it takes, not what is due: one condition with OR,
        or a tie-break by id, would make the database gather and sort every due row at every
        claim (and, with several processes, every process would do it at every batch)."""
        t = self.table
        now = bindparam("now", type_=UtcDateTime())
        limit = bindparam("limit", type_=Integer())
        ready = ready_at(t)
        lapsed = (
            select(self.key)
            .where(self.claimed, t.c.lease_until < now, mine)
            .order_by(t.c.lease_until)
            .limit(limit)
        )
        if postgres:
            lapsed = lapsed.with_for_update(skip_locked=True)
        taken_over = lapsed.cte("lapsed")
        room = limit - select(func.count()).select_from(taken_over).scalar_subquery()
        waiting = (
            select(self.key).where(self.waiting, ready <= now, mine).order_by(ready).limit(room)
        )
        if postgres:
            waiting = waiting.with_for_update(skip_locked=True)
        fresh = waiting.cte("fresh")
        chosen = union_all(select(taken_over.c[self.key.name]), select(fresh.c[self.key.name]))
        # PostgreSQL: an array of ids is looked up by primary key; `IN (subquery)` may be
        # planned as a join that reads the whole table.
        which = (
            self.key == any_(func.array(chosen.scalar_subquery()))
            if postgres
            else self.key.in_(chosen)
        )
        return (
            update(t)
            .where(which)
            .values(
                state=CLAIMED,
                claim_token=bindparam("token"),
                claimed_by=bindparam("worker"),
                lease_until=bindparam("lease_until", type_=UtcDateTime()),
                attempted_at=now,
                # Taken over from a sender whose lease ran out: its attempt, begun at its
                # `attempted_at`, may have reached the platform. (SET reads the old values.)
                unknown_since=case(
                    (t.c.state == CLAIMED, func.coalesce(t.c.unknown_since, t.c.attempted_at)),
                    else_=t.c.unknown_since,
                ),
                # and that attempt counts, so a row that stops every sender holding it is
                # given up in time, not taken over forever
                attempts=case((t.c.state == CLAIMED, t.c.attempts + 1), else_=t.c.attempts),
                **self.room,
            )
            .returning(*self.returned)
        )

    async def renew(
        self, session: AsyncSession, claim_tokens: Collection[str], lease_until: datetime
    ) -> set[str]:
        """Extend the lease of every row still claimed with one of these tokens (the sender's
        heartbeat); the tokens that still hold at least one claim come back."""
        t = self.table
        held: set[str] = set()
        tokens = sorted(claim_tokens)
        for start in range(0, len(tokens), ID_CHUNK):
            mine = select(self.key).where(
                t.c.claim_token.in_(tokens[start : start + ID_CHUNK]), self.claimed
            )
            if dialect_name(session) == "postgresql":
                # A row locked right now is being recorded by this very sender (in another
                # transaction): it needs no renewal, and waiting for it could deadlock.
                mine = mine.order_by(self.key).with_for_update(skip_locked=True)
            stmt = (
                update(t)
                .where(self.key.in_(mine.scalar_subquery()))
                .values(lease_until=lease_until)
                .returning(t.c.claim_token)
            )
            held.update((await session.execute(stmt)).scalars().all())
        return held

    async def finish(
        self, session: AsyncSession, key: Any, token: str, values: dict[str, Any]
    ) -> bool:
        """Apply `values` only while the row is still claimed with `token`."""
        t = self.table
        stmt = (
            update(t)
            .where(self.key == key, t.c.claim_token == token, self.claimed)
            .values(values)
        )
        result = cast(CursorResult[Any], await session.execute(stmt))
        return result.rowcount == 1

    async def finish_many(
        self, session: AsyncSession, keys: Sequence[Any], token: str, values: dict[str, Any]
    ) -> set[Any]:
        """`finish` for many rows under one token, in a few statements; the keys finished.
        `values` are plain values (bound at each execution: the statement is built once for
        each set of columns written)."""
        names = tuple(values)
        stmt = self._finishes.get(names)
        if stmt is None:
            stmt = self._finishes[names] = self._finish_many_statement(names)
        bound = {f"v_{name}": value for name, value in values.items()}
        done: set[Any] = set()
        for start in range(0, len(keys), ID_CHUNK):
            chunk = {"keys": keys[start : start + ID_CHUNK], "token": token, **bound}
            done.update((await session.execute(stmt, chunk)).scalars().all())
        return done

    def _finish_many_statement(self, names: tuple[str, ...]) -> ReturningUpdate[Any]:
        t = self.table
        return (
            update(t)
            .where(
                self.key.in_(bindparam("keys", expanding=True)),
                t.c.claim_token == bindparam("token"),
                self.claimed,
            )
            .values({name: bindparam(f"v_{name}") for name in names})
            .returning(self.key)
        )

    async def drop(self, session: AsyncSession, key: Any, token: str) -> bool:
        """Delete the row, only while it is still claimed with `token`."""
        t = self.table
        stmt = t.delete().where(self.key == key, t.c.claim_token == token, self.claimed)
        result = cast(CursorResult[Any], await session.execute(stmt))
        return result.rowcount == 1


class LeasedRows(ABC, Generic[T]):
    """What every leased repository does the same way (the `LeasedRepository` port). A
    subclass names its `leases`, which of its rows a process may take (`_mine`), and what a
    claimed row becomes (`_claimed`); it cannot be built without the last two."""

    leases: ClassVar[LeasedTable]
    _session: AsyncSession

    @abstractmethod
    def _mine(self, platforms: Collection[str] | None, people: Collection[str] | None) -> Any:
        """The rows for these platforms and people (every row for None)."""

    @abstractmethod
    async def _claimed(self, rows: Sequence[Row[Any]]) -> list[T]:
        """The claimed rows as the core's items, earliest first."""

    async def next_due_at(
        self, platforms: Collection[str] | None = None, people: Collection[str] | None = None
    ) -> datetime | None:
        """The earliest time at which a row can be claimed: a waiting one's due (or retry)
        time, or a claimed one's lease end; only rows for `platforms` and `people` when given."""
        return await self.leases.next_due_at(self._session, self._mine(platforms, people))

    async def claim_due(
        self,
        now: datetime,
        worker: str,
        lease: timedelta,
        limit: int,
        platforms: Collection[str] | None = None,
        people: Collection[str] | None = None,
    ) -> list[T]:
        """Atomically claim up to `limit` due rows (earliest first): waiting ones whose due and
        retry times have come, and claimed ones whose lease ran out; only rows for `platforms`
        when given, so a process never takes what it cannot deliver, and among them only the
        `people`'s. Each claim gets a new token, carried by the returned items."""
        # A process claims for the same platforms (and people) at every batch: its statement
        # is built once.
        mine_key = (
            None if platforms is None else frozenset(platforms),
            None if people is None else frozenset(people),
        )
        rows = await self.leases.claim(
            self._session, now, worker, lease, limit, self._mine(platforms, people), mine_key
        )
        return await self._claimed(rows) if rows else []

    async def renew(self, claim_tokens: Collection[str], lease_until: datetime) -> set[str]:
        return await self.leases.renew(self._session, claim_tokens, lease_until)

    async def mark_retry(
        self, item_id: int, claim_token: str, retry_at: datetime, error: str
    ) -> bool:
        """Waiting again, to be claimed from `retry_at`; counts the attempt. The platform said
        it did not take the message, so an earlier doubt stands as it was."""
        values = {
            "state": PENDING,
            "retry_at": retry_at,
            "attempts": self.leases.table.c.attempts + 1,
            "last_error": error,
        }
        return await self.leases.finish(self._session, item_id, claim_token, {**values, **RELEASED})

    async def mark_unknown(
        self, item_id: int, claim_token: str, verify_at: datetime, error: str
    ) -> bool:
        """The platform never answered this attempt: waiting again from `verify_at`, marked so
        the next attempt checks whether the message arrived before sending it again."""
        c = self.leases.table.c
        values = {
            "state": PENDING,
            "retry_at": verify_at,
            "attempts": c.attempts + 1,
            "last_error": error,
            "unknown_since": func.coalesce(c.unknown_since, c.attempted_at),
        }
        return await self.leases.finish(self._session, item_id, claim_token, {**values, **RELEASED})
