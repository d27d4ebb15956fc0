"""`SqlNudgeRepository`: the schedule. Every nudge is a row with its due time and state.

Delivery is claim-based: `claim_due` atomically moves due rows to `claimed` with a fresh
token and a short lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite every transaction
holds the write lock, see `storage.engine`), which the sender renews while it works (`renew`),
and only the holder of the token can mark the nudge delivered, retried, unknown or failed. A
sender that dies loses its claims when the lease runs out; whoever takes such a claim over
learns (`Nudge.unknown_since`) that the dead sender's attempt may have reached the platform.

Rows are read and written with Core statements on the table (no ORM identity map), so a row
is never served stale from the session.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Row,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Application, Nudge, NudgeKind, NudgeState, PlannedNudge, Step
from storage.columns import as_utc, as_utc_or_none
from storage.models import NudgeRow, UserRow
from storage.sql import ID_CHUNK, dialect_name, earliest_claimable, insert_or_ignore, ready_at

NUDGES = cast(Table, NudgeRow.__table__)
USERS = cast(Table, UserRow.__table__)

_PENDING = NudgeState.PENDING.value
_CLAIMED = NudgeState.CLAIMED.value
_SENT = NudgeState.SENT.value
_FAILED = NudgeState.FAILED.value

# The states written into the SQL itself, not bound: a partial index (pending rows by ready
# time; claimed rows by lease end) is used only when the query's condition visibly matches
# the index's own, and a bound parameter's value is not known when a plan is made for it.
PENDING_ROW = NUDGES.c.state == literal_column(f"'{_PENDING}'")
CLAIMED_ROW = NUDGES.c.state == literal_column(f"'{_CLAIMED}'")


class SqlNudgeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def sync(
        self, application: Application, planned: Sequence[PlannedNudge], now: datetime
    ) -> None:
        """Make the application's pending nudges match the plan: insert new keys, update changed
        pending ones, delete pending ones the plan dropped. Claimed, sent and failed rows are left
        alone, so their keys are never inserted again. A due time in the past becomes `now` for a
        new nudge; a pending one keeps its due time if that is earlier still."""
        t = NUDGES
        rows = (
            await self._session.execute(select(t).where(t.c.application_id == application.id))
        ).all()
        existing = {row.key: row for row in rows}
        wanted = {p.key: p for p in planned}

        stale = [row.id for row in rows if row.state == _PENDING and row.key not in wanted]
        if stale:
            await self._session.execute(delete(t).where(t.c.id.in_(stale), t.c.state == _PENDING))

        new: list[dict[str, Any]] = []
        for key, plan in wanted.items():
            row = existing.get(key)
            if row is None:
                new.append(
                    {
                        "application_id": application.id,
                        "user_id": application.user_id,
                        "owner": application.user_id,
                        "key": key,
                        "step": Step(plan.step).value,
                        "kind": NudgeKind(plan.kind).value,
                        "cycle": plan.cycle,
                        "due_at": max(plan.due_at, now),
                        "send_by": plan.send_by,
                        "no_agreed_date": plan.no_agreed_date,
                        "state": _PENDING,
                        "attempts": 0,
                        "late": False,
                    }
                )
                continue
            if row.state != _PENDING:
                continue
            # A planned time in the past makes the nudge due now at the latest; one that is
            # already overdue keeps its own due time, so it is still reported as late.
            due_at = plan.due_at if plan.due_at >= now else min(as_utc(row.due_at), now)
            if _changed(row, plan, due_at):
                await self._session.execute(
                    update(t)
                    .where(t.c.id == row.id, t.c.state == _PENDING)
                    .values(
                        step=Step(plan.step).value,
                        kind=NudgeKind(plan.kind).value,
                        cycle=plan.cycle,
                        due_at=due_at,
                        send_by=plan.send_by,
                        no_agreed_date=plan.no_agreed_date,
                    )
                )
        if new:
            # Each row carries its user's platform, so a sweep filters on the row itself.
            platform = select(USERS.c.platform).where(USERS.c.id == bindparam("owner")).scalar_subquery()
            await self._session.execute(
                insert_or_ignore(self._session, t, ["application_id", "key"]).values(platform=platform), new
            )

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

    async def next_due_at(
        self, platforms: Collection[str] | None = None, people: Collection[str] | None = None
    ) -> datetime | None:
        """The earliest time at which a nudge can be claimed: a pending one's due (or retry)
        time, or a claimed one's lease end; only for users of `platforms` (and among them the
        `people`, by external id) when given."""
        return await earliest_claimable(self._session, NUDGES, PENDING_ROW, CLAIMED_ROW, _of_platforms(platforms, people))

    async def claim_due(
        self,
        now: datetime,
        worker: str,
        lease: timedelta,
        limit: int,
        platforms: Collection[str] | None = None,
        people: Collection[str] | None = None,
    ) -> list[Nudge]:
        """Atomically claim up to `limit` due nudges (earliest first): pending ones whose due
        and retry times have come, and claimed ones whose lease ran out; only nudges for users
        of `platforms` when given, so a process never takes what it cannot deliver, and among
        them only the `people` (external ids) when given. Each claim gets a new token, carried
        by the returned nudges."""
        if limit <= 0:
            return []
        t = NUDGES
        # Due and retry times both come: the ready time has come (it is the later of the two).
        ready = ready_at(t)
        claimable = or_(and_(PENDING_ROW, ready <= now), and_(CLAIMED_ROW, t.c.lease_until < now))
        due = select(t.c.id).where(claimable, _of_platforms(platforms, people)).order_by(ready, t.c.id).limit(limit)
        if dialect_name(self._session) == "postgresql":
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(t)
            .where(t.c.id.in_(due.scalar_subquery()))
            .values(
                state=_CLAIMED,
                claim_token=uuid.uuid4().hex,
                claimed_by=worker[:255],
                lease_until=now + lease,
                attempted_at=now,
                # Taken over from a sender whose lease ran out: its attempt, begun at its
                # `attempted_at`, may have reached the platform. (SET reads the old values.)
                unknown_since=case(
                    (t.c.state == _CLAIMED, func.coalesce(t.c.unknown_since, t.c.attempted_at)),
                    else_=t.c.unknown_since,
                ),
            )
            .returning(*t.c)
        )
        rows = (await self._session.execute(stmt)).all()
        return sorted((nudge_from_row(row) for row in rows), key=lambda n: (n.due_at, n.id))

    async def mark_delivered_many(
        self, deliveries: Sequence[tuple[int, str, bool]], at: datetime
    ) -> set[int]:
        """Record many deliveries of (nudge id, claim token, late) in a few statements; the
        ids whose claim was still held (and so were recorded) come back."""
        groups: dict[tuple[str, bool], list[int]] = {}
        for nudge_id, token, late in deliveries:
            groups.setdefault((token, late), []).append(nudge_id)
        kept: set[int] = set()
        t = NUDGES
        for (token, late), ids in groups.items():
            for start in range(0, len(ids), ID_CHUNK):
                stmt = (
                    update(t)
                    .where(t.c.id.in_(ids[start : start + ID_CHUNK]), t.c.claim_token == token, t.c.state == _CLAIMED)
                    .values(state=_SENT, delivered_at=at, late=late, lease_until=None)
                    .returning(t.c.id)
                )
                kept.update((await self._session.execute(stmt)).scalars().all())
        return kept

    async def renew(self, claim_tokens: Collection[str], lease_until: datetime) -> set[str]:
        """Extend the lease of every nudge still claimed with one of these tokens (the sender's
        heartbeat); the tokens that still hold at least one claim come back."""
        t = NUDGES
        held: set[str] = set()
        tokens = sorted(claim_tokens)
        for start in range(0, len(tokens), ID_CHUNK):
            mine = select(t.c.id).where(t.c.claim_token.in_(tokens[start : start + ID_CHUNK]), t.c.state == _CLAIMED)
            if dialect_name(self._session) == "postgresql":
                # A row locked right now is being recorded by this very sender (in another
                # transaction): it needs no renewal, and waiting for it could deadlock.
                mine = mine.order_by(t.c.id).with_for_update(skip_locked=True)
            stmt = (
                update(t)
                .where(t.c.id.in_(mine.scalar_subquery()))
                .values(lease_until=lease_until)
                .returning(t.c.claim_token)
            )
            held.update((await self._session.execute(stmt)).scalars().all())
        return held

    async def mark_unknown(
        self, nudge_id: int, claim_token: str, verify_at: datetime, error: str
    ) -> bool:
        """The platform never answered this attempt: back to pending from `verify_at`, marked so
        the next attempt checks whether the message arrived before sending it again."""
        return await self._finish(
            nudge_id,
            claim_token,
            {
                "state": _PENDING,
                "retry_at": verify_at,
                "attempts": NUDGES.c.attempts + 1,
                "last_error": error,
                "unknown_since": func.coalesce(NUDGES.c.unknown_since, NUDGES.c.attempted_at),
                "claim_token": None,
                "claimed_by": None,
                "lease_until": None,
            },
        )

    async def mark_retry(
        self, nudge_id: int, claim_token: str, retry_at: datetime, error: str
    ) -> bool:
        """Back to pending, to be claimed again from `retry_at`; counts the attempt. The
        platform said it did not take the message, so an earlier doubt stands as it was."""
        return await self._finish(
            nudge_id,
            claim_token,
            {
                "state": _PENDING,
                "retry_at": retry_at,
                "attempts": NUDGES.c.attempts + 1,
                "last_error": error,
                "claim_token": None,
                "claimed_by": None,
                "lease_until": None,
            },
        )

    async def mark_failed(self, nudge_id: int, claim_token: str, at: datetime, error: str) -> bool:
        """Give up on the nudge; it stays as a failed row (and is reported to the user once)."""
        return await self._finish(
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
            select(t)
            .join(u, u.c.id == t.c.user_id)
            .where(
                t.c.user_id == user_id,
                t.c.state == _FAILED,
                or_(u.c.failures_reported_at.is_(None), t.c.failed_at > u.c.failures_reported_at),
            )
            .order_by(t.c.failed_at, t.c.id)
        )
        return [nudge_from_row(row) for row in (await self._session.execute(stmt)).all()]

    async def mark_failures_reported(self, user_id: int, at: datetime) -> None:
        await self._session.execute(
            update(USERS).where(USERS.c.id == user_id).values(failures_reported_at=at)
        )

    async def _select(self, where: Any) -> list[Nudge]:
        stmt = select(NUDGES).where(where).order_by(NUDGES.c.due_at, NUDGES.c.id)
        return [nudge_from_row(row) for row in (await self._session.execute(stmt)).all()]

    async def _finish(self, nudge_id: int, token: str, values: dict[str, Any]) -> bool:
        """Apply `values` only while the nudge is still claimed with `token`."""
        t = NUDGES
        stmt = (
            update(t)
            .where(t.c.id == nudge_id, t.c.claim_token == token, t.c.state == _CLAIMED)
            .values(values)
        )
        result = cast(CursorResult[Any], await self._session.execute(stmt))
        return result.rowcount == 1


def _of_platforms(platforms: Collection[str] | None, people: Collection[str] | None = None) -> Any:
    """Nudges of users on these platforms (every nudge when None), and of these people only.
    The platform is on the nudge row: a sweep reads no other table for it."""
    mine = true() if platforms is None else NUDGES.c.platform.in_(sorted(platforms))
    if people is None:
        return mine
    # Only for a process serving a few people (a console session): looked up by primary key.
    return and_(mine, exists().where(USERS.c.id == NUDGES.c.user_id, USERS.c.external_id.in_(sorted(people))))


def _changed(row: Row[Any], plan: PlannedNudge, due_at: datetime) -> bool:
    return (
        row.step != plan.step
        or row.kind != plan.kind
        or row.cycle != plan.cycle
        or row.due_at != due_at
        or row.send_by != plan.send_by
        or row.no_agreed_date != plan.no_agreed_date
    )


def nudge_from_row(row: Row[Any]) -> Nudge:
    return Nudge(
        id=row.id,
        application_id=row.application_id,
        user_id=row.user_id,
        key=row.key,
        step=Step(row.step),
        kind=NudgeKind(row.kind),
        due_at=as_utc(row.due_at),
        state=NudgeState(row.state),
        attempts=row.attempts,
        send_by=as_utc_or_none(row.send_by),
        no_agreed_date=row.no_agreed_date,
        delivered_at=as_utc_or_none(row.delivered_at),
        late=row.late,
        last_error=row.last_error,
        claim_token=row.claim_token,
        unknown_since=as_utc_or_none(row.unknown_since),
    )
