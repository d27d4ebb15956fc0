"""Claims: a dispatcher claims only what it is about to send (its platform's `max_in_flight`
at a time), renews those claims while it sends (heartbeat), and a claim whose sender stopped
renewing comes back one lease later, marked as possibly delivered, so the next sender
verifies before it sends. A send with no answer is recorded as unknown, not retried blindly.

Two dispatchers share one SQLite file; time is simulated."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.domain import NudgeState, User
from bot.messages import Message
from bot.ports import Delivery, TransientDeliveryError, UnknownDeliveryOutcome
from storage.models import NudgeRow
from tests.harness import HeldPlatform, World, person


async def _add(world: World, count: int) -> None:
    for i in range(count):
        await world.say(person(f"user{i}"), f"add Co{i}; Role; yesterday 10:00; P{i}")


async def _claimed(world: World) -> dict[str, int]:
    async with world.runtime.database.sessions() as session:
        rows = (
            await session.execute(
                select(NudgeRow.claimed_by, func.count())
                .where(NudgeRow.state == "claimed")
                .group_by(NudgeRow.claimed_by)
            )
        ).all()
    return {str(worker): count for worker, count in rows}


async def test_only_what_can_be_sent_at_once_is_claimed(world: World) -> None:
    await _add(world, 10)
    platform = HeldPlatform(max_in_flight=3)
    world.plug.notifier = platform
    run = asyncio.create_task(world.runtime.dispatcher.run_once())
    await platform.until_started(3)
    assert await _claimed(world) == {"test-worker": 3}  # not all ten
    platform.release.set()
    report = await asyncio.wait_for(run, 5)
    assert report.delivered == 10 and platform.most_in_flight == 3
    assert sorted(platform.delivered) == sorted(f"user{i}" for i in range(10))


async def test_a_live_sender_keeps_its_claim_and_a_dead_ones_comes_back_after_a_lease(
    world: World, second: World
) -> None:
    await _add(world, 1)
    lease = world.runtime.dispatcher.lease
    slow = HeldPlatform(max_in_flight=1)
    world.plug.notifier = slow
    run = asyncio.create_task(world.runtime.dispatcher.run_once())
    await slow.until_started(1)

    for clock in (world.clock, second.clock):
        clock.advance(lease * 0.6)
    assert await world.runtime.dispatcher.heartbeat() == 1  # still sending: renewed
    for clock in (world.clock, second.clock):
        clock.advance(lease * 0.6)  # past the first lease, within the renewed one
    assert (await second.runtime.dispatcher.run_once()).claimed == 0

    # The first sender stops renewing (as if it died); one lease later the claim is free.
    for clock in (world.clock, second.clock):
        clock.advance(lease)
    survivor = HeldPlatform(max_in_flight=1)
    survivor.release.set()
    second.plug.notifier = survivor
    taken = await second.runtime.dispatcher.run_once()
    assert taken.delivered == 1
    [(who, delivery)] = survivor.started
    # verify first
    assert who == "user0" and delivery is not None and delivery.unknown_since is not None

    slow.fail_with = TransientDeliveryError("the platform went away")
    slow.release.set()
    late = await asyncio.wait_for(run, 5)
    assert late.lost == 1 and late.retried == 0  # its claim was taken over: it records nothing


async def test_an_unanswered_send_is_unknown_and_verified_one_lease_later(world: World) -> None:
    await _add(world, 1)
    platform = HeldPlatform(max_in_flight=1)
    platform.fail_with = UnknownDeliveryOutcome("no answer")
    platform.release.set()
    world.plug.notifier = platform
    first = await world.runtime.dispatcher.run_once()
    assert first.unknown == 1 and first.retried == 0
    assert (await world.runtime.dispatcher.run_once()).claimed == 0  # not at once
    world.clock.advance(world.runtime.dispatcher.lease)
    platform.fail_with = None
    assert (await world.runtime.dispatcher.run_once()).delivered == 1
    first_try, second_try = platform.started
    assert first_try[1] is not None and first_try[1].unknown_since is None
    assert second_try[1] is not None and second_try[1].unknown_since is not None
    assert first_try[1].key == second_try[1].key  # the same key, so the platform can tell


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(st.sampled_from(["first", "second", "beat", "tick"]), min_size=1, max_size=12),
    flights=st.tuples(st.integers(1, 4), st.integers(1, 4)),
)
async def test_claims_never_overlap_and_every_nudge_is_sent_once(
    world: World, second: World, steps: list[str], flights: tuple[int, int]
) -> None:
    """Any interleaving of two dispatchers' runs, heartbeats and the clock moving less than a
    lease: every nudge is sent exactly once, and claims taken over are always marked."""
    async with world.runtime.database.sessions() as session:
        await session.execute(NudgeRow.__table__.delete())  # type: ignore[attr-defined]
        await session.commit()
    await _add(world, 6)
    platforms = (Instant(flights[0]), Instant(flights[1]))
    world.plug.notifier = platforms[0]
    second.plug.notifier = platforms[1]
    lease = world.runtime.dispatcher.lease
    for step in [*steps, "first", "second"]:
        if step == "first":
            await world.runtime.dispatcher.run_once()
        elif step == "second":
            await second.runtime.dispatcher.run_once()
        elif step == "beat":
            await world.runtime.dispatcher.heartbeat()
        else:
            for clock in (world.clock, second.clock):
                clock.advance(lease / 4)
    sent = platforms[0].sent + platforms[1].sent
    async with world.runtime.database.sessions() as session:
        due = (
            await session.execute(
                select(func.count()).where(NudgeRow.state == NudgeState.SENT.value)
            )
        ).scalar_one()
    assert len(sent) == len(set(sent)) == due


class Instant:
    def __init__(self, max_in_flight: int) -> None:
        self.max_in_flight = max_in_flight
        self.sent: list[tuple[str, str]] = []

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        assert delivery is not None
        self.sent.append((user.external_id, delivery.key))

