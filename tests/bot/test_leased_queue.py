"""The leased queue (`bot.leased_queue`) behaves the same for nudges and for weekly digests:
every test runs once with nudges (direct messages) and once with digests (channel posts).

Only what can be sent at once is claimed; the claims are renewed while the sends are slow
(heartbeat) and come back one lease after their sender stops; a send with no answer is
recorded as unknown and verified one lease later with the same key; a transient refusal waits
at least the platform's Retry-After; and the queue gives up after the policy's attempts, on
unanswered sends too — yet nothing ever arrives twice.

Two bots share one SQLite file; time is simulated."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.domain import Place
from bot.leased_queue import LATE_AFTER, LeasedQueue, RetryPolicy
from bot.ports import Delivery, TransientDeliveryError, UnknownDeliveryOutcome
from storage.models import ChannelDigestRow, NudgeRow
from tests.harness import HeldPlatform, World, make_world, person

ALICE = person("alice")


@dataclass
class Side:
    """Nudges or digests, as the tests need them."""

    kind: str

    def queue(self, world: World) -> LeasedQueue[Any]:
        return world.runtime.dispatcher if self.kind == "nudge" else world.runtime.digests

    def connect(self, world: World, platform: HeldPlatform) -> None:
        if self.kind == "nudge":
            world.plug.notifier = platform
        else:
            world.plug.poster = platform

    async def fall_due(self, world: World, count: int) -> None:
        """`count` items due now: a thank-you each, or a channel's digest each."""
        for i in range(count):
            if self.kind == "nudge":
                await world.say(person(f"user{i}"), f"add Co{i}; Role; yesterday 10:00; P{i}")
            else:
                where = Place(f"#group{i}", is_direct=False, has_admins=False)
                await world.say(ALICE, "channel on", where)
                # the clock starts Wed 09:00 UTC
                await world.say(ALICE, "digest wednesday 09:30 UTC", where)
        if self.kind == "digest":
            world.clock.advance(timedelta(minutes=31))

    async def claimed(self, world: World) -> int:
        row = NudgeRow if self.kind == "nudge" else ChannelDigestRow
        async with world.runtime.database.sessions() as session:
            return int(
                (
                    await session.execute(select(func.count()).where(row.state == "claimed"))
                ).scalar_one()
            )


@pytest.fixture(params=["nudge", "digest"])
def side(request: pytest.FixtureRequest) -> Side:
    return Side(request.param)


def _advance(span: timedelta, *worlds: World) -> None:
    for world in worlds:
        world.clock.advance(span)


async def test_only_what_can_be_sent_is_claimed_and_kept_while_it_is_sent(
    side: Side, world: World, second: World
) -> None:
    await side.fall_due(world, 4)
    second.clock.set(world.clock.now())
    slow = HeldPlatform(max_in_flight=2)
    side.connect(world, slow)
    queue = side.queue(world)
    run = asyncio.create_task(queue.run_once())
    await slow.until_started(2)
    assert await side.claimed(world) == 2  # not all four

    for _ in range(3):  # well past the first lease, renewed every 0.6 of one
        _advance(queue.lease * 0.6, world, second)
        assert await queue.heartbeat() == 1
    other = HeldPlatform()
    other.release.set()
    side.connect(second, other)
    # only the two never claimed
    assert (await asyncio.wait_for(side.queue(second).run_once(), 5)).delivered == 2

    slow.release.set()
    report = await asyncio.wait_for(run, 5)
    assert (report.delivered, report.lost) == (2, 0)


async def test_a_dead_senders_claim_comes_back_one_lease_later_to_be_verified(
    side: Side, world: World, second: World
) -> None:
    await side.fall_due(world, 1)
    second.clock.set(world.clock.now())
    dying = HeldPlatform()
    side.connect(world, dying)
    run = asyncio.create_task(side.queue(world).run_once())
    await dying.until_started(1)
    lease = side.queue(world).lease
    _advance(lease * 0.9, world, second)
    survivor = HeldPlatform()
    survivor.release.set()
    side.connect(second, survivor)
    # the lease still holds
    assert (await asyncio.wait_for(side.queue(second).run_once(), 5)).claimed == 0
    _advance(lease * 0.2, world, second)  # no heartbeat came: the lease ran out
    assert (await asyncio.wait_for(side.queue(second).run_once(), 5)).delivered == 1
    [(_, first)], [(_, taken)] = dying.started, survivor.started
    assert (
        first is not None
        and taken is not None
        and taken.key == first.key
        and taken.kind == side.kind
    )
    # so the platform is checked first
    assert first.unknown_since is None and taken.unknown_since is not None
    run.cancel()
    dying.fail_with = TransientDeliveryError("gone")
    dying.release.set()
    with pytest.raises(asyncio.CancelledError):
        await run


async def _one_due_failing_with(
    side: Side, world: World, error: Exception
) -> tuple[HeldPlatform, LeasedQueue[Any]]:
    """One item due, and a platform that answers every send at once with `error`."""
    await side.fall_due(world, 1)
    platform = HeldPlatform()
    platform.fail_with = error
    platform.release.set()
    side.connect(world, platform)
    return platform, side.queue(world)


async def test_an_unanswered_send_is_unknown_and_verified_one_lease_later(
    side: Side, world: World
) -> None:
    platform, queue = await _one_due_failing_with(side, world, UnknownDeliveryOutcome("no answer"))
    first = await queue.run_once()
    assert (first.unknown, first.retried, first.delivered) == (1, 0, 0)
    assert (await queue.run_once()).claimed == 0  # not at once
    world.clock.advance(queue.lease)
    platform.fail_with = None
    assert (await queue.run_once()).delivered == 1
    (_, first_try), (_, second_try) = platform.started
    assert first_try is not None and second_try is not None and first_try.key == second_try.key
    assert first_try.unknown_since is None and second_try.unknown_since is not None


async def test_retry_after_is_a_floor_and_the_queue_gives_up_after_its_attempts(
    side: Side, world: World
) -> None:
    platform, queue = await _one_due_failing_with(
        side, world, TransientDeliveryError("rate limited", retry_after=3600)
    )
    started = world.clock.now()
    assert (await queue.run_once()).retried == 1
    upcoming = await queue.next_due_at()
    assert upcoming is not None and upcoming >= started + timedelta(seconds=3600)

    platform.fail_with = TransientDeliveryError("server error")
    attempts = 1
    while True:
        upcoming = await queue.next_due_at()
        assert upcoming is not None
        world.clock.set(max(upcoming, world.clock.now()))
        report = await queue.run_once()
        attempts += 1
        if report.failed:
            break
        assert report.retried == 1 and attempts < RetryPolicy().max_attempts
    assert attempts == RetryPolicy().max_attempts
    assert platform.delivered == []


@pytest.mark.parametrize(
    ("after", "late"),
    [(LATE_AFTER - timedelta(seconds=1), 0), (LATE_AFTER + timedelta(seconds=1), 1)],
)
async def test_late_means_the_same_for_nudges_and_digests(
    side: Side, world: World, after: timedelta, late: int
) -> None:
    await side.fall_due(world, 1)
    queue = side.queue(world)
    due = await queue.next_due_at()
    assert due is not None
    world.clock.set(due + after)
    report = await queue.run_once()
    assert (report.delivered, report.late) == (1, late)



class Staggered:
    """Sends that finish one by one, each a few turns of the event loop after the one before —
    turns counted only while the queue has no transaction open, so however long the database
    takes, every send ends while the queue is waiting for sends."""

    def __init__(self, max_in_flight: int) -> None:
        self.max_in_flight = max_in_flight
        self.transactions = 0  # open right now
        self._turn = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def unit_of_work(self, world: World) -> AsyncIterator[Any]:
        self.transactions += 1
        try:
            async with world.runtime.database.unit_of_work() as uow:
                yield uow
        finally:
            self.transactions -= 1

    async def send_direct(self, user: object, message: object, delivery: object = None) -> None:
        await self._send()

    async def post(self, channel: object, message: object, delivery: object = None) -> None:
        await self._send()

    async def _send(self) -> None:
        async with self._turn:  # one finishes at a time
            turns = 0
            while turns < 3:
                await asyncio.sleep(0)
                turns += self.transactions == 0


async def test_sends_that_finish_one_by_one_are_recorded_in_batches(
    side: Side, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await side.fall_due(world, 16)
    platform = Staggered(max_in_flight=8)
    kind = type(side.queue(world))
    queue = kind(
        lambda: platform.unit_of_work(world),
        world.clock,
        {"console": platform},
        worker_id="batches",
    )
    recorded: list[int] = []
    mark_delivered = queue.deliveries.mark_delivered

    async def counted(uow: Any, delivered: Any, at: Any) -> set[int]:
        recorded.append(len(delivered))
        return await mark_delivered(uow, delivered, at)

    monkeypatch.setattr(queue.deliveries, "mark_delivered", counted)
    report = await queue.run_once()
    assert (report.delivered, report.lost) == (16, 0) and sum(recorded) == 16
    assert len(recorded) <= 16 // 2  # not a transaction per send


async def test_a_batch_of_nudges_is_claimed_and_loaded_in_one_transaction(
    side: Side, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await side.fall_due(world, 4)
    platform = HeldPlatform(max_in_flight=2)
    platform.release.set()
    kind = type(side.queue(world))
    opened: list[int] = []

    def unit_of_work() -> Any:
        opened.append(1)
        return world.runtime.database.unit_of_work()

    queue = kind(unit_of_work, world.clock, {"console": platform}, worker_id="one")
    recorded: list[int] = []
    mark_delivered = queue.deliveries.mark_delivered

    async def counted(uow: Any, delivered: Any, at: Any) -> set[int]:
        recorded.append(len(delivered))
        return await mark_delivered(uow, delivered, at)

    with monkeypatch.context() as patched:
        patched.setattr(queue.deliveries, "mark_delivered", counted)
        report = await queue.run_once()
    assert (report.delivered, report.lost) == (4, 0) and sum(recorded) == 4
    if side.kind == "nudge":
        # Each transaction records what finished and claims (and loads) the next batch: the
        # claims find 2, 2 and none left.
        assert len(opened) == len(recorded) + 1

    # a week later more is due; a load that fails leaves a nudge unclaimed (the claim is
    # rolled back with it), a digest claimed until its lease runs out
    world.clock.advance(timedelta(days=7))

    async def broken(*_: object) -> dict[int, Any]:
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(queue.deliveries, "load", broken)
        with pytest.raises(RuntimeError):
            await queue.run_once()
    assert await side.claimed(world) == (0 if side.kind == "nudge" else 2)
    world.clock.advance(queue.lease * 2)
    assert (await queue.run_once()).delivered >= (1 if side.kind == "nudge" else 4)


async def test_an_unanswered_send_is_verified_with_backoff_and_given_up_like_any_failure(
    side: Side, world: World
) -> None:
    """A send that never gets an answer is not verified every lease forever: the waits grow
    (never shorter than a lease) and after the policy's attempts the item is failed, saying
    why — shown in `today` for a nudge, kept on the channel's digest for a digest."""
    platform, queue = await _one_due_failing_with(
        side, world, UnknownDeliveryOutcome("no answer from the platform: TimeoutError")
    )
    waits, failed = [], 0
    for _ in range(RetryPolicy().max_attempts * 3):  # a bound: before, it never gave up
        report = await queue.run_once()
        failed += report.failed
        if failed:
            break
        assert report.unknown == 1
        upcoming = await queue.next_due_at()
        assert upcoming is not None
        waits.append(upcoming - world.clock.now())
        world.clock.set(upcoming)
    assert failed == 1
    assert len(platform.started) == RetryPolicy().max_attempts and platform.delivered == []
    assert all(wait >= queue.lease for wait in waits) and waits[-1] > waits[0]
    assert all(
        delivery is not None and delivery.unknown_since is not None
        for _, delivery in platform.started[1:]
    )
    await _given_up_saying(
        "gave up after 6 attempts: no answer from the platform: TimeoutError; it may have "
        "arrived all the same",
        side,
        world,
    )


async def _given_up_saying(reason: str, side: Side, world: World) -> None:
    """The reason is shown in `today` for a nudge, kept on the channel's digest for a digest."""
    if side.kind == "nudge":
        today = await world.say(person("user0"), "today")
        assert "Couldn't deliver" in today.body and reason in today.body
    else:
        async with world.runtime.database.sessions() as session:
            assert (
                await session.execute(select(ChannelDigestRow.last_error))
            ).scalar_one() == reason


class ScriptedPlatform:
    """Each send ends as the script says — answered, unanswered but arrived, unanswered and
    lost, or refused for now; once the script is played, as `then` says — and a
    send marked `unknown_since` first looks for its key among what arrived, as the
    Slack and Discord senders do."""

    max_in_flight = 32

    def __init__(self, script: list[str], then: str) -> None:
        self.script = list(script)
        self.then = then
        self.arrived: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()

    async def send_direct(self, user: Any, message: Any, delivery: Delivery | None = None) -> None:
        await self._send(delivery)

    async def post(self, channel: Any, message: Any, delivery: Delivery | None = None) -> None:
        await self._send(delivery)

    async def _send(self, delivery: Delivery | None) -> None:
        assert delivery is not None
        self.attempts[delivery.key] += 1
        if delivery.unknown_since is not None and self.arrived[delivery.key]:
            return  # found: recognised, not sent again
        outcome = self.script.pop(0) if self.script else self.then
        if outcome in ("answered", "silent-arrived"):
            self.arrived[delivery.key] += 1
        if outcome in ("silent-arrived", "silent-lost"):
            raise UnknownDeliveryOutcome("no answer")
        if outcome == "busy":
            raise TransientDeliveryError("rate limited")


OUTCOME = st.sampled_from(["answered", "silent-arrived", "silent-lost", "busy"])


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=st.lists(OUTCOME, max_size=30), then=OUTCOME)
async def test_with_give_up_every_item_ends_once_and_never_arrives_twice(
    side: Side, tmp_path: Path, script: list[str], then: str
) -> None:
    """Any sequence of answers, silences and refusals: the queue stops trying within the
    policy's attempts, every item ends delivered or failed exactly once, one recorded
    delivered arrived exactly once, and nothing ever arrives twice."""
    folder = tempfile.mkdtemp(dir=tmp_path)
    world = await make_world(f"sqlite+aiosqlite:///{folder}/followup.db")
    try:
        await side.fall_due(world, 3)
        platform = ScriptedPlatform(script, then)
        side.connect(world, platform)
        queue = side.queue(world)
        # every attempt's backoff fits; what a delivery plans next does not
        horizon = world.clock.now() + timedelta(minutes=30)
        delivered: list[int] = []
        failed = 0
        for _ in range(100):
            report = await queue.run_once()
            delivered += report.delivered_ids
            failed += report.failed
            upcoming = await queue.next_due_at()
            if upcoming is None or upcoming > horizon:
                break
            world.clock.set(max(upcoming, world.clock.now()))
        assert len(delivered) == len(set(delivered))  # recorded delivered at most once
        assert len(delivered) + failed == 3  # and every item ended
        assert all(n == 1 for n in platform.arrived.values())  # never twice
        assert len(delivered) <= len(platform.arrived)  # recorded delivered ⇒ it arrived
        assert all(n <= RetryPolicy().max_attempts for n in platform.attempts.values())
    finally:
        await world.runtime.close()


async def test_an_item_whose_sender_stops_every_time_is_given_up_after_its_attempts(
    side: Side, world: World
) -> None:
    """A claim taken over from a sender that stopped (died, or stalled past its lease) counts
    as an attempt: an item that stops every sender holding it — say, one that crashes the
    process — is given up after the policy's attempts like any failure, not taken over
    forever, and the reason says it may have arrived all the same."""
    await side.fall_due(world, 1)
    stuck = HeldPlatform()  # every send hangs: its sender never gets to record anything
    side.connect(world, stuck)
    queue = side.queue(world)
    runs = []
    attempts = RetryPolicy().max_attempts
    for attempt in range(1, attempts + 1):
        runs.append(asyncio.create_task(queue.run_once()))
        await stuck.until_started(attempt)
        world.clock.advance(queue.lease * 1.1)  # no heartbeat: the lease runs out
    last = asyncio.create_task(queue.run_once())
    await asyncio.wait([last], timeout=5)
    sent_again = len(stuck.started) > attempts
    stuck.fail_with = TransientDeliveryError("too late")
    stuck.release.set()  # (a last run that sent again ends now, failing the test)
    report = await asyncio.wait_for(last, 5)
    assert not sent_again and (report.claimed, report.failed) == (1, 1)
    for run in runs:  # the stopped senders' records come too late to change anything
        assert (await asyncio.wait_for(run, 5)).lost == 1
    await _given_up_saying(
        f"gave up after {attempts} attempts: the bot stopped while sending it; it may have "
        "arrived all the same",
        side,
        world,
    )
