"""The schedule: `sync` semantics, leased claims (also across processes), retries, failures."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.domain import Application, Nudge, NudgeKind, NudgeState, PlannedNudge, Step
from storage.database import Database
from storage.migrate import current_revision, upgrade_database
from tests.storage.helpers import NOW, identity, make_application, make_user

LEASE = timedelta(minutes=5)


def planned(
    key: str,
    due: datetime,
    step: Step = Step.THANK_YOU,
    send_by: datetime | None = None,
    no_agreed_date: bool = False,
) -> PlannedNudge:
    return PlannedNudge(key, step, NudgeKind.DUE, due, "r1", send_by, no_agreed_date)


async def setup_app(db: Database, name: str = "U1") -> Application:
    return await make_application(db, await make_user(db, name))


async def sync(
    db: Database, app: Application, plan: list[PlannedNudge], now: datetime = NOW
) -> dict[str, Nudge]:
    async with db.unit_of_work() as uow:
        await uow.nudges.sync(app, plan, now)
        await uow.commit()
        return {n.key: n for n in await uow.nudges.for_application(app.id)}


async def claim(db: Database, now: datetime, limit: int = 10, worker: str = "w1") -> list[Nudge]:
    async with db.unit_of_work() as uow:
        claimed = await uow.nudges.claim_due(now, worker, LEASE, limit)
        await uow.commit()
    return claimed


async def test_sync_inserts_updates_and_deletes_pending(database: Database) -> None:
    app = await setup_app(database)
    send_by = NOW + timedelta(days=1)
    stored = await sync(
        database,
        app,
        [
            planned("past", NOW - timedelta(days=2)),
            planned("future", NOW + timedelta(hours=3), send_by=send_by, no_agreed_date=True),
            planned("drop-me", NOW + timedelta(days=7), Step.VALUE_ADD),
        ],
    )
    assert set(stored) == {"past", "future", "drop-me"}
    past, future = stored["past"], stored["future"]
    assert past.due_at == NOW and past.due_at.tzinfo is UTC
    assert future.due_at == NOW + timedelta(hours=3)
    assert (future.send_by, future.no_agreed_date) == (send_by, True)
    assert future.state == NudgeState.PENDING and future.attempts == 0
    assert future.user_id == app.user_id and future.application_id == app.id

    moved = NOW + timedelta(hours=5)
    later = NOW + timedelta(hours=1)
    stored2 = await sync(
        database,
        app,
        [
            planned("past", NOW - timedelta(days=2)),
            PlannedNudge("future", Step.INSIGHT, NudgeKind.OVERDUE, moved, "r2"),
            planned("new", NOW - timedelta(minutes=1), Step.CLOSE_LOOP),
        ],
        now=later,
    )
    assert set(stored2) == {"past", "future", "new"}
    assert stored2["past"] == past  # unchanged row keeps its id and due time
    f2 = stored2["future"]
    assert (f2.id, f2.step, f2.kind, f2.due_at, f2.send_by, f2.no_agreed_date) == (
        future.id,
        Step.INSIGHT,
        NudgeKind.OVERDUE,
        moved,
        None,
        False,
    )
    assert stored2["new"].due_at == later


async def test_sync_with_past_due_times(database: Database) -> None:
    app = await setup_app(database)
    next_week, nine = NOW + timedelta(days=7), NOW + timedelta(hours=1)
    await sync(database, app, [planned("moved", next_week), planned("overdue", nine)])
    # two days later (the bot was down): same plan for "overdue", "moved" now planned in the past
    later = NOW + timedelta(days=2)
    stored = await sync(
        database,
        app,
        [planned("moved", NOW - timedelta(days=1)), planned("overdue", nine)],
        now=later,
    )
    assert stored["moved"].due_at == later
    assert stored["overdue"].due_at == nine
    # re-planning again with the same past times changes nothing
    assert (
        await sync(
            database,
            app,
            [planned("moved", NOW - timedelta(days=1)), planned("overdue", nine)],
            now=later + timedelta(hours=1),
        )
        == stored
    )


async def test_sync_never_reinserts_or_touches_delivered_failed_or_claimed(
    database: Database,
) -> None:
    app = await setup_app(database)
    await sync(database, app, [planned(k, NOW - timedelta(minutes=i)) for i, k in enumerate("abc")])
    claimed = {n.key: n for n in await claim(database, NOW)}
    async with database.unit_of_work() as uow:
        assert await uow.nudges.mark_delivered_many(
            [(claimed["a"].id, claimed["a"].claim_token or "", False)], NOW
        ) == {claimed["a"].id}
        assert await uow.nudges.mark_failed(
            claimed["b"].id, claimed["b"].claim_token or "", NOW, "blocked"
        )
        await uow.commit()
    # "c" stays claimed. A plan without any of them deletes nothing; one with them changes nothing.
    before = await sync(database, app, [])
    assert {k: n.state for k, n in before.items()} == {
        "a": NudgeState.SENT,
        "b": NudgeState.FAILED,
        "c": NudgeState.CLAIMED,
    }
    after = await sync(
        database, app, [planned(k, NOW + timedelta(days=3), Step.INSIGHT) for k in "abc"]
    )
    assert after == before


async def test_claims_are_leased_and_tokens_checked(database: Database) -> None:
    app = await setup_app(database)
    await sync(database, app, [planned("n", NOW)])
    assert await claim(database, NOW - timedelta(seconds=1)) == []  # not due yet
    [first] = await claim(database, NOW, worker="crashed")
    assert first.state == NudgeState.CLAIMED and first.claim_token
    assert await claim(database, NOW + LEASE) == []  # lease still running (until NOW + LEASE)
    async with database.unit_of_work() as uow:
        assert await uow.nudges.next_due_at() == NOW + LEASE

    [second] = await claim(database, NOW + LEASE + timedelta(seconds=1), worker="w2")
    assert second.id == first.id and second.claim_token != first.claim_token
    async with database.unit_of_work() as uow:
        assert not await uow.nudges.mark_delivered_many(
            [(first.id, first.claim_token or "", False)], NOW
        )
        assert not await uow.nudges.mark_retry(first.id, first.claim_token or "", NOW, "x")
        assert not await uow.nudges.mark_failed(first.id, first.claim_token or "", NOW, "x")
        delivered_at = NOW + timedelta(minutes=7)
        assert await uow.nudges.mark_delivered_many(
            [(second.id, second.claim_token or "", True)], delivered_at
        ) == {second.id}
        # only once
        assert not await uow.nudges.mark_delivered_many(
            [(second.id, second.claim_token or "", True)], delivered_at
        )
        await uow.commit()
    async with database.unit_of_work() as uow:
        done = await uow.nudges.get(first.id)
        assert await uow.nudges.next_due_at() is None
        assert await uow.nudges.get(987654) is None
    assert done is not None
    assert (done.state, done.delivered_at, done.late) == (NudgeState.SENT, delivered_at, True)
    assert await claim(database, NOW + timedelta(days=30)) == []


async def test_retry_then_fail_and_failure_reports(database: Database) -> None:
    app = await setup_app(database)
    await sync(database, app, [planned("n", NOW)])
    [nudge] = await claim(database, NOW)
    retry_at = NOW + timedelta(minutes=10)
    async with database.unit_of_work() as uow:
        assert await uow.nudges.mark_retry(
            nudge.id, nudge.claim_token or "", retry_at, "429 slow down"
        )
        await uow.commit()
    async with database.unit_of_work() as uow:
        pending = await uow.nudges.get(nudge.id)
        assert await uow.nudges.next_due_at() == retry_at
    assert pending is not None
    assert (pending.state, pending.attempts, pending.last_error, pending.claim_token) == (
        NudgeState.PENDING,
        1,
        "429 slow down",
        None,
    )
    assert pending.due_at == NOW  # the original due time is kept, for "this was due at…"
    assert await claim(database, retry_at - timedelta(seconds=1)) == []
    [again] = await claim(database, retry_at)

    failed_at = retry_at + timedelta(seconds=5)
    async with database.unit_of_work() as uow:
        assert await uow.nudges.unreported_failures(app.user_id) == []
        assert await uow.nudges.mark_failed(
            again.id, again.claim_token or "", failed_at, "user left"
        )
        await uow.commit()
    async with database.unit_of_work() as uow:
        [failure] = await uow.nudges.unreported_failures(app.user_id)
        assert (failure.state, failure.attempts, failure.last_error) == (
            NudgeState.FAILED,
            2,
            "user left",
        )
        await uow.nudges.mark_failures_reported(app.user_id, failed_at + timedelta(seconds=1))
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.nudges.unreported_failures(app.user_id) == []
        assert await uow.nudges.next_due_at() is None
    assert await claim(database, NOW + timedelta(days=1)) == []

    # a later failure is reported again
    await sync(database, app, [planned("n2", NOW + timedelta(days=1))])
    [n2] = await claim(database, NOW + timedelta(days=1))
    async with database.unit_of_work() as uow:
        await uow.nudges.mark_failed(n2.id, n2.claim_token or "", NOW + timedelta(days=1), "gone")
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert [n.key for n in await uow.nudges.unreported_failures(app.user_id)] == ["n2"]


async def test_claim_order_limit_and_next_due(database: Database) -> None:
    app = await setup_app(database)
    other = await setup_app(database, "U2")
    async with database.unit_of_work() as uow:
        assert await uow.nudges.next_due_at() is None
    await sync(database, app, [planned(f"k{i}", NOW + timedelta(minutes=i)) for i in range(5)])
    await sync(database, other, [planned("o", NOW + timedelta(minutes=2, seconds=30))])
    async with database.unit_of_work() as uow:
        assert await uow.nudges.next_due_at() == NOW
        mine = await uow.nudges.for_user(app.user_id)
    assert [n.key for n in mine] == [f"k{i}" for i in range(5)]
    got = await claim(database, NOW + timedelta(hours=1), limit=3)
    assert [n.key for n in got] == ["k0", "k1", "k2"]
    assert len({n.claim_token for n in got}) == 1
    got = await claim(database, NOW + timedelta(hours=1), limit=10)
    assert [n.key for n in got] == ["o", "k3", "k4"]
    assert await claim(database, NOW + timedelta(hours=1), limit=0) == []


async def test_concurrent_workers_claim_disjoint_sets(
    database_url: str, database: Database
) -> None:
    apps = [await setup_app(database, f"user{i}") for i in range(4)]
    for app in apps:
        await sync(database, app, [planned(f"n{i}", NOW - timedelta(seconds=i)) for i in range(50)])
    total = {n.id for app in apps for n in await _all(database, app)}
    assert len(total) == 200
    dbs = [database, Database.from_url(database_url), Database.from_url(database_url)]

    async def worker(db: Database, name: str) -> list[int]:
        mine: list[int] = []
        while batch := await claim(db, NOW, limit=7, worker=name):
            mine.extend(n.id for n in batch)
            await asyncio.sleep(0)
        return mine

    try:
        results = await asyncio.gather(
            *(worker(db, f"{i}-{j}") for i, db in enumerate(dbs) for j in range(2))
        )
    finally:
        for db in dbs[1:]:
            await db.dispose()
    claimed = [i for r in results for i in r]
    assert len(claimed) == len(set(claimed)) == 200
    assert set(claimed) == total


async def _all(db: Database, app: Application) -> list[Nudge]:
    async with db.unit_of_work() as uow:
        return await uow.nudges.for_application(app.id)


async def test_mark_delivered_many_records_only_claims_still_held(database: Database) -> None:
    app = await setup_app(database)
    await sync(database, app, [planned("a", NOW), planned("b", NOW), planned("c", NOW)])
    first = await claim(database, NOW)
    # the lease runs out and another worker takes the nudges over
    taken = await claim(database, NOW + LEASE + timedelta(seconds=1), worker="w2")
    assert {n.id for n in taken} == {n.id for n in first}
    async with database.unit_of_work() as uow:
        stale = await uow.nudges.mark_delivered_many(
            [(n.id, n.claim_token or "", False) for n in first], NOW
        )
        fresh = await uow.nudges.mark_delivered_many(
            [(n.id, n.claim_token or "", n.key == "b") for n in taken], NOW
        )
        await uow.commit()
        stored = {n.key: n for n in await uow.nudges.for_application(app.id)}
    assert stale == set() and fresh == {n.id for n in taken}
    assert all(n.state is NudgeState.SENT for n in stored.values())
    assert [k for k, n in sorted(stored.items()) if n.late] == ["b"]


async def test_get_many_loads_applications_and_users_and_skips_missing_ids(
    database: Database,
) -> None:
    one = await setup_app(database, "U1")
    two = await setup_app(database, "U2")
    await sync(database, one, [planned("a", NOW)])  # U1 has a failure not reported yet
    [failing] = await claim(database, NOW)
    async with database.unit_of_work() as uow:
        assert await uow.nudges.mark_failed(failing.id, failing.claim_token or "", NOW, "gone")
        await uow.commit()
    async with database.unit_of_work() as uow:
        apps = await uow.applications.get_many([one.id, two.id, 999_999])
        users = await uow.users.get_many([one.user_id, two.user_id, 999_999])
        single = await uow.applications.get(one.id)
        each = {i: await uow.users.get(i) for i in (one.user_id, two.user_id)}
    assert apps == {one.id: single, two.id: two}
    assert users == each
    assert users[one.user_id].has_unreported_failures
    assert not users[two.user_id].has_unreported_failures


async def test_claims_for_different_platforms_and_people_take_only_theirs(
    database: Database,
) -> None:
    """A claim's statement is built once per set of platforms and people it claims for: claims
    for one set never take another's rows, however they alternate."""
    async with database.unit_of_work() as uow:
        on_discord = await uow.users.get_or_create(identity("D1", platform="discord"), NOW)
        await uow.commit()
    apps = {
        "slack": await setup_app(database, "S1"),
        "slack, other person": await setup_app(database, "S2"),
        "discord": await make_application(database, on_discord),
    }
    # The first Slack person's nudges fall due first: an unnarrowed Slack claim takes theirs.
    for minutes, app in zip((2, 1, 1), apps.values(), strict=True):
        due = NOW - timedelta(minutes=minutes)
        await sync(database, app, [planned(f"k{i}", due) for i in range(2)], now=due)
    owner = {app.id: name for name, app in apps.items()}
    wanted = [  # (platforms, people): whose nudges each claim of one may take
        ({"discord"}, None, {"discord"}),
        ({"slack"}, {"S2"}, {"slack, other person"}),
        ({"slack"}, None, {"slack", "slack, other person"}),
        ({"discord"}, None, {"discord"}),
        ({"slack"}, {"S2"}, {"slack, other person"}),
        ({"slack"}, None, {"slack", "slack, other person"}),
    ]
    taken: list[str] = []
    for platforms, people, allowed in wanted:
        async with database.unit_of_work() as uow:
            got = await uow.nudges.claim_due(NOW, "w", LEASE, 1, platforms=platforms, people=people)
            await uow.commit()
        assert {owner[n.application_id] for n in got} <= allowed, (platforms, people)
        taken += [owner[n.application_id] for n in got]
    assert sorted(taken) == sorted(["discord"] * 2 + ["slack, other person"] * 2 + ["slack"] * 2)


async def test_nudges_are_claimed_only_by_processes_on_their_users_platform(
    database: Database,
) -> None:
    app = await setup_app(database)  # a Slack user
    await sync(database, app, [planned("a", NOW)])
    async with database.unit_of_work() as uow:
        assert await uow.nudges.next_due_at(platforms={"discord"}) is None
        assert (
            await uow.nudges.claim_due(NOW, "discord-only", LEASE, 10, platforms={"discord"}) == []
        )
        assert await uow.nudges.next_due_at(platforms={"slack"}) == NOW
        [claimed] = await uow.nudges.claim_due(
            NOW, "slack", LEASE, 10, platforms={"slack", "discord"}
        )
        assert claimed.key == "a"


def _table_pages(sqlite_url: str, table: str) -> int:
    """How many pages the table's own B-tree has in the SQLite file (its indexes aside)."""
    with sqlite3.connect(sqlite_url.split("///", 1)[1]) as connection:
        [(pages,)] = connection.execute("SELECT count(*) FROM dbstat WHERE name = ?", (table,))
    return int(pages)


async def test_a_claim_rewrites_waiting_rows_in_place_on_sqlite(sqlite_url: str) -> None:
    """A waiting row holds room for what its claim writes: a claim of rows spread over a
    tightly packed table splits none of its pages (each grown row would split its page)."""
    await upgrade_database(sqlite_url)
    db = Database.from_url(sqlite_url)
    try:
        app = await setup_app(db)
        # Every 20th nudge due now, the rest later: about one due row on each page.
        plan = [
            planned(f"k{i}", NOW if i % 20 == 0 else NOW + timedelta(days=1)) for i in range(2000)
        ]
        await sync(db, app, plan)
        before = _table_pages(sqlite_url, "nudges")
        claimed = await claim(db, NOW, limit=200, worker=f"{'h' * 24}:4194304:a1b2c3")
        assert len(claimed) == 100
        assert _table_pages(sqlite_url, "nudges") == before
    finally:
        await db.dispose()


async def test_upgrade_from_0014_keeps_waiting_and_claimed_nudges(database_url: str) -> None:
    """Migration 0015 (room for a claim) on a database at 0014 holding a waiting nudge and one
    claimed by a sender that died: both are claimed again after the upgrade, the lapsed one as
    a takeover."""
    await upgrade_database(database_url, "0014")
    db = Database.from_url(database_url)
    try:
        app = await setup_app(db)
        stored = await sync(db, app, [planned("waiting", NOW), planned("lapsed", NOW)])
        async with db.sessions() as session:  # claimed at 0014, by a sender that then died
            await session.execute(
                text(
                    "UPDATE nudges SET state = 'claimed', claim_token = 'old-token', "
                    "claimed_by = 'dead', lease_until = :lease_until, attempted_at = :at "
                    "WHERE id = :id"
                ),
                {
                    "id": stored["lapsed"].id,
                    "lease_until": (NOW + LEASE).replace(tzinfo=None),
                    "at": NOW.replace(tzinfo=None),
                },
            )
            await session.commit()
    finally:
        await db.dispose()

    await upgrade_database(database_url)
    assert await current_revision(database_url) == "0015"
    db = Database.from_url(database_url)
    try:
        [fresh] = await claim(db, NOW, worker="w2")
        assert (fresh.key, fresh.unknown_since, fresh.attempts) == ("waiting", None, 0)
        later = NOW + LEASE + timedelta(seconds=1)
        async with db.unit_of_work() as uow:
            assert await uow.nudges.mark_delivered_many(
                [(fresh.id, fresh.claim_token or "", False)], NOW
            ) == {fresh.id}
            await uow.commit()
        [taken_over] = await claim(db, later, worker="w2")
        assert (taken_over.key, taken_over.unknown_since) == ("lapsed", NOW)
        assert taken_over.attempts == 1 and taken_over.claim_token != "old-token"
        async with db.unit_of_work() as uow:
            assert await uow.nudges.mark_delivered_many(
                [(taken_over.id, taken_over.claim_token or "", False)], later
            ) == {taken_over.id}
            await uow.commit()
        assert await claim(db, NOW + timedelta(days=30)) == []
    finally:
        await db.dispose()
