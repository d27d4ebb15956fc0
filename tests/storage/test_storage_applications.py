"""Applications: every domain field round-trips; numbering is per user; deletes cascade."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import (
    Application,
    Event,
    EventKind,
    Interviewer,
    NewRound,
    Round,
    RoundKind,
    Status,
    Step,
)
from storage.database import Database
from tests.storage.helpers import NOW, first_round, make_application, make_user

BERLIN = ZoneInfo("Europe/Berlin")


async def test_round_trip_of_every_field(database: Database) -> None:
    user = await make_user(database)
    start = datetime(2026, 3, 27, 10, 0, 0, 123456, tzinfo=BERLIN)  # not UTC, with microseconds
    first = NewRound(
        RoundKind.PHONE, start, start + timedelta(minutes=30), (Interviewer("Jane Doe", "EM"),)
    )
    second = NewRound(
        RoundKind.HIRING_MANAGER,
        start + timedelta(days=7),
        start + timedelta(days=7, hours=2),
        (Interviewer("Zed", "VP"), Interviewer("Amy"), Interviewer("Jane Doe", "EM")),
    )
    events = [
        Event(
            EventKind.SENT,
            NOW,
            "r1",
            step=Step.THANK_YOU,
            agreed_date=date(2026, 4, 3),
            person="Jane Doe",
            task="r1:thank-you",
        ),
        Event(EventKind.HEARD, NOW + timedelta(hours=1), "r1", note="they replied — ünïcode ✓"),
        Event(
            EventKind.SNOOZED,
            NOW + timedelta(hours=2),
            "r1",
            step=Step.VALUE_ADD,
            until=datetime(2026, 4, 4, 9, 0, tzinfo=BERLIN),
        ),
        Event(EventKind.SKIPPED, NOW + timedelta(hours=3), "r2", step=Step.INSIGHT),
        Event(EventKind.STATUS, NOW + timedelta(hours=4), "rej1", status=Status.REJECTED),
    ]
    async with database.unit_of_work() as uow:
        created = await uow.applications.create(user.id, "Acme Corp", "Data Engineer", first, NOW)
        await uow.applications.add_round(created.id, second, NOW)
        for event in events:
            latest = await uow.applications.add_event(created.id, event)
        await uow.commit()

    expected = Application(
        id=created.id,
        user_id=user.id,
        number=1,
        company="Acme Corp",
        role="Data Engineer",
        status=Status.REJECTED,
        created_at=NOW,
        rounds=(
            Round(1, first.kind, first.starts_at, first.ends_at, first.interviewers),
            Round(2, second.kind, second.starts_at, second.ends_at, second.interviewers),
        ),
        events=tuple(events),
    )
    assert latest == expected
    async with database.unit_of_work() as uow:
        loaded = await uow.applications.get(created.id)
        by_number = await uow.applications.get_by_number(user.id, 1)
    assert loaded == expected == by_number
    assert loaded is not None
    instants = [
        loaded.created_at,
        *(r.starts_at for r in loaded.rounds),
        *(e.at for e in loaded.events),
    ]
    instants.append(loaded.events[2].until)  # type: ignore[arg-type]
    assert all(i.tzinfo is UTC for i in instants)
    assert loaded.rounds[0].starts_at.microsecond == 123456
    assert [p.name for p in loaded.rounds[1].interviewers] == ["Zed", "Amy", "Jane Doe"]
    assert loaded.interviewers == (
        Interviewer("Jane Doe", "EM"),
        Interviewer("Zed", "VP"),
        Interviewer("Amy"),
    )

    # Lists are read another way (Core rows, not the ORM's): they must read the same.
    async with database.unit_of_work() as uow:
        bare = await uow.applications.create(
            user.id,
            "Solo",
            "Analyst",
            NewRound(RoundKind.INTERVIEW, start, start + timedelta(hours=1), ()),
            NOW,
        )
        await uow.commit()
    async with database.unit_of_work() as uow:
        listed = await uow.applications.list_for_user(user.id)
        many = await uow.applications.get_many([bare.id, created.id, 10_000])
    assert listed == [expected, bare] and many == {created.id: expected, bare.id: bare}
    assert all(
        i.tzinfo is UTC
        for i in (listed[0].created_at, listed[0].rounds[1].starts_at, listed[0].events[2].until)
    )


async def test_numbers_are_per_user_and_never_reused(database: Database) -> None:
    alice, bob = await make_user(database, "alice"), await make_user(database, "bob")
    a1 = await make_application(database, alice, "A1")
    a2 = await make_application(database, alice, "A2")
    b1 = await make_application(database, bob, "B1")
    assert (a1.number, a2.number, b1.number) == (1, 2, 1)
    async with database.unit_of_work() as uow:
        await uow.applications.delete(a2.id)
        await uow.commit()
    a3 = await make_application(database, alice, "A3")
    assert a3.number == 3
    async with database.unit_of_work() as uow:
        assert await uow.applications.get_by_number(bob.id, 2) is None
        assert await uow.applications.get_by_number(alice.id, 2) is None
        assert (await uow.applications.get_by_number(bob.id, 1)) == b1
        assert [a.company for a in await uow.applications.list_for_user(alice.id)] == ["A1", "A3"]


async def test_list_active_only_and_status_events(database: Database) -> None:
    user = await make_user(database)
    apps = [await make_application(database, user, name) for name in ("A", "B", "C")]
    async with database.unit_of_work() as uow:
        await uow.applications.add_event(
            apps[1].id, Event(EventKind.STATUS, NOW, "r1", status=Status.OFFER)
        )
        # a non-STATUS event carrying a status does not change it
        await uow.applications.add_event(
            apps[2].id, Event(EventKind.HEARD, NOW, "r1", status=Status.WITHDRAWN)
        )
        await uow.commit()
    async with database.unit_of_work() as uow:
        active = await uow.applications.list_for_user(user.id, active_only=True)
        every = await uow.applications.list_for_user(user.id)
    assert [a.company for a in active] == ["A", "C"]
    assert [a.status for a in every] == [Status.ACTIVE, Status.OFFER, Status.ACTIVE]


async def test_unknown_ids(database: Database) -> None:
    user = await make_user(database)
    async with database.unit_of_work() as uow:
        assert await uow.applications.get(424242) is None
        with pytest.raises(LookupError):
            await uow.applications.add_round(424242, first_round(), NOW)
        with pytest.raises(LookupError):
            await uow.applications.add_event(424242, Event(EventKind.HEARD, NOW, "r1"))
        with pytest.raises(LookupError):
            await uow.applications.create(user.id + 1000, "X", "Y", first_round(), NOW)


async def test_naive_datetimes_are_refused(database: Database) -> None:
    user = await make_user(database)
    naive = NewRound(RoundKind.INTERVIEW, datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 11))
    async with database.unit_of_work() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.applications.create(user.id, "X", "Y", naive, NOW)


async def test_reads_of_a_person_and_of_a_batch_use_statements_built_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, other = await make_user(database), await make_user(database, "U2")
    apps = [await make_application(database, user, name) for name in ("A", "B", "C")]
    theirs = await make_application(database, other, "D")
    async with database.unit_of_work() as uow:
        await uow.applications.add_event(
            apps[1].id, Event(EventKind.STATUS, NOW, "r1", status=Status.OFFER)
        )
        await uow.applications.set_plan_due({apps[0].id: NOW, apps[2].id: NOW + timedelta(days=2)})
        await uow.commit()

    def built(*_: object, **__: object) -> None:
        raise AssertionError("a statement was built for a read")

    # Building a statement (and its cache key) costs about as much as SQLite takes to run it.
    monkeypatch.setattr("storage.applications.select", built)
    monkeypatch.setattr("storage.users.select", built)
    async with database.unit_of_work() as uow:
        listed = {
            (active, due): [
                a.company
                for a in await uow.applications.list_for_user(
                    user.id, active_only=active, due_by=NOW + timedelta(days=1) if due else None
                )
            ]
            for active in (False, True)
            for due in (False, True)
        }
        many = await uow.applications.get_many([apps[0].id, theirs.id, 10_000])
        people = await uow.users.get_many([user.id, other.id, 10_000])
    # B has nothing planned (never due), C is due after the day asked about
    assert listed == {
        (False, False): ["A", "B", "C"],
        (False, True): ["A", "B"],
        (True, False): ["A", "C"],
        (True, True): ["A"],
    }
    assert sorted(a.company for a in many.values()) == ["A", "D"]
    assert sorted(p.external_id for p in people.values()) == ["U1", "U2"]
