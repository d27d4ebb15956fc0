"""`SqlApplicationRepository`: applications with their rounds, interviewers and events.

An application is always loaded whole (rounds by seq, interviewers by position, events in the
order they were added) with `selectinload`; numbers are handed out per user from a counter on
the user row, so they are never reused, even after a delete.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import Select

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
from storage.columns import as_utc, as_utc_or_none
from storage.models import ApplicationRow, EventRow, InterviewerRow, RoundRow, UserRow
from storage.sql import ID_CHUNK, dialect_name

APPS = cast(Table, ApplicationRow.__table__)
NOTHING_PLANNED = datetime(9999, 12, 31, tzinfo=UTC)
"""`plan_due_at` of an application whose plan has no nudges: never due."""
ROUNDS = cast(Table, RoundRow.__table__)
INTERVIEWERS = cast(Table, InterviewerRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
# Stored values → enum members, for reading many rows.
ROUND_KINDS = {kind.value: kind for kind in RoundKind}
EVENT_KINDS = {kind.value: kind for kind in EventKind}
STEPS = {step.value: step for step in Step}
STATUSES = {status.value: status for status in Status}


class SqlApplicationRepository:
    def __init__(self, session: AsyncSession, created: set[int] | None = None) -> None:
        """`created`: where the ids of the applications this repository creates are noted."""
        self._session = session
        self._rows: dict[int, ApplicationRow] = {}
        self._created = created if created is not None else set()

    async def create(
        self, user_id: int, company: str, role: str, first_round: NewRound, now: datetime
    ) -> Application:
        """Store a new application with its first round; numbers are per user, from 1."""
        counter = (
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(next_number=UserRow.next_number + 1)
            .returning(UserRow.next_number)
            .execution_options(synchronize_session=False)
        )
        next_number = (await self._session.execute(counter)).scalar_one_or_none()
        if next_number is None:
            raise LookupError(f"no user with id {user_id}")
        # Core statements: one for the interviewers however many (the ORM would insert them
        # one by one, to learn ids nothing needs).
        stored = await self._session.execute(
            APPS.insert()
            .values(
                user_id=user_id,
                number=next_number - 1,
                company=company,
                role=role,
                status=Status.ACTIVE.value,
                created_at=now,
                updated_at=now,
            )
            .returning(APPS.c.id)
        )
        application_id = stored.scalar_one()
        await self._insert_round(application_id, 1, first_round)
        self._created.add(application_id)
        first = Round(
            seq=1,
            kind=RoundKind(first_round.kind),
            starts_at=as_utc(first_round.starts_at),
            ends_at=as_utc(first_round.ends_at),
            interviewers=tuple(first_round.interviewers),
        )
        return Application(
            id=application_id,
            user_id=user_id,
            number=next_number - 1,
            company=company,
            role=role,
            status=Status.ACTIVE,
            created_at=as_utc(now),
            rounds=(first,),
            events=(),
        )

    async def _insert_round(self, application_id: int, seq: int, new: NewRound) -> None:
        round_id = (
            await self._session.execute(
                ROUNDS.insert()
                .values(
                    application_id=application_id,
                    seq=seq,
                    kind=RoundKind(new.kind).value,
                    starts_at=new.starts_at,
                    ends_at=new.ends_at,
                )
                .returning(ROUNDS.c.id)
            )
        ).scalar_one()
        if new.interviewers:
            await self._session.execute(
                INTERVIEWERS.insert(),
                [
                    {"round_id": round_id, "position": i, "name": p.name, "title": p.title}
                    for i, p in enumerate(new.interviewers)
                ],
            )

    async def get(self, application_id: int) -> Application | None:
        row = await self._load_one(_BY_ID, {"application_id": application_id})
        return application_from_row(row) if row else None

    async def get_many(self, application_ids: Collection[int]) -> dict[int, Application]:
        """Several applications by id, loaded in a few queries (missing ids are left out)."""
        ids = sorted(set(application_ids))
        found: dict[int, Application] = {}
        for start in range(0, len(ids), ID_CHUNK):
            for app in await self._read(_READ_BY_IDS, {"ids": ids[start : start + ID_CHUNK]}):
                found[app.id] = app
        return found

    async def get_by_number(self, user_id: int, number: int) -> Application | None:
        row = await self._load_one(_BY_NUMBER, {"user_id": user_id, "number": number})
        return application_from_row(row) if row else None

    async def list_for_user(
        self, user_id: int, *, active_only: bool = False, due_by: datetime | None = None
    ) -> list[Application]:
        return await self._read(
            _READ_FOR_USER[active_only, due_by is not None],
            {"user_id": user_id, "due_by": due_by},
        )

    async def set_plan_due(self, dues: Mapping[int, datetime | None]) -> None:
        """One statement however many applications: a row this unit of work changed is
        written by the ORM, with its change (its `updated_at`, kept for this); the others in
        one executemany."""
        rest = []
        cached = False
        for application_id, due_at in dues.items():
            row = self._rows.get(application_id)
            if row is None:
                rest.append({"b_id": application_id, "b_due": due_at or NOTHING_PLANNED})
            else:
                row.plan_due_at = due_at or NOTHING_PLANNED
                cached = True
        if cached:
            await self._session.flush()
        if rest:
            await self._session.execute(_SET_PLAN_DUE, rest)

    async def _read(
        self, reads: tuple[Select[Any], Select[Any]], values: Mapping[str, object] | None = None
    ) -> list[Application]:
        """Whole applications (ordered by number) for a condition on `applications` (its two
        statements from `_reads`, with the values they bind), read with Core — the
        applications with their rounds and interviewers, then their events — and built
        straight into domain objects: for someone with hundreds of applications the ORM's
        bookkeeping cost several times the queries themselves (and calling an enum by its value
        several times a dictionary look-up). The rows read are not kept in the session; writes
        load their row with `_load_for_update`."""
        shaped, evented = reads
        rows = await self._session.execute(shaped, values)
        # application id → its columns; round id → (application id, seq, kind, starts, ends,
        # interviewers); both in order
        apps: dict[int, tuple[int, int, str, str, str, datetime]] = {}
        shapes: dict[int, tuple[int, int, str, datetime, datetime, list[Interviewer]]] = {}
        for (
            app_id,
            owner,
            number,
            company,
            role,
            status,
            created_at,
            round_id,
            seq,
            kind,
            starts_at,
            ends_at,
            name,
            title,
        ) in rows:
            if app_id not in apps:
                apps[app_id] = (owner, number, company, role, status, created_at)
            if round_id is None:
                continue
            shape = shapes.get(round_id)
            if shape is None:
                shape = shapes[round_id] = (app_id, seq, kind, starts_at, ends_at, [])
            if name is not None:
                shape[5].append(Interviewer(name=name, title=title))
        if not apps:
            return []
        rounds: dict[int, list[Round]] = {}
        for application_id, seq, kind, starts_at, ends_at, met in shapes.values():
            rounds.setdefault(application_id, []).append(
                Round(
                    seq=seq,
                    kind=ROUND_KINDS[kind],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    interviewers=tuple(met),
                )
            )
        events: dict[int, list[Event]] = {}
        event_rows = await self._session.execute(evented, values)
        for (
            application_id,
            kind,
            at,
            cycle,
            step,
            agreed_date,
            until,
            status,
            note,
            who,
            task,
        ) in event_rows:
            events.setdefault(application_id, []).append(
                Event(
                    kind=EVENT_KINDS[kind],
                    at=at,
                    cycle=cycle,
                    step=STEPS[step] if step else None,
                    agreed_date=agreed_date,
                    until=until,
                    status=STATUSES[status] if status else None,
                    note=note,
                    person=who,
                    task=task,
                )
            )
        return [
            Application(
                id=app_id,
                user_id=owner,
                number=number,
                company=company,
                role=role,
                status=STATUSES[status],
                created_at=created_at,
                rounds=tuple(rounds.get(app_id, ())),
                events=tuple(events.get(app_id, ())),
            )
            for app_id, (owner, number, company, role, status, created_at) in apps.items()
        ]

    async def add_round(
        self, application_id: int, new_round: NewRound, now: datetime
    ) -> Application:
        row = await self._load_for_update(application_id)
        # A removed round's number is never handed out again: its events still name it.
        used = [r.seq for r in row.rounds] + [_round_seq(e.cycle) for e in row.events]
        seq = max(used, default=0) + 1
        row.rounds.append(_round_row(seq, new_round))
        _touch(row, now)
        return application_from_row(row)

    async def replace_round(
        self, application_id: int, seq: int, new_round: NewRound, now: datetime
    ) -> Application:
        row = await self._load_for_update(application_id)
        # Changed in place (nothing refers to a round's id but its interviewers).
        corrected = next(r for r in row.rounds if r.seq == seq)
        corrected.kind = RoundKind(new_round.kind).value
        corrected.starts_at, corrected.ends_at = new_round.starts_at, new_round.ends_at
        people = [(p.name, p.title) for p in new_round.interviewers]
        if [(i.name, i.title) for i in corrected.interviewers] != people:
            if corrected.interviewers:
                corrected.interviewers.clear()
                await self._session.flush()  # their (round, position) must be free first
            corrected.interviewers.extend(_interviewer_rows(new_round))
        _touch(row, now)
        return application_from_row(row)

    async def remove_round(self, application_id: int, seq: int, now: datetime) -> Application:
        row = await self._load_for_update(application_id)
        row.rounds.remove(next(r for r in row.rounds if r.seq == seq))
        _touch(row, now)
        return application_from_row(row)

    async def add_event(self, application_id: int, event: Event) -> Application:
        """Append an event; a STATUS event also sets the application's status."""
        row = await self._load_for_update(application_id)
        seq = max((e.seq for e in row.events), default=0) + 1
        row.events.append(
            EventRow(
                seq=seq,
                kind=EventKind(event.kind).value,
                at=event.at,
                cycle=event.cycle,
                step=event.step.value if event.step else None,
                agreed_date=event.agreed_date,
                until=event.until,
                status=event.status.value if event.status else None,
                note=event.note,
                person=event.person,
                task=event.task,
            )
        )
        if event.kind == EventKind.STATUS and event.status is not None:
            row.status = Status(event.status).value
        _touch(row, event.at)
        return application_from_row(row)

    async def delete(self, application_id: int) -> None:
        """Delete the application; the database cascades to rounds, interviewers, events and
        nudges."""
        self._rows.pop(application_id, None)
        await self._session.execute(
            delete(ApplicationRow).where(ApplicationRow.id == application_id)
        )

    async def _load_one(
        self, stmt: Select[ApplicationRow], values: dict[str, int]
    ) -> ApplicationRow | None:
        row = (await self._session.execute(stmt, values)).unique().scalar_one_or_none()
        if row is not None:
            # The session's identity map only holds weak references: keep the rows of this
            # unit of work so a write right after a read needn't load them again.
            self._rows[row.id] = row
        return row

    async def _load_for_update(self, application_id: int) -> ApplicationRow:
        # Lock the row first (PostgreSQL; SQLite transactions already hold the write lock) so
        # two processes can't hand out the same round or event number.
        if dialect_name(self._session) == "sqlite":
            # The transaction began IMMEDIATE and holds SQLite's write lock: a row this session
            # already loaded is current, so there is nothing to lock or reload.
            cached = self._rows.get(application_id)
            if cached is not None:
                return cached
        values = {"application_id": application_id}
        if (await self._session.execute(_LOCK, values)).scalar_one_or_none() is None:
            raise LookupError(f"no application with id {application_id}")
        row = await self._load_one(_BY_ID, values)
        if row is None:
            raise LookupError(f"no application with id {application_id}")
        return row


def _reads(where: ColumnElement[bool]) -> tuple[Select[Any], Select[Any]]:
    """The two statements `SqlApplicationRepository._read` sends for a condition on
    `applications`: the applications with their rounds and interviewers, then their events."""
    a, r, i, e = APPS, ROUNDS, INTERVIEWERS, EVENTS
    shaped = (
        select(
            a.c.id, a.c.user_id, a.c.number, a.c.company, a.c.role, a.c.status, a.c.created_at,
            r.c.id, r.c.seq, r.c.kind, r.c.starts_at, r.c.ends_at, i.c.name, i.c.title,
        )
        .outerjoin(r, r.c.application_id == a.c.id)
        .outerjoin(i, i.c.round_id == r.c.id)
        .where(where)
        .order_by(a.c.number, r.c.seq, i.c.position)
    )
    evented = (
        select(
            e.c.application_id,
            e.c.kind,
            e.c.at,
            e.c.cycle,
            e.c.step,
            e.c.agreed_date,
            e.c.until,
            e.c.status,
            e.c.note,
            e.c.person,
            e.c.task,
        )
        .join(a, a.c.id == e.c.application_id)
        .where(where)
        .order_by(e.c.application_id, e.c.seq)
    )
    return shaped, evented


# The statements commands send every time, built once (with their cache keys) rather than per
# call: building one costs about as much as SQLite takes to run it.
_LOADED = (
    select(ApplicationRow)
    .options(
        # Rounds and their interviewers are few: one joined query; events go separately so the
        # join doesn't multiply rows.
        joinedload(ApplicationRow.rounds).joinedload(RoundRow.interviewers),
        selectinload(ApplicationRow.events),
    )
    .execution_options(populate_existing=True)
)
_BY_ID = _LOADED.where(ApplicationRow.id == bindparam("application_id"))
_BY_NUMBER = _LOADED.where(
    ApplicationRow.user_id == bindparam("user_id"), ApplicationRow.number == bindparam("number")
)


def _for_user(active_only: bool, due_by: bool) -> ColumnElement[bool]:
    where = APPS.c.user_id == bindparam("user_id")
    if active_only:
        where = and_(where, APPS.c.status == Status.ACTIVE.value)
    if due_by:
        due = bindparam("due_by", type_=APPS.c.plan_due_at.type)
        where = and_(where, or_(APPS.c.plan_due_at.is_(None), APPS.c.plan_due_at <= due))
    return where


# `_read`'s statements: by ids (an expanding list, bound at each execution: a dispatch batch's
# applications), and a person's (only the active ones? only those due by a time?).
_READ_BY_IDS = _reads(APPS.c.id.in_(bindparam("ids", expanding=True)))
_READ_FOR_USER = {
    (active, due): _reads(_for_user(active, due))
    for active in (False, True)
    for due in (False, True)
}
_LOCK = (
    select(ApplicationRow.id)
    .where(ApplicationRow.id == bindparam("application_id"))
    .with_for_update()
)
_SET_PLAN_DUE = update(APPS).where(APPS.c.id == bindparam("b_id")).values(
    plan_due_at=bindparam("b_due")
)


def _touch(row: ApplicationRow, at: datetime) -> None:
    """Note that the application changed at `at`. Changes to a loaded row are not flushed at
    once: the session flushes them before its next statement (every statement, Core ones
    included), so nothing reads them stale, and a change to the row itself (status, updated_at)
    goes in one UPDATE with the plan's due time recorded right after every change."""
    row.updated_at = max(row.updated_at, at)


def _round_seq(cycle: str) -> int:
    """The round number a cycle such as `r3` names (0 for any other cycle)."""
    return int(cycle[1:]) if cycle[:1] == "r" and cycle[1:].isdigit() else 0


def _round_row(seq: int, new_round: NewRound) -> RoundRow:
    return RoundRow(
        seq=seq,
        kind=RoundKind(new_round.kind).value,
        starts_at=new_round.starts_at,
        ends_at=new_round.ends_at,
        interviewers=_interviewer_rows(new_round),
    )


def _interviewer_rows(new_round: NewRound) -> list[InterviewerRow]:
    return [
        InterviewerRow(position=position, name=person.name, title=person.title)
        for position, person in enumerate(new_round.interviewers)
    ]


def application_from_row(row: ApplicationRow) -> Application:
    return Application(
        id=row.id,
        user_id=row.user_id,
        number=row.number,
        company=row.company,
        role=row.role,
        status=Status(row.status),
        created_at=as_utc(row.created_at),
        rounds=tuple(
            Round(
                seq=r.seq,
                kind=RoundKind(r.kind),
                starts_at=as_utc(r.starts_at),
                ends_at=as_utc(r.ends_at),
                interviewers=tuple(
                    Interviewer(name=i.name, title=i.title)
                    for i in sorted(r.interviewers, key=lambda i: i.position)
                ),
            )
            for r in sorted(row.rounds, key=lambda r: r.seq)
        ),
        events=tuple(
            Event(
                kind=EventKind(e.kind),
                at=as_utc(e.at),
                cycle=e.cycle,
                step=Step(e.step) if e.step else None,
                agreed_date=e.agreed_date,
                until=as_utc_or_none(e.until),
                status=Status(e.status) if e.status else None,
                note=e.note,
                person=e.person,
                task=e.task,
            )
            for e in sorted(row.events, key=lambda e: e.seq)
        ),
    )
