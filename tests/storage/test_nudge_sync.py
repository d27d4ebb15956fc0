"""`sync` as a property: after any sequence of plans (and of nudges claimed, sent or failed in
between), the stored nudges of each application are exactly what the rule says, on both
backends: a new key is inserted pending, due `now` at the latest; a pending key still planned
takes the plan's fields and keeps its id, and its due time too when that is earlier than a
planned time already past; a pending key no longer planned is deleted; a claimed, sent or
failed row is never touched, and its key never inserted again. Other applications' nudges are
left alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from bot.domain import Application, NudgeKind, NudgeState, PlannedNudge, Step
from storage.columns import as_utc
from storage.database import Database
from storage.models import NudgeRow
from tests.storage.helpers import NOW, first_round, make_application, make_user

KEYS = ("a", "b", "c", "d")
SETTLED = (NudgeState.CLAIMED, NudgeState.SENT, NudgeState.FAILED)


@dataclass
class Stored:
    """What the rule says one stored nudge is."""

    state: str
    step: str
    kind: str
    cycle: str
    due_at: datetime
    send_by: datetime | None
    no_agreed_date: bool
    id: int | None = None  # learnt from the database once inserted; never changes after


PLANNED = st.builds(
    PlannedNudge,
    st.sampled_from(KEYS),
    st.sampled_from((Step.THANK_YOU, Step.VALUE_ADD, Step.INSIGHT)),
    st.sampled_from((NudgeKind.DUE, NudgeKind.OVERDUE)),
    st.integers(-72, 72).map(lambda hours: NOW + timedelta(hours=hours)),
    st.sampled_from(("r1", "r2")),
    st.one_of(st.none(), st.just(NOW + timedelta(days=5))),
    st.booleans(),
)


@st.composite
def _operation(draw: st.DrawFn) -> tuple[object, ...]:
    """("settle", app, key, state): that nudge is claimed, sent or failed (if pending);
    ("plan", app, plan, hours): `hours` later, the application's plan is synced."""
    app = draw(st.integers(0, 1))
    if draw(st.integers(0, 3)) == 0:
        return ("settle", app, draw(st.sampled_from(KEYS)), draw(st.sampled_from(SETTLED)))
    plan = {p.key: p for p in draw(st.lists(PLANNED, max_size=4))}
    return ("plan", app, list(plan.values()), draw(st.integers(0, 48)))


def _expected(model: dict[str, Stored], plan: list[PlannedNudge], now: datetime) -> None:
    wanted = {p.key: p for p in plan}
    for key in [k for k, row in model.items() if row.state == "pending" and k not in wanted]:
        del model[key]
    for key, p in wanted.items():
        row = model.get(key)
        if row is None:
            model[key] = Stored(
                "pending", p.step.value, p.kind.value, p.cycle, max(p.due_at, now),
                p.send_by, p.no_agreed_date,
            )
        elif row.state == "pending":
            row.step, row.kind, row.cycle = p.step.value, p.kind.value, p.cycle
            row.send_by, row.no_agreed_date = p.send_by, p.no_agreed_date
            row.due_at = p.due_at if p.due_at >= now else min(row.due_at, now)


async def _stored(database: Database, app: Application) -> dict[str, Stored]:
    t = NudgeRow.__table__
    async with database.sessions() as session:
        rows = (await session.execute(select(t).where(t.c.application_id == app.id))).all()
    return {
        r.key: Stored(
            r.state, r.step, r.kind, r.cycle, as_utc(r.due_at),
            as_utc(r.send_by) if r.send_by else None, r.no_agreed_date, r.id,
        )
        for r in rows
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(_operation(), min_size=1, max_size=12))
async def test_sync_stores_what_the_rule_says(
    database: Database, operations: list[tuple[object, ...]]
) -> None:
    async with database.sessions() as session:
        await session.execute(NudgeRow.__table__.delete())
        await session.commit()
    user = await make_user(database, "sync-property")
    apps = [await make_application(database, user, company) for company in ("Acme", "Globex")]
    models: list[dict[str, Stored]] = [{}, {}]
    now = NOW
    for operation in operations:
        if operation[0] == "settle":
            _, index, key, state = operation
            assert isinstance(index, int) and isinstance(key, str)
            row = models[index].get(key)
            if row is None or row.state != "pending":
                continue
            row.state = NudgeState(state).value
            async with database.sessions() as session:
                await session.execute(
                    update(NudgeRow).where(NudgeRow.id == row.id).values(state=row.state)
                )
                await session.commit()
            continue
        _, index, plan, hours = operation
        assert isinstance(index, int) and isinstance(plan, list) and isinstance(hours, int)
        now += timedelta(hours=hours)
        async with database.unit_of_work() as uow:
            await uow.nudges.sync(apps[index], plan, now)
            await uow.commit()
        _expected(models[index], plan, now)
        for i, app in enumerate(apps):
            stored = await _stored(database, app)
            for key, row in models[i].items():
                if row.id is None and key in stored:
                    row.id = stored[key].id  # inserted just now
            assert stored == models[i], (i, operation)


async def test_sync_many_is_sync_for_each_application(database: Database) -> None:
    """Many applications at once (more than one DELETE's worth of bound parameters): each
    ends as `sync` alone would leave it."""
    user = await make_user(database, "many")
    async with database.unit_of_work() as uow:
        apps = [
            await uow.applications.create(user.id, f"Co {n}", "Analyst", first_round(), NOW)
            for n in range(120)
        ]
        await uow.commit()

    def plan(n: int, keys: str, hours: int) -> list[PlannedNudge]:
        return [
            PlannedNudge(k, Step.THANK_YOU, NudgeKind.DUE, NOW + timedelta(hours=hours), "r1")
            for k in keys
        ]

    models: list[dict[str, Stored]] = [{} for _ in apps]
    for keys, hours, now in (("abc", 5, NOW), ("bd", -3, NOW + timedelta(hours=1))):
        plans = [plan(n, keys if n % 3 else keys[:1], hours + n % 5) for n in range(len(apps))]
        async with database.unit_of_work() as uow:
            await uow.nudges.sync_many(list(zip(apps, plans, strict=True)), now)
            await uow.commit()
        for model, planned in zip(models, plans, strict=True):
            _expected(model, planned, now)
    for app, model in zip(apps, models, strict=True):
        stored = await _stored(database, app)
        for row in stored.values():
            row.id = None
        assert stored == model, app.number


async def test_an_application_synced_twice_in_the_unit_of_work_that_created_it(
    database: Database,
) -> None:
    """Its first sync has nothing to drop; the second drops what the first stored."""
    user = await make_user(database, "twice")
    async with database.unit_of_work() as uow:
        app = await uow.applications.create(user.id, "Acme", "Analyst", first_round(), NOW)
        for keys in ("ab", "a"):
            await uow.nudges.sync(
                app, [PlannedNudge(k, Step.THANK_YOU, NudgeKind.DUE, NOW, "r1") for k in keys], NOW
            )
        await uow.commit()
    assert set(await _stored(database, app)) == {"a"}
