"""The queries that run against every row — the sweep's next-due time, the claim, the lease
renewal, and the counts a board or digest is made of — read indexes, not whole tables: checked
on PostgreSQL with `EXPLAIN (FORMAT JSON)` and on SQLite with `EXPLAIN QUERY PLAN`, each on a
seeded database (plans, not timings). And a claim writes what it takes, not what is stored."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from storage.database import Database
from storage.migrate import upgrade_database
from tests.storage.helpers import identity

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BIG = {"nudges", "events", "rounds", "applications", "users"}
SEED = [
    # 10,000 users, 5 applications each, one round, two events and one nudge per application;
    # a year of activity, and almost every nudge long delivered: the pending few are what a
    # sweep is after.
    """INSERT INTO users (id, platform, workspace, external_id, display_name, timezone,
                          timezone_source, nudge_hour, quiet_start, quiet_end, weekends,
                          next_number, created_at)
       SELECT u, CASE WHEN u % 2 = 0 THEN 'slack' ELSE 'discord' END, 'T1', 'U' || u,
              'User ' || u, 'UTC', 'user', '09:00', '20:00', '08:00', false, 6,
              CAST(:now AS timestamp)
       FROM generate_series(1, 10000) AS u""",
    """INSERT INTO applications (id, user_id, number, company, role, status, created_at,
                                 updated_at)
       SELECT a, (a - 1) / 5 + 1, (a - 1) % 5 + 1, 'Company ' || a, 'Engineer', 'active',
              CAST(:now AS timestamp), CAST(:now AS timestamp)
       FROM generate_series(1, 50000) AS a""",
    """INSERT INTO rounds (id, application_id, seq, kind, starts_at, ends_at)
       SELECT a, a, 1, 'interview', CAST(:now AS timestamp) - make_interval(hours => a % 8760),
              CAST(:now AS timestamp) - make_interval(hours => a % 8760 - 1)
       FROM generate_series(1, 50000) AS a""",
    """INSERT INTO events (application_id, seq, kind, at, cycle, step, note)
       SELECT (e + 1) / 2, 2 - e % 2, 'sent',
              CAST(:now AS timestamp) - make_interval(hours => e % 8760), 'r1', 'thank-you', ''
       FROM generate_series(1, 100000) AS e""",
    """INSERT INTO nudges (application_id, user_id, platform, key, step, kind, cycle, due_at,
                           no_agreed_date, state, attempts, late, retry_at, lease_until,
                           claim_token)
       SELECT a, (a - 1) / 5 + 1,
              CASE WHEN ((a - 1) / 5 + 1) % 2 = 0 THEN 'slack' ELSE 'discord' END,
              'r1:thank-you:due', 'thank-you', 'due', 'r1',
              CAST(:now AS timestamp) - make_interval(hours => a % 8760), false,
              CASE WHEN a % 100 = 0 THEN 'pending' WHEN a % 997 = 0 THEN 'claimed' ELSE 'sent' END,
              0, false,
              CASE WHEN a % 300 = 0 THEN CAST(:now AS timestamp) + interval '1 hour' END,
              CASE WHEN a % 997 = 0 THEN CAST(:now AS timestamp) + interval '5 minutes' END,
              CASE WHEN a % 997 = 0 THEN 'token' END
       FROM generate_series(1, 50000) AS a""",
    """INSERT INTO group_channels (id, platform, workspace, channel_id, enabled, owner_id,
                                   created_at, updated_at)
       VALUES (1, 'slack', 'T1', 'C1', true, 2, CAST(:now AS timestamp),
               CAST(:now AS timestamp))""",
    """INSERT INTO channel_members (channel_id, user_id, opted_in, joined_at)
       SELECT 1, u, u % 4 = 0, CAST(:now AS timestamp) FROM generate_series(2, 10000, 50) AS u""",
]


@pytest.fixture
async def seeded(postgres_url: str) -> Any:
    await upgrade_database(postgres_url)
    database = Database.from_url(postgres_url)
    async with database.engine.begin() as connection:
        for statement in SEED:
            await connection.execute(text(statement), {"now": NOW.replace(tzinfo=None)})
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("ANALYZE"))
    try:
        yield database
    finally:
        await database.dispose()


async def _plan(database: Database, run: Any, wanted: str) -> dict[str, Any]:
    """The plan of the first statement `run` sends whose text starts with `wanted`."""
    return (await _plans(database, run, wanted))[0]


async def _sent(database: Database, run: Any, wanted: str) -> list[tuple[str, Any]]:
    """The statements (with their parameters) `run` sends whose text starts with `wanted`."""
    captured: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if statement.lstrip().upper().startswith(wanted):
            captured.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with database.unit_of_work() as uow:
            await run(uow)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    assert captured, f"no {wanted} statement was sent"
    return captured


async def _plans(database: Database, run: Any, wanted: str) -> list[dict[str, Any]]:
    """The plans of the statements `run` sends whose text starts with `wanted`."""
    captured = await _sent(database, run, wanted)
    found = []
    async with database.engine.connect() as connection:
        for statement, parameters in captured:
            raw = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            found.append(dict(raw.scalar_one()[0]["Plan"]))
    return found


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _scans(plan: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (node["Node Type"], node.get("Relation Name", ""))
        for node in _nodes(plan)
        if "Relation Name" in node
    ]


def _no_full_scans(plan: dict[str, Any], tables: set[str] = BIG) -> None:
    scans = _scans(plan)
    assert scans, plan
    assert not [s for s in scans if s[0] == "Seq Scan" and s[1] in tables], scans


async def test_sweeps_claims_and_digest_counts_read_indexes(seeded: Database) -> None:
    """One seeded database for every check: seeding is the expensive part."""
    # The digest's counts: the week's events and rounds (the tables that grow with history),
    # found by time. (The planner may still hash-join applications, one row per application.)
    plan = await _plan(
        seeded, lambda uow: uow.groups.activity(1, NOW - timedelta(days=7), NOW), "SELECT"
    )
    _no_full_scans(plan, {"events", "rounds"})
    assert {"events", "rounds"} <= {relation for _, relation in _scans(plan)}

    for platforms in (None, frozenset({"slack"}), frozenset({"slack", "discord"})):
        # The next claimable time: the pending rows' first ready time, the
        # claimed rows' first lease end.
        async def next_due(uow: Any, platforms: Any = platforms) -> None:
            await uow.nudges.next_due_at(platforms=platforms)

        plans = await _plans(seeded, next_due, "SELECT")
        assert len(plans) == 2
        for plan, index in zip(
            plans, ("ix_nudges_pending_ready_at", "ix_nudges_claimed_lease_until"), strict=True
        ):
            _no_full_scans(plan)
            assert index in _indexes(plan), (platforms, _scans(plan))
            assert "users" not in {relation for _, relation in _scans(plan)}

        async def claim(uow: Any, platforms: Any = platforms) -> None:
            await uow.nudges.claim_due(NOW, "w1", timedelta(minutes=1), 200, platforms=platforms)

        plan = await _plan(seeded, claim, "WITH")
        _no_full_scans(plan)
        assert {"ix_nudges_pending_ready_at", "ix_nudges_claimed_lease_until"} <= _indexes(plan), (
            platforms,
            _scans(plan),
        )
        assert "users" not in {relation for _, relation in _scans(plan)}
        # Read in index order and stopped at the limit: never every due row gathered and sorted.
        assert not [node for node in _nodes(plan) if "Sort" in node["Node Type"]], (
            platforms,
            _scans(plan),
        )

    # A sender's heartbeat: its claims, found by token among the claimed rows only.
    async def renew(uow: Any) -> None:
        await uow.nudges.renew({"token", "another"}, NOW + timedelta(minutes=1))

    plan = await _plan(seeded, renew, "UPDATE")
    _no_full_scans(plan)
    assert "ix_nudges_claimed_claim_token" in _indexes(plan), _scans(plan)

    # A user read with the question "failures not reported yet?": one probe of the failed few.
    plan = await _plan(seeded, lambda uow: uow.users.get_many([2, 3, 4]), "SELECT")
    _no_full_scans(plan)
    assert "ix_nudges_failed_user_id" in _indexes(plan), _scans(plan)


def _indexes(plan: dict[str, Any]) -> set[str]:
    return {node["Index Name"] for node in _nodes(plan) if "Index Name" in node}


# SQLite: the same queries, read with EXPLAIN QUERY PLAN on a seeded file; and what a claim
# writes. 40,000 pending nudges (20 per page or so), every thousandth one due: the rows a claim
# takes sit on pages of their own, as a burst spread over a large table does.
SQLITE_ROWS = 40_000
SQLITE_DUE_EVERY = 1_000
SQLITE_SEED = """
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
    INSERT INTO nudges (id, application_id, user_id, platform, key, step, kind, cycle, due_at,
                        no_agreed_date, state, attempts, late)
    SELECT i, i, (i - 1) / 10 + 1, CASE WHEN i % 2 = 0 THEN 'slack' ELSE 'discord' END,
           'r1:thank-you:due', 'thank-you', 'due', 'r1',
           CASE WHEN i % :every = 0 THEN :due ELSE :later END, 0, 'pending', 0, 0
    FROM n"""


@pytest.fixture
async def sqlite_seeded(sqlite_url: str, tmp_path: Path) -> Any:
    await upgrade_database(sqlite_url)
    # Seeded on the file directly, foreign keys unchecked: the nudges are all a sweep reads.
    connection = sqlite3.connect(tmp_path / "followup.db")
    try:
        connection.execute(
            SQLITE_SEED,
            {
                "rows": SQLITE_ROWS,
                "every": SQLITE_DUE_EVERY,
                "due": str(NOW.replace(tzinfo=None) - timedelta(minutes=1)),
                "later": str(NOW.replace(tzinfo=None) + timedelta(days=1)),
            },
        )
        connection.commit()
    finally:
        connection.close()
    database = Database.from_url(sqlite_url)
    try:
        yield database
    finally:
        await database.dispose()


async def _sqlite_plans(database: Database, run: Any, wanted: str) -> list[str]:
    """EXPLAIN QUERY PLAN of each statement `run` sends whose text starts with `wanted`."""
    captured = await _sent(database, run, wanted)
    async with database.engine.connect() as connection:
        return [
            "\n".join(
                row[-1]
                for row in await connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )
            )
            for statement, parameters in captured
        ]


def _sqlite_reads_indexes(plan: str, *indexes: str) -> None:
    for index in indexes:
        assert f"USING INDEX {index}" in plan, plan
    # A whole table read ("SCAN nudges USING INDEX …" reads an index in order, and stops)
    assert "SCAN nudges" not in plan.splitlines(), plan
    assert "TEMP B-TREE" not in plan, plan  # every due row gathered and sorted


async def test_on_sqlite_sweeps_claims_and_renewals_read_indexes(sqlite_seeded: Database) -> None:
    for platforms in (None, frozenset({"slack"}), frozenset({"slack", "discord"})):

        async def next_due(uow: Any, platforms: Any = platforms) -> None:
            await uow.nudges.next_due_at(platforms=platforms)

        plans = await _sqlite_plans(sqlite_seeded, next_due, "SELECT")
        assert len(plans) == 2
        _sqlite_reads_indexes(plans[0], "ix_nudges_pending_ready_at")
        _sqlite_reads_indexes(plans[1], "ix_nudges_claimed_lease_until")

        async def claim(uow: Any, platforms: Any = platforms) -> None:
            await uow.nudges.claim_due(NOW, "w1", timedelta(minutes=1), 200, platforms=platforms)

        (plan,) = await _sqlite_plans(sqlite_seeded, claim, "WITH")
        _sqlite_reads_indexes(plan, "ix_nudges_pending_ready_at", "ix_nudges_claimed_lease_until")

    async def renew(uow: Any) -> None:
        await uow.nudges.renew({"token-1", "token-2"}, NOW + timedelta(minutes=1))

    (plan,) = await _sqlite_plans(sqlite_seeded, renew, "UPDATE")
    _sqlite_reads_indexes(plan, "ix_nudges_claimed_claim_token")

    # A user read asks whether they have failures not reported yet: the failed few answer it,
    # for a batch of users as for the one a command is from.
    async def users(uow: Any) -> None:
        await uow.users.get_many([1, 2, 3])
        await uow.users.find(identity("U1"))

    for plan in await _sqlite_plans(sqlite_seeded, users, "SELECT"):
        assert "SEARCH nudges USING INDEX ix_nudges_failed_user_id" in plan, plan


async def test_on_sqlite_a_claim_writes_a_few_pages_of_each_index(
    sqlite_seeded: Database, tmp_path: Path
) -> None:
    """A claim changes the claimed rows' own pages (spread over the table as they are) and a
    few pages of each index, however many rows the indexes hold: never one page per claimed
    row in an index that also holds the rows left waiting. Read from the write-ahead log:
    the pages the claim's commit appended, each named by the table or index it belongs to."""
    wal = tmp_path / "followup.db-wal"
    # Kept open until the claim is counted: the log is removed when its last connection closes.
    connection = sqlite3.connect(tmp_path / "followup.db")
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # an empty log
        async with sqlite_seeded.unit_of_work() as uow:
            claimed = await uow.nudges.claim_due(NOW, "w1", timedelta(minutes=1), 200)
            await uow.commit()
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        log = wal.read_bytes()
        owner = dict(connection.execute("SELECT pageno, name FROM dbstat"))
    finally:
        connection.close()
    assert len(claimed) == SQLITE_ROWS // SQLITE_DUE_EVERY
    # The log: a 32-byte header, then frames of a 24-byte header (the page's number first)
    # and the page.
    frames = range(32, len(log), 24 + page_size)
    written = Counter(owner.get(int.from_bytes(log[at : at + 4], "big")) for at in frames)
    indexes = {name: pages for name, pages in written.items() if name not in ("nudges", None)}
    assert indexes and max(indexes.values()) <= 4, written
