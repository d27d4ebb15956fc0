"""The whole core — parser, handlers, method, storage, dispatcher — driven by hypothesis
through random sequences of commands, button presses and clock moves, with the schedule's
invariants checked after every step:

- the stored pending nudges of every application are exactly what the method plans for it
  now (less the keys already delivered or failed), at the planned times: nothing stale;
- an application with an offer or a withdrawal has no pending nudge;
- at most one pending DUE nudge per application, step and cycle;
- the follow-up budget is never negative (nor above the method's maximum);
- no nudge outlives its application, and nothing at all is left of a forgotten user;
- text with control characters, invisible and bidirectional characters, lone surrogates and
  Slack or Discord markup is answered (never the "something went wrong" reply) and stored
  without a single invisible character.

Each example is a new user on one shared database (a fresh database per example would cost
a migration each); other examples' leftovers only add traffic for the dispatcher.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.domain import Identity, NudgeKind, NudgeState, Status
from bot.method import FOLLOW_UP_BUDGET, plan
from storage.models import ApplicationRow, NudgeRow
from tests.harness import World, make_world

WHENS = ("yesterday 10:00", "today 15:00", "tomorrow 10:00", "in 3 days", "2 days ago 14:00")
KINDS = ("phone", "interview", "hiring-manager", "panel", "final")
ids = st.integers(min_value=1, max_value=3)
# What people paste: markup of both platforms, mentions, formulas, and characters nobody sees.
MARKUP = st.sampled_from(
    (
        "*b*",
        "_i_",
        "~s~",
        "`c`",
        "```",
        "**B**",
        "||sp||",
        "[x](https://e.example)",
        "<!channel>",
        "@everyone",
        "=1+1",
        "> q",
        "# h",
    )
)
INVISIBLE = st.characters(categories=("Cc", "Cf", "Cs"))
HOSTILE = st.lists(
    st.one_of(MARKUP, INVISIBLE, st.text(alphabet="abc ,", max_size=3)), min_size=1, max_size=8
).map("".join)

COMMANDS = st.one_of(
    st.builds(
        lambda c, r, w, p: f"add X{c}; R{r}; {w}; P{p}",
        HOSTILE,
        HOSTILE,
        st.sampled_from(WHENS),
        HOSTILE,
    ),
    st.builds(
        lambda n, w, p: f"round {n}; {w}; interview; Q{p}", ids, st.sampled_from(WHENS), HOSTILE
    ),
    st.builds(lambda n, note: f"heard {n} {note}", ids, HOSTILE),
    st.builds(
        lambda k, w: f"add Company {k}; Engineer; {w}; Jane Doe, Manager",
        st.integers(0, 9),
        st.sampled_from(WHENS),
    ),
    st.builds(
        lambda n, w, k: f"round {n}; {w}; {k}; Sam Lee",
        ids,
        st.sampled_from(WHENS),
        st.sampled_from(KINDS),
    ),
    st.builds(lambda n: f"sent {n}", ids),
    st.builds(
        lambda n, w: f"sent {n} next {w}",
        ids,
        st.sampled_from(("in 5 days", "next tuesday", "in 2 weeks")),
    ),
    st.builds(lambda n: f"heard {n} they answered", ids),
    st.builds(lambda n, d: f"snooze {n} {d}", ids, st.sampled_from(("1d", "3d", "2w"))),
    st.builds(lambda n: f"skip {n}", ids),
    st.builds(
        lambda n, s: f"status {n} {s}",
        ids,
        st.sampled_from(("active", "offer", "rejected", "withdrawn")),
    ),
    st.builds(lambda n: f"delete {n}", ids),
    st.sampled_from(
        (
            "settings tz America/New_York",
            "settings tz Asia/Tokyo",
            "settings weekends on",
            "settings weekends off",
            "settings hour 07:30",
            "settings quiet 21:00-07:00",
            "list",
            "today",
        )
    ),
)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("say"), COMMANDS),
        st.tuples(st.just("advance"), st.sampled_from((1, 5, 24, 72, 24 * 14, 24 * 50))),  # hours
        st.tuples(st.just("press"), st.integers(0, 4)),
        st.tuples(st.just("forget"), st.booleans()),
    ),
    min_size=1,
    max_size=18,
)
_people = itertools.count(1)


@pytest.fixture(scope="module")
def shared_world_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"


@pytest.fixture
async def fuzz_world(shared_world_url: str) -> AsyncIterator[World]:
    world = await make_world(shared_world_url)
    try:
        yield world
    finally:
        await world.runtime.close()


async def check_forgotten(world: World, who: Identity, gone: int) -> None:
    """Nothing is left of a user just forgotten: no row with their id, not their name anywhere."""
    async with world.runtime.database.unit_of_work() as uow:
        session = uow.session  # type: ignore[attr-defined]
        left = (
            await session.execute(
                select(func.count()).select_from(NudgeRow).where(NudgeRow.user_id == gone)
            )
        ).scalar_one()
        left += (
            await session.execute(
                select(func.count())
                .select_from(ApplicationRow)
                .where(ApplicationRow.user_id == gone)
            )
        ).scalar_one()
        assert left == 0 and await uow.users.get(gone) is None, "rows of a forgotten user remain"
    assert who.user_id not in await world.dump()


async def check_invariants(world: World, who: Identity) -> None:
    now = world.clock.now()
    async with world.runtime.database.unit_of_work() as uow:
        user = await uow.users.find(who)
        session = uow.session  # type: ignore[attr-defined]
        orphans = (await session.execute(
            select(func.count()).select_from(NudgeRow).where(~NudgeRow.application_id.in_(select(ApplicationRow.id)))
        )).scalar_one()
        assert orphans == 0, "a nudge outlived its application"
        if user is None:
            return
        for app in await uow.applications.list_for_user(user.id):
            nudges = await uow.nudges.for_application(app.id)
            the_plan = plan(app, user.settings, now)
            assert 0 <= the_plan.budget_left <= FOLLOW_UP_BUDGET
            pending = {n.key: n for n in nudges if n.state is NudgeState.PENDING}
            settled = {n.key for n in nudges if n.state is not NudgeState.PENDING}
            planned = {p.key: p for p in the_plan.nudges if p.key not in settled}
            assert set(pending) == set(planned), (
                f"{app.label} at {now}: stored {sorted(pending)} ≠ planned {sorted(planned)}"
            )
            for key, p in planned.items():
                if p.due_at > now:
                    assert pending[key].due_at == p.due_at, (
                        f"{app.label}: {key} stored for {pending[key].due_at}, planned {p.due_at}"
                    )
            if app.status in (Status.OFFER, Status.WITHDRAWN):
                assert not pending, f"{app.label} is closed ({app.status}) but has pending nudges"
            per_step = Counter(
                (n.step, n.key.split(":")[0]) for n in pending.values() if n.kind is NudgeKind.DUE
            )
            assert all(count == 1 for count in per_step.values()), (
                f"{app.label}: two pending DUE nudges for one step: {per_step}"
            )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
async def test_invariants_hold_over_random_sequences(
    fuzz_world: World, steps: list[tuple[str, object]]
) -> None:
    world = fuzz_world
    who = Identity(
        "console",
        "local",
        f"fuzz-{next(_people)}-person",
        display_name="Fuzz",
        timezone="Europe/Berlin",
    )
    for kind, arg in steps:
        if kind == "say":
            reply = await world.say(who, str(arg))
            assert not reply.title.startswith("Something went wrong"), (arg, reply)
        elif kind == "advance":
            await world.advance(timedelta(hours=int(str(arg))))
        elif kind == "press":
            mine = [
                m for u, m in world.notifier.delivered if u.external_id == who.user_id and m.actions
            ]
            if mine and int(str(arg)) < len(mine[-1].actions):
                await world.press(who, mine[-1].actions[int(str(arg))].id)
        elif kind == "forget":
            async with world.runtime.database.unit_of_work() as uow:
                user = await uow.users.find(who)
            reply = await world.say(who, "forget-me")
            wanted = "fu:forget:" if arg else "fu:forget-cancel:"
            confirm = next((a.id for a in reply.actions if a.id.startswith(wanted)), None)
            if confirm is not None:
                await world.press(who, confirm)
                if arg and user is not None:
                    await check_forgotten(world, who, user.id)  # speaking again makes a new user
        await check_invariants(world, who)
    dump = await world.dump()
    assert all(ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in dump), (
        "an invisible character was stored"
    )
