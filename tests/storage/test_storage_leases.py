"""The leased queue in storage (`storage.leases`), the same for nudges and digests: claims never
overlap, a claim whose lease ran out comes back marked as possibly delivered, and across any
interleaving of several workers claiming, renewing, sending, recording, going silent and dying
while the clock moves, every item is recorded delivered exactly once — and, because a taken-over
claim is verified before it is sent, reaches the platform exactly once.

A worker sends only while it believes its lease holds (what the heartbeat guarantees a live
sender); the platform keeps what arrived, and a send whose claim says "unknown since" first
looks there, as the Slack notifier and poster do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Protocol

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import column, select
from sqlalchemy import table as sql_table

from bot.domain import NudgeKind, PlannedNudge, Step
from bot.groups import ChannelRef, DigestSchedule
from bot.ports import LeasedRepository, UnitOfWork
from storage.database import Database
from storage.leases import LeasedRows
from storage.models import NudgeRow
from tests.storage.helpers import NOW, identity, make_application, make_user

LEASE = timedelta(seconds=15)
ITEMS = 5
WORKERS = 3
WEEKLY = DigestSchedule(0, time(9, 0), "UTC")


class Queue(Protocol):
    async def reset(self, db: Database) -> None: ...
    def repository(self, uow: UnitOfWork) -> LeasedRepository[Any]: ...
    async def delivered(self, uow: UnitOfWork, item: Any, at: datetime) -> bool: ...


class Nudges:
    """Five due nudges of one application."""

    def __init__(self) -> None:
        self.app: Any = None

    async def reset(self, db: Database) -> None:
        if self.app is None:
            self.app = await make_application(db, await make_user(db, "alice"))
        async with db.sessions() as session:
            await session.execute(NudgeRow.__table__.delete())  # type: ignore[attr-defined]
            await session.commit()
        async with db.unit_of_work() as uow:
            planned = [
                PlannedNudge(f"k{i}", Step.THANK_YOU, NudgeKind.DUE, NOW, "r1", None, False)
                for i in range(ITEMS)
            ]
            await uow.nudges.sync(self.app, planned, NOW)
            await uow.commit()

    def repository(self, uow: UnitOfWork) -> LeasedRepository[Any]:
        return uow.nudges

    async def delivered(self, uow: UnitOfWork, item: Any, at: datetime) -> bool:
        return await uow.nudges.mark_delivered_many([(item.id, item.claim_token, False)], at) == {
            item.id
        }


class Digests:
    """Five channels whose weekly digest is due."""

    def __init__(self) -> None:
        self.channels: list[int] = []

    async def reset(self, db: Database) -> None:
        async with db.unit_of_work() as uow:
            if not self.channels:
                owner = await uow.users.get_or_create(identity("owner"), NOW)
                for i in range(ITEMS):
                    self.channels.append(
                        (
                            await uow.groups.enable(
                                ChannelRef("slack", "T1", f"C{i}"), owner.id, NOW
                            )
                        ).id
                    )
            for channel_id in self.channels:
                await uow.digests.set_schedule(channel_id, WEEKLY, NOW)
            await uow.commit()

    def repository(self, uow: UnitOfWork) -> LeasedRepository[Any]:
        return uow.digests

    async def delivered(self, uow: UnitOfWork, item: Any, at: datetime) -> bool:
        return await uow.digests.mark_posted(item.id, item.claim_token, at, at + timedelta(days=7))


@dataclass
class Held:
    item: Any
    valid_until: datetime  # as far as the worker knows
    sent: bool = False


@dataclass
class Run:
    """One interleaving being played: the workers' claims, the platform, the records."""

    db: Database
    queue: Queue
    now: datetime = NOW
    held: dict[int, dict[int, Held]] = field(
        default_factory=lambda: {w: {} for w in range(WORKERS + 1)}
    )
    arrived: Counter[int] = field(default_factory=Counter)
    recorded: Counter[int] = field(default_factory=Counter)

    async def claim(self, worker: int, limit: int) -> None:
        async with self.db.unit_of_work() as uow:
            claimed = await self.queue.repository(uow).claim_due(
                self.now, f"w{worker}", LEASE, limit
            )
            await uow.commit()
        for item in claimed:
            for other, holds in self.held.items():
                mine = holds.get(item.id)
                # Never handed out while another worker's lease on it holds.
                assert other == worker or mine is None or mine.valid_until < self.now
                if mine is not None and other != worker:
                    assert item.unknown_since is not None  # taken over: verify before sending
            self.held[worker][item.id] = Held(item, self.now + LEASE)

    async def renew(self, worker: int) -> None:
        tokens = {h.item.claim_token for h in self.held[worker].values()}
        if not tokens:
            return
        async with self.db.unit_of_work() as uow:
            kept = await self.queue.repository(uow).renew(tokens, self.now + LEASE)
            await uow.commit()
        for h in self.held[worker].values():
            if h.item.claim_token in kept and h.valid_until >= self.now:
                h.valid_until = self.now + LEASE

    def _pick(self, worker: int, index: int) -> Held | None:
        holds = sorted(self.held[worker].values(), key=lambda h: h.item.id)
        return holds[index % len(holds)] if holds else None

    def send(self, worker: int, index: int, reached: bool = True) -> None:
        held = self._pick(worker, index)
        if held is None or held.sent or held.valid_until <= self.now:
            return
        held.sent = True
        if held.item.unknown_since is not None and self.arrived[held.item.id]:
            return  # found in the platform's history: not sent again
        self.arrived[held.item.id] += reached

    async def record(self, worker: int, index: int) -> None:
        held = self._pick(worker, index)
        if held is None or not held.sent:
            return
        async with self.db.unit_of_work() as uow:
            self.recorded[held.item.id] += await self.queue.delivered(uow, held.item, self.now)
            await uow.commit()
        del self.held[worker][held.item.id]

    async def unanswered(self, worker: int, index: int, reached: bool) -> None:
        """The platform never answered: it may or may not have the message."""
        held = self._pick(worker, index)
        if held is None or held.sent or held.valid_until <= self.now:
            return
        self.send(worker, index, reached)
        async with self.db.unit_of_work() as uow:
            await self.queue.repository(uow).mark_unknown(
                held.item.id, held.item.claim_token, self.now + LEASE, "no answer"
            )
            await uow.commit()
        del self.held[worker][held.item.id]

    async def refused_for_now(self, worker: int, index: int) -> None:
        held = self._pick(worker, index)
        if held is None or held.sent:
            return
        async with self.db.unit_of_work() as uow:
            await self.queue.repository(uow).mark_retry(
                held.item.id, held.item.claim_token, self.now, "rate limited"
            )
            await uow.commit()
        del self.held[worker][held.item.id]

    def die(self, worker: int) -> None:
        self.held[worker] = {}

    async def drain(self) -> None:
        """Every worker dies; a fresh one takes whatever comes back and finishes it."""
        last = WORKERS
        for worker in range(WORKERS):
            self.die(worker)
        for _ in range(10):
            self.now += LEASE * 2
            await self.claim(last, 100)
            for index in range(len(self.held[last])):
                self.send(last, index)
            while self.held[last]:
                await self.record(last, 0)


STEP = st.tuples(
    st.sampled_from(["claim", "renew", "send", "record", "unanswered", "retry", "die", "tick"]),
    st.integers(0, WORKERS - 1),
    st.integers(0, 7),
)


@pytest.fixture(params=["nudges", "digests"])
def queue(request: pytest.FixtureRequest) -> Queue:
    return Nudges() if request.param == "nudges" else Digests()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEP, min_size=1, max_size=30))
async def test_every_item_is_recorded_delivered_exactly_once(
    database: Database, queue: Queue, steps: list[tuple[str, int, int]]
) -> None:
    await queue.reset(database)
    run = Run(database, queue)
    for op, worker, n in steps:
        if op == "claim":
            await run.claim(worker, 1 + n % 3)
        elif op == "renew":
            await run.renew(worker)
        elif op == "send":
            run.send(worker, n)
        elif op == "record":
            await run.record(worker, n)
        elif op == "unanswered":
            await run.unanswered(worker, n, reached=n % 2 == 0)
        elif op == "retry":
            await run.refused_for_now(worker, n)
        elif op == "die":
            run.die(worker)
        else:
            run.now += LEASE * (1 + n % 4) / 4
    await run.drain()
    ids = sorted(set(run.recorded) | set(run.arrived))
    assert len(ids) == ITEMS
    # recorded exactly once: none lost, none twice
    assert [run.recorded[i] for i in ids] == [1] * ITEMS
    assert [run.arrived[i] for i in ids] == [1] * ITEMS  # and arrived exactly once


async def test_a_claim_is_marked_the_same_way_in_both_tables(database: Database) -> None:
    """Claimed: state `claimed`, a token, who, until when and since when; released: waiting."""
    nudges, digests = Nudges(), Digests()
    await nudges.reset(database)
    await digests.reset(database)
    async with database.unit_of_work() as uow:
        [nudge] = await uow.nudges.claim_due(NOW, "w1", LEASE, 1)
        [digest] = await uow.digests.claim_due(NOW, "w1", LEASE, 1)
        await uow.commit()
    rows = {}
    async with database.sessions() as session:
        for table, key, value in (
            ("nudges", "id", nudge.id),
            ("channel_digests", "channel_id", digest.id),
        ):
            found = (
                await session.execute(
                    _select(
                        table,
                        key,
                        value,
                        [
                            "state",
                            "claim_token",
                            "claimed_by",
                            "lease_until",
                            "attempted_at",
                            "unknown_since",
                        ],
                    )
                )
            ).one()
            rows[table] = found
    for row in rows.values():
        assert (
            row.state == "claimed"
            and row.claim_token
            and row.claimed_by == "w1"
            and row.unknown_since is None
        )
    assert rows["nudges"].lease_until == rows["channel_digests"].lease_until


async def test_a_claim_taken_over_counts_the_stopped_senders_attempt(
    database: Database, queue: Queue
) -> None:
    """Each takeover of a lapsed claim counts the attempt its sender never recorded, on top
    of those recorded; a fresh claim counts nothing yet."""
    await queue.reset(database)
    at = NOW
    seen = []
    for worker in ("w1", "w2", "w3"):
        async with database.unit_of_work() as uow:
            items = await queue.repository(uow).claim_due(at, worker, LEASE, ITEMS)
            item = min(items, key=lambda i: i.id)
            if worker == "w2":  # w2 hears back about one: refused for now, retried at once
                assert await queue.repository(uow).mark_retry(
                    item.id, item.claim_token, at, "busy"
                )
                [item] = await queue.repository(uow).claim_due(at, worker, LEASE, ITEMS)
            await uow.commit()
        assert len(items) == ITEMS
        seen.append((item.attempts, item.unknown_since is not None))
        at += LEASE + timedelta(seconds=1)  # and stops: the lease runs out
    assert seen == [(0, False), (2, True), (3, True)]


def _select(table: str, key: str, value: int, columns: list[str]) -> Any:
    t = sql_table(table, *(column(c) for c in [key, *columns]))
    return select(*(t.c[c] for c in columns)).where(t.c[key] == value)


def test_a_leased_repository_must_say_which_rows_are_its_own_and_what_a_claim_becomes() -> None:
    """`LeasedRows` is abstract: a repository that leaves out `_mine` or `_claimed` cannot be
    built, instead of failing at its first claim."""

    class WithoutClaimed(LeasedRows[Any]):
        def _mine(self, platforms: Collection[str] | None, people: Collection[str] | None) -> Any:
            return None

    class WithoutMine(LeasedRows[Any]):
        async def _claimed(self, rows: Sequence[Any]) -> list[Any]:
            return []

    for incomplete in (WithoutClaimed, WithoutMine):
        with pytest.raises(TypeError, match="abstract"):
            incomplete()


async def test_a_record_of_deliveries_binds_its_values_to_a_statement_built_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    nudges = Nudges()
    await nudges.reset(database)
    async with database.unit_of_work() as uow:
        first = await uow.nudges.claim_due(NOW, "w1", LEASE, 2)
        second = await uow.nudges.claim_due(NOW, "w1", LEASE, 2)
        recorded = [(n.id, n.claim_token or "", False) for n in first]
        assert await uow.nudges.mark_delivered_many(recorded, NOW) == {n.id for n in first}
        await uow.commit()

    def built(*_: object, **__: object) -> None:
        raise AssertionError("a statement was built for a record")

    monkeypatch.setattr("storage.leases.update", built)
    later = NOW + timedelta(minutes=3)
    async with database.unit_of_work() as uow:
        kept = await uow.nudges.mark_delivered_many(
            [(n.id, n.claim_token or "", n is second[0]) for n in second], later
        )
        await uow.commit()
        stored = {n.id: n for n in await uow.nudges.for_application(nudges.app.id)}
    assert kept == {n.id for n in second}
    assert [(stored[n.id].delivered_at, stored[n.id].late) for n in first + second] == [
        (NOW, False),
        (NOW, False),
        (later, True),
        (later, False),
    ]
