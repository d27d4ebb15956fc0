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

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Row,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Application, Nudge, NudgeKind, NudgeState, PlannedNudge, Step
from storage.columns import as_utc, as_utc_or_none
from storage.leases import LeasedRows, LeasedTable
from storage.models import NudgeRow, UserRow
from storage.sql import insert_or_ignore

NUDGES = cast(Table, NudgeRow.__table__)
USERS = cast(Table, UserRow.__table__)

_PENDING = NudgeState.PENDING.value
_SENT = NudgeState.SENT.value
_FAILED = NudgeState.FAILED.value

LEASES = LeasedTable(NUDGES, "id")


class SqlNudgeRepository(LeasedRows[Nudge]):
    leases = LEASES

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
            platform = (
                select(USERS.c.platform).where(USERS.c.id == bindparam("owner")).scalar_subquery()
            )
            await self._session.execute(
                insert_or_ignore(self._session, t, ["application_id", "key"]).values(
                    platform=platform
                ),
                new,
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

    def _mine(self, platforms: Collection[str] | None, people: Collection[str] | None) -> Any:
        return _of_platforms(platforms, people)

    async def _claimed(self, rows: Sequence[Row[Any]]) -> list[Nudge]:
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
