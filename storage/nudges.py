"""`SqlNudgeRepository`: the schedule. Every nudge is a row with its due time and state.

The table is a leased queue (`storage.leases`, shared with the digests): `claim_due` moves
due rows to `claimed` with a fresh token and a short lease, the sender renews it while it works,
and only the holder of the token can mark the nudge delivered (`sent`, keeping who sent it),
retried, unknown or failed. Whoever takes over a claim whose lease ran out learns
(`Nudge.unknown_since`) that the dead sender's attempt may have reached the platform.

Rows are read and written with Core statements on the table (no ORM identity map), so a row
is never served stale from the session.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Row,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Application, Nudge, NudgeKind, NudgeState, PlannedNudge, Step
from storage.applications import STEPS
from storage.leases import LeasedRows, LeasedTable
from storage.models import NudgeRow, UserRow
from storage.sql import ID_CHUNK, dialect_name

NUDGES = cast(Table, NudgeRow.__table__)
USERS = cast(Table, UserRow.__table__)

_PENDING = NudgeState.PENDING.value
_SENT = NudgeState.SENT.value
_FAILED = NudgeState.FAILED.value

# The columns a `Nudge` is made of: what a claim hands back and a read selects (a claim of
# hundreds reads no column it would throw away).
FIELDS = tuple(
    NUDGES.c[name]
    for name in (
        *("id", "application_id", "user_id", "key", "step", "kind", "due_at", "state"),
        *("attempts", "send_by", "no_agreed_date", "delivered_at", "late", "last_error"),
        *("claim_token", "unknown_since"),
    )
)
# Stored values → enum members, for reading many rows.
_KINDS = {kind.value: kind for kind in NudgeKind}
_STATES = {state.value: state for state in NudgeState}

LEASES = LeasedTable(NUDGES, "id", FIELDS, room="claim_room")


class SqlNudgeRepository(LeasedRows[Nudge]):
    leases = LEASES

    def __init__(self, session: AsyncSession, new: set[int] | None = None) -> None:
        """`new`: the ids of applications created in this unit of work and not synced yet, as
        it goes on (they have no nudges to drop); `sync` takes them out."""
        self._session = session
        self._new = new if new is not None else set()

    async def sync(
        self, application: Application, planned: Sequence[PlannedNudge], now: datetime
    ) -> None:
        await self.sync_many([(application, planned)], now)

    async def sync_many(
        self, plans: Sequence[tuple[Application, Sequence[PlannedNudge]]], now: datetime
    ) -> None:
        """Make each application's pending nudges match its plan: insert new keys, update
        pending ones still planned, delete pending ones the plan dropped. Claimed, sent and
        failed rows are left alone, so their keys are never inserted again. A due time in the
        past becomes `now` for a new nudge; a pending one keeps its due time if that is earlier
        still. Two statements however many applications and nudges (a few more for very many):
        one deletes what the plans dropped, one inserts or updates what they hold, without
        reading the rows first."""
        await self._drop_unplanned(
            [
                (app.id, {p.key for p in planned})
                for app, planned in plans
                if app.id not in self._new  # created and not synced yet: nothing to drop
            ]
        )
        self._new.difference_update(app.id for app, _ in plans)
        rows = [
            {
                "application_id": app.id,
                "user_id": app.user_id,
                "owner": app.user_id,
                "key": p.key,
                "step": Step(p.step).value,
                "kind": NudgeKind(p.kind).value,
                "cycle": p.cycle,
                "due_at": max(p.due_at, now),
                "planned_in_past": p.due_at < now,
                "send_by": p.send_by,
                "no_agreed_date": p.no_agreed_date,
                "state": _PENDING,
                "attempts": 0,
                "late": False,
            }
            for app, planned in plans
            for p in {p.key: p for p in planned}.values()
        ]
        if rows:
            await self._session.execute(_upsert(dialect_name(self._session)), rows)

    async def _drop_unplanned(self, plans: Sequence[tuple[int, set[str]]]) -> None:
        """Delete the pending nudges of these applications whose keys their plans don't hold."""
        t = NUDGES
        chunks: list[list[tuple[int, set[str]]]] = []
        size = ID_CHUNK
        for application_id, keys in plans:
            cost = 1 + 2 * len(keys)  # bound parameters: the id, and each (id, key) kept
            if size + cost > ID_CHUNK:
                chunks.append([])
                size = 0
            chunks[-1].append((application_id, keys))
            size += cost
        for chunk in chunks:
            kept = [(a, key) for a, keys in chunk for key in sorted(keys)]
            where = and_(t.c.state == _PENDING, t.c.application_id.in_([a for a, _ in chunk]))
            if kept:
                where = and_(where, tuple_(t.c.application_id, t.c.key).not_in(kept))
            await self._session.execute(delete(t).where(where))

    async def for_application(self, application_id: int) -> list[Nudge]:
        return await self._select(NUDGES.c.application_id == application_id)

    async def for_user(self, user_id: int, state: NudgeState | None = None) -> list[Nudge]:
        where = NUDGES.c.user_id == user_id
        if state is not None:
            where = and_(where, NUDGES.c.state == NudgeState(state).value)
        return await self._select(where)

    async def get(self, nudge_id: int) -> Nudge | None:
        found = await self._select(NUDGES.c.id == nudge_id)
        return found[0] if found else None

    def _mine(self, platforms: Collection[str] | None, people: Collection[str] | None) -> Any:
        return _of_platforms(platforms, people)

    async def _claimed(self, rows: Sequence[Row[Any]]) -> list[Nudge]:
        return sorted(_nudges(rows), key=lambda n: (n.due_at, n.id))

    async def mark_delivered_many(
        self, deliveries: Sequence[tuple[int, str, bool]], at: datetime
    ) -> set[int]:
        """Record many deliveries of (nudge id, claim token, late) in a few statements; the
        ids whose claim was still held (and so were recorded) come back."""
        groups: dict[tuple[str, bool], list[int]] = {}
        for nudge_id, token, late in deliveries:
            groups.setdefault((token, late), []).append(nudge_id)
        kept: set[int] = set()
        for (token, late), ids in groups.items():
            values = {"state": _SENT, "delivered_at": at, "late": late, "lease_until": None}
            kept.update(await self.leases.finish_many(self._session, ids, token, values))
        return kept

    async def mark_failed(self, nudge_id: int, claim_token: str, at: datetime, error: str) -> bool:
        """Give up on the nudge; it stays as a failed row (and is reported to the user once)."""
        return await self.leases.finish(
            self._session,
            nudge_id,
            claim_token,
            {
                "state": _FAILED,
                "failed_at": at,
                "attempts": NUDGES.c.attempts + 1,
                "last_error": error,
                "lease_until": None,
            },
        )

    async def unreported_failures(self, user_id: int) -> list[Nudge]:
        """The user's failed nudges that failed after failures were last reported to them."""
        t, u = NUDGES, USERS
        stmt = (
            select(*FIELDS)
            .join(u, u.c.id == t.c.user_id)
            .where(
                t.c.user_id == user_id,
                t.c.state == _FAILED,
                or_(u.c.failures_reported_at.is_(None), t.c.failed_at > u.c.failures_reported_at),
            )
            .order_by(t.c.failed_at, t.c.id)
        )
        return _nudges((await self._session.execute(stmt)).all())

    async def mark_failures_reported(self, user_id: int, at: datetime) -> None:
        await self._session.execute(
            update(USERS).where(USERS.c.id == user_id).values(failures_reported_at=at)
        )

    async def _select(self, where: Any) -> list[Nudge]:
        stmt = select(*FIELDS).where(where).order_by(NUDGES.c.due_at, NUDGES.c.id)
        return _nudges((await self._session.execute(stmt)).all())


def _of_platforms(platforms: Collection[str] | None, people: Collection[str] | None = None) -> Any:
    """Nudges of users on these platforms (every nudge when None), and of these people only.
    The platform is on the nudge row: a sweep reads no other table for it."""
    mine = true() if platforms is None else NUDGES.c.platform.in_(sorted(platforms))
    if people is None:
        return mine
    # Only for a process serving a few people (a console session): looked up by primary key.
    return and_(
        mine,
        exists().where(USERS.c.id == NUDGES.c.user_id, USERS.c.external_id.in_(sorted(people))),
    )


@functools.cache
def _upsert(dialect: str) -> Any:
    """Insert a planned nudge, or update the pending row of its key (see `sync_many`): each
    row carries its user's platform (`owner`: the user's id), so a sweep filters on the row
    itself; and `planned_in_past` says its planned time had passed, when a pending row keeps
    its own due time if that is earlier still (so it is still reported as late). Built once
    per backend: building it costs more than running it."""
    t = NUDGES
    insert = postgresql.insert(t) if dialect == "postgresql" else sqlite.insert(t)
    platform = select(USERS.c.platform).where(USERS.c.id == bindparam("owner")).scalar_subquery()
    insert = insert.values(platform=platform)
    new = insert.excluded
    due_at = case(
        (
            bindparam("planned_in_past", type_=Boolean),
            case((t.c.due_at < new.due_at, t.c.due_at), else_=new.due_at),
        ),
        else_=new.due_at,
    )
    return insert.on_conflict_do_update(
        index_elements=["application_id", "key"],
        set_={
            "step": new.step,
            "kind": new.kind,
            "cycle": new.cycle,
            "due_at": due_at,
            "send_by": new.send_by,
            "no_agreed_date": new.no_agreed_date,
        },
        where=t.c.state == _PENDING,
    )


def nudge_from_row(row: Row[Any]) -> Nudge:
    """A nudge from a row holding (at least) the `FIELDS`, by name."""
    return _nudge(*(row._mapping[column] for column in FIELDS))


def _nudges(rows: Iterable[Sequence[Any]]) -> list[Nudge]:
    """Nudges from rows of exactly the `FIELDS`, in order (unpacked, not looked up by name:
    a claim builds hundreds)."""
    return [_nudge(*row) for row in rows]


def _nudge(
    id: int,
    application_id: int,
    user_id: int,
    key: str,
    step: str,
    kind: str,
    due_at: datetime,
    state: str,
    attempts: int,
    send_by: datetime | None,
    no_agreed_date: bool,
    delivered_at: datetime | None,
    late: bool,
    last_error: str | None,
    claim_token: str | None,
    unknown_since: datetime | None,
) -> Nudge:
    """The `FIELDS` of a row, in order, as a nudge (its times are already UTC)."""
    return Nudge(
        id=id,
        application_id=application_id,
        user_id=user_id,
        key=key,
        step=STEPS[step],
        kind=_KINDS[kind],
        due_at=due_at,
        state=_STATES[state],
        attempts=attempts,
        send_by=send_by,
        no_agreed_date=no_agreed_date,
        delivered_at=delivered_at,
        late=late,
        last_error=last_error,
        claim_token=claim_token,
        unknown_since=unknown_since,
    )
