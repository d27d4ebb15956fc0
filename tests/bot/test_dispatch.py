"""Delivery: exactly once, late but never lost, retried on transient errors, recorded on
permanent ones, and shared safely by several dispatchers on one database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain import NudgeState
from bot.ports import PermanentDeliveryError, TransientDeliveryError
from tests.harness import START, World, make_world, person, processes

ALICE = person("alice")
ADD = "add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe"


async def states(world: World) -> list[NudgeState]:
    async with world.runtime.database.unit_of_work() as uow:
        user = await uow.users.find(ALICE)
        assert user is not None
        return [n.state for n in await uow.nudges.for_user(user.id)]


async def test_nudge_is_delivered_once_at_its_due_time(world: World) -> None:
    await world.say(ALICE, ADD)
    # Thu 26 10:00 UTC: the nudge is due at 11:00 UTC (12:00 Berlin)
    await world.advance(timedelta(hours=25))
    assert world.notifier.to("alice") == []
    await world.advance(timedelta(hours=1))
    [nudge] = world.notifier.to("alice")
    assert nudge.title == "Time for your thank-you email — Acme Corp"
    assert "Send it to Jane Doe" in nudge.body and "Send by tomorrow 12:00" in nudge.body
    assert [a.label for a in nudge.actions] == [
        "Sent",
        "Snooze 1 day",
        "Checklist",
        "Draft",
        "Skip",
    ]
    await world.runtime.dispatcher.run_once()
    assert len(world.notifier.to("alice")) == 1


async def test_nudge_due_while_down_is_delivered_late_once_on_restart(sqlite_url: str) -> None:
    first = await make_world(sqlite_url)
    await first.say(ALICE, ADD)
    await first.runtime.close()  # the bot goes down before anything is due

    later = START + timedelta(days=1, hours=11)  # Thu 26 20:00 UTC, 21:00 in Berlin
    second = await make_world(sqlite_url, start=later, worker_id="after-restart")
    try:
        report = await second.runtime.dispatcher.run_once()
        assert report.delivered == 1 and report.late == 1
        [message] = second.notifier.to("alice")
        assert message.body.startswith("This was due today at 12:00 — still worth doing.")
        assert (await second.runtime.dispatcher.run_once()).delivered == 0
        assert NudgeState.SENT in await states(second)
    finally:
        await second.runtime.close()


async def test_transient_errors_are_retried_with_backoff_then_delivered(world: World) -> None:
    await world.say(ALICE, ADD)
    world.notifier.script.extend(
        [
            TransientDeliveryError("rate limited", retry_after=30),
            TransientDeliveryError("server error"),
        ]
    )
    await world.advance(timedelta(hours=26))
    assert world.notifier.attempts == 1
    report = await world.runtime.dispatcher.run_once()
    assert report.delivered == 0  # the retry waits for its backoff
    await world.advance(timedelta(minutes=5))
    assert world.notifier.attempts == 3
    assert len(world.notifier.to("alice")) == 1


async def test_retry_honours_retry_after(world: World) -> None:
    await world.say(ALICE, ADD)
    world.notifier.script.append(TransientDeliveryError("rate limited", retry_after=120))
    await world.advance(timedelta(hours=26))
    upcoming = await world.runtime.dispatcher.next_due_at()
    assert upcoming is not None and upcoming >= world.clock.now() + timedelta(seconds=119)


async def test_permanent_error_is_recorded_and_shown_to_the_user(world: World) -> None:
    await world.say(ALICE, ADD)
    world.notifier.script.append(PermanentDeliveryError("you have closed your direct messages"))
    await world.advance(timedelta(hours=26))
    assert NudgeState.FAILED in await states(world)
    reply = await world.say(ALICE, "list")
    assert "I couldn't deliver 1 nudge to you: you have closed your direct messages" in reply.footer
    assert "couldn't deliver" not in (await world.say(ALICE, "list")).footer  # told once
    today = await world.say(ALICE, "today")
    assert "Couldn't deliver" in today.body and "closed your direct messages" in today.body


async def test_gives_up_after_the_retry_budget(world: World) -> None:
    await world.say(ALICE, ADD)
    world.notifier.script.extend([TransientDeliveryError("server error")] * 10)
    await world.advance(timedelta(days=2))
    assert world.notifier.to("alice") == []
    assert NudgeState.FAILED in await states(world)
    today = await world.say(ALICE, "today")
    assert "gave up after 6 attempts: server error" in today.body


async def _race(url: str, apps: int) -> None:
    async with processes(url, 2) as worlds:
        for i in range(apps):
            await worlds[0].say(person(f"user{i}"), f"add Co{i}; Role; yesterday 10:00; P{i}")
        reports = await asyncio.gather(*(w.runtime.dispatcher.run_once() for w in worlds))
        delivered = [u.external_id for w in worlds for u, _ in w.notifier.delivered]
        assert sorted(delivered) == sorted(f"user{i}" for i in range(apps))  # each exactly once
        assert sum(r.delivered for r in reports) == apps


async def test_two_dispatchers_on_sqlite_deliver_each_nudge_exactly_once(sqlite_url: str) -> None:
    await _race(sqlite_url, apps=60)


async def test_two_dispatchers_on_postgres_deliver_each_nudge_exactly_once(
    postgres_url: str,
) -> None:
    await _race(postgres_url, apps=60)


async def test_the_scheduler_wakes_the_dispatcher(world: World) -> None:
    """The real APScheduler, woken on demand: no sleeping for time to pass."""
    delivered = asyncio.Event()

    async def note(report: object) -> None:
        if world.notifier.delivered:
            delivered.set()

    await world.say(ALICE, "add Acme; Engineer; yesterday 10:00; Jane")
    scheduler = world.runtime.scheduler
    scheduler.on_report = note
    scheduler.start()
    try:
        scheduler.wake()
        await asyncio.wait_for(delivered.wait(), timeout=10)
        assert scheduler.running and scheduler.last_sweep_ok is not None
    finally:
        await scheduler.stop()
    assert len(world.notifier.to("alice")) == 1


async def test_no_stale_nudge_is_ever_delivered(world: World) -> None:
    await world.say(ALICE, ADD)
    early = await world.say(ALICE, "sent 1")  # before the round: the bot asks first
    assert [a.label for a in early.actions] == ["Yes, I sent it"]
    await world.press(ALICE, early.actions[0].id)  # the thank-you went out before its nudge
    await world.advance(timedelta(days=6))
    assert world.notifier.to("alice") == []  # neither the thank-you nor its overdue reminder
    await world.advance(timedelta(days=2))
    assert [m.title for m in world.notifier.to("alice")] == [
        "Time for your value-add email — Acme Corp"
    ]
    await world.say(ALICE, "status 1 offer")
    await world.advance(timedelta(days=120))
    assert len(world.notifier.to("alice")) == 1  # nothing after the offer


async def test_a_process_claims_only_nudges_for_platforms_it_has(sqlite_url: str) -> None:
    """A Slack-only process next to the console one never takes (and delays) their nudges."""
    console = await make_world(sqlite_url, worker_id="console-process")
    other = await make_world(sqlite_url, worker_id="slack-only-process", platform="slack")
    slack_notifier = other.notifier
    try:
        await console.say(ALICE, "add Acme; Engineer; yesterday 10:00; Jane")
        assert await other.runtime.dispatcher.next_due_at() is None
        report = await other.runtime.dispatcher.run_once()
        assert (report.delivered, report.retried, report.failed) == (0, 0, 0)
        assert slack_notifier.attempts == 0
        async with console.runtime.database.unit_of_work() as uow:
            user = await uow.users.find(ALICE)
            assert user is not None
            assert all(
                n.attempts == 0 and n.state is NudgeState.PENDING
                for n in await uow.nudges.for_user(user.id)
            )
        assert (await console.runtime.dispatcher.run_once()).delivered == 1
    finally:
        await console.runtime.close()
        await other.runtime.close()
