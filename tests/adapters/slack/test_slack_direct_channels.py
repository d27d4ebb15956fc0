"""DM channel ids kept per person in the database: `conversations.open` once per person across
restarts, the ids of a whole batch written in a few transactions, and a kept id Slack refuses
opened again once, the nudge posted there once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import event, select, update

from adapters.bootstrap import Runtime
from adapters.config import Config
from adapters.slack.directory import DirectChannels
from adapters.slack.notifier import SlackNotifier
from adapters.slack.workspaces import Workspaces
from bench.seed import more_nudges, seed
from bot.clock import SimulatedClock
from bot.dispatcher import Dispatcher
from bot.domain import NudgeState
from storage.database import Database
from storage.direct_channels import DirectChannelStore
from storage.migrate import upgrade_database
from storage.models import UserRow
from tests.adapters.slack.conftest import slack_adapter, slack_runtime
from tests.adapters.slack.driver import SlackDriver, application_id
from tests.conftest import RuntimeFactory
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN, FakeSlack

ADD = "add Acme Corp; Data Engineer; today 10:00; Jane Doe, Engineering Manager"
UNTIL_DUE = timedelta(hours=3, minutes=1)


async def stored(database: Database, user: str = "U1") -> str | None:
    async with database.sessions() as session:
        stmt = select(UserRow.direct_channel).where(UserRow.external_id == user)
        return (await session.execute(stmt)).scalar_one_or_none()


def posts_to(fake: FakeSlack) -> list[tuple[str, str | None]]:
    return [(c.params["channel"], c.error) for c in fake.calls_to("chat.postMessage")]


async def test_the_dm_is_opened_once_per_person_across_restarts(
    slack: SlackDriver,
    runtime: Runtime,
    clock: SimulatedClock,
    fake_slack: FakeSlack,
    config: Config,
    runtime_factory: RuntimeFactory,
) -> None:
    await slack.command(ADD, channel="CJOBS")  # said in a channel: no DM opened yet
    clock.advance(UNTIL_DUE)
    assert (await runtime.dispatcher.run_once()).delivered == 1
    assert len(fake_slack.calls_to("conversations.open")) == 1
    await slack_adapter(runtime).stop()  # the id is written by the time the adapter has stopped
    assert await stored(runtime.database) == "DU1"

    again = await slack_runtime(
        config, clock, "after-restart", migrate=False, build=runtime_factory
    )
    await slack_adapter(again).start()
    try:
        clock.advance(timedelta(days=30))  # the follow-ups fall due
        assert (await again.dispatcher.run_once()).delivered >= 1
    finally:
        await slack_adapter(again).stop()
    assert len(fake_slack.calls_to("conversations.open")) == 1  # the kept id, not a new open
    assert {channel for channel, _ in posts_to(fake_slack)} == {"DU1"}


async def test_a_kept_id_slack_refuses_is_opened_again_and_the_nudge_posted_once(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD, channel="CJOBS")
    runtime.direct_channels.remember("slack", DEFAULT_TEAM, "U1", "DOLD")  # kept from long ago
    await runtime.direct_channels.flush()
    fake_slack.gone.add("DOLD")
    clock.advance(UNTIL_DUE)
    assert (await runtime.dispatcher.run_once()).delivered == 1
    assert posts_to(fake_slack) == [("DOLD", None), ("DU1", None)]
    assert (
        fake_slack.calls_to("chat.postMessage")[0].status == 200 and "DOLD" not in fake_slack.posted
    )
    assert len(fake_slack.posted["DU1"]) == 1
    assert [c.params["users"] for c in fake_slack.calls_to("conversations.open")] == ["U1"]
    await runtime.direct_channels.flush()
    assert await stored(runtime.database) == "DU1"  # the fresh id replaces the refused one


async def test_a_reopened_dm_refused_again_fails_with_slacks_reason(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD, channel="CJOBS")
    runtime.direct_channels.remember("slack", DEFAULT_TEAM, "U1", "DOLD")
    await runtime.direct_channels.flush()
    fake_slack.gone.update({"DOLD", "DU1"})
    clock.advance(UNTIL_DUE)
    assert (await runtime.dispatcher.run_once()).failed == 1
    # once more, not again and again
    assert [channel for channel, _ in posts_to(fake_slack)] == ["DOLD", "DU1"]
    async with runtime.database.unit_of_work() as uow:
        nudges = await uow.nudges.for_application(await application_id(runtime))
    assert [n.last_error for n in nudges if n.state is NudgeState.FAILED] == ["channel_not_found"]


async def test_an_id_slack_has_just_given_is_not_opened_twice(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD, channel="CJOBS")
    fake_slack.gone.add("DU1")
    clock.advance(UNTIL_DUE)
    assert (await runtime.dispatcher.run_once()).failed == 1
    assert len(fake_slack.calls_to("conversations.open")) == 1
    assert posts_to(fake_slack) == [("DU1", None)]


@contextmanager
def id_writes(database: Database) -> Iterator[list[int]]:
    """How many rows each statement writing DM ids carried, one entry per statement."""
    seen: list[int] = []

    def count(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().upper().startswith("UPDATE USERS SET DIRECT_CHANNEL"):
            seen.append(len(parameters) if executemany else 1)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)


NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def test_a_batch_of_first_contacts_writes_its_ids_together_and_a_restart_opens_none(
    sqlite_url: str, fake_slack: FakeSlack
) -> None:
    await upgrade_database(sqlite_url)
    database = Database.from_url(sqlite_url)
    people = 60
    seeded = await seed(
        database,
        users=people,
        apps_per_user=2,
        now=NOW,
        due_in=timedelta(minutes=-1),
        platform="slack",
        workspace=DEFAULT_TEAM,
        external_id=lambda u: f"U{u}",
    )

    async def deliver(store: DirectChannelStore) -> int:
        async with aiohttp.ClientSession() as session:
            notifier = SlackNotifier(
                Workspaces(fake_slack.api_url, session, token=DEFAULT_TOKEN), DirectChannels(store)
            )
            dispatcher = Dispatcher(
                database.unit_of_work, SimulatedClock(NOW), {"slack": notifier}, worker_id="t"
            )
            delivered = 0
            while (report := await dispatcher.run_once()).delivered:
                delivered += report.delivered
            await store.flush()
            return delivered

    try:
        with id_writes(database) as writes:
            assert await deliver(DirectChannelStore(database)) == 2 * people
        assert len(fake_slack.calls_to("conversations.open")) == people
        # not one transaction per person
        assert sum(writes) == people and len(writes) <= people // 4, writes
        async with database.sessions() as session:
            kept = dict(
                (await session.execute(select(UserRow.external_id, UserRow.direct_channel))).all()
            )
        assert kept == {f"U{u}": f"DU{u}" for u in range(1, people + 1)}

        # another each, sent by a new process
        await more_nudges(database, seeded, 2, "slack", NOW)
        assert await deliver(DirectChannelStore(database)) == 2 * people
        assert len(fake_slack.calls_to("conversations.open")) == people
    finally:
        await database.dispose()


async def test_a_dm_found_before_the_person_had_a_row_is_kept_with_their_first_nudge(
    slack: SlackDriver,
    runtime: Runtime,
    clock: SimulatedClock,
    fake_slack: FakeSlack,
    config: Config,
    runtime_factory: RuntimeFactory,
) -> None:
    await slack.command(ADD)  # said in the DM: its id found as the command came in
    await runtime.direct_channels.flush()
    # as when it was written before the row existed
    async with runtime.database.sessions() as session, session.begin():
        await session.execute(update(UserRow).values(direct_channel=None))
    clock.advance(UNTIL_DUE)
    assert (await runtime.dispatcher.run_once()).delivered == 1  # from memory, and now kept
    await slack_adapter(runtime).stop()
    assert await stored(runtime.database) == "DU1"

    again = await slack_runtime(
        config, clock, "after-restart", migrate=False, build=runtime_factory
    )
    await slack_adapter(again).start()
    try:
        clock.advance(timedelta(days=30))
        assert (await again.dispatcher.run_once()).delivered >= 1
    finally:
        await slack_adapter(again).stop()
    assert len(fake_slack.calls_to("conversations.open")) == 1
