"""Per-person views stay bounded: `today` reads only the applications with something due
within its week (safely: a plan only ever drops nudges as time passes), Home reads the
person's applications once however many ways it shows them, and each view sends a few
statements in all, however many applications there are."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, update

from bot.domain import Application, DeliverySettings, Event, EventKind, Status, Step
from bot.handlers.context import earliest_due
from bot.method import plan
from storage.models import ApplicationRow
from tests.builders import application, interview
from tests.harness import World, person

ALICE = person("alice")
LATER = "add Globex; Analyst; 2026-12-20 10:00; Sam Roe"
NOW_ADD = "add Acme Corp; Data Engineer; today 10:00; Jane Doe"


@contextmanager
def statements(world: World, keep: Callable[[str], bool] = lambda _: True) -> Iterator[list[str]]:
    """Every statement the bot sends to the database (BEGIN included), in order; with `keep`,
    only those it keeps."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if keep(statement):
            seen.append(statement)

    engine = world.runtime.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def applications_reads(world: World) -> AbstractContextManager[list[str]]:
    """Every statement that reads the `applications` table itself (not a join from another)."""
    return statements(
        world,
        lambda sql: (
            bool(re.search(r"\bFROM applications\b", sql))
            and sql.lstrip().upper().startswith("SELECT")
        ),
    )


# On SQLite, the most statements each view may send: BEGIN, the person, the applications
# and their rounds, their events (and for `today`, the nudges that failed to arrive).
MOST_STATEMENTS = {"today": 5, "list": 4, "home": 4}


async def _statements_per_view(world: World) -> dict[str, int]:
    counts = {}
    for view in ("today", "list", "home"):
        with statements(world) as sent:
            if view == "home":
                board = await world.runtime.followup.home(ALICE)
                assert board.cards, board
            else:
                assert not (await world.say(ALICE, view)).is_error
        counts[view] = len(sent)
    return counts


async def test_each_view_sends_a_few_statements_however_many_applications(world: World) -> None:
    await world.say(ALICE, NOW_ADD)
    await world.say(ALICE, LATER)
    few = await _statements_per_view(world)
    for n in range(12):
        await world.say(ALICE, f"add Initech {n}; Analyst; today 0{n % 8}:00; Pat Lee {n}")
        await world.say(
            ALICE,
            f"sent {n + 3}"
            if n % 2
            else f"add Hooli {n}; Engineer; 2026-12-0{n % 9 + 1} 10:00; Kim {n}",
        )
    many = await _statements_per_view(world)
    assert many == few, (few, many)
    assert all(many[view] <= most for view, most in MOST_STATEMENTS.items()), many


async def test_a_strangers_home_is_one_look_up_and_stores_nothing(world: World) -> None:
    before = await world.row_counts()
    with statements(world) as sent:
        board = await world.runtime.followup.home(person("stranger"))
    assert board.summary.title == "Welcome to Followup" and not board.cards
    assert len(sent) <= 2, sent  # BEGIN and the look-up
    assert await world.row_counts() == before


async def test_today_leaves_out_what_is_not_due_this_week_and_shows_it_when_it_comes(
    world: World,
) -> None:
    await world.say(ALICE, NOW_ADD)
    await world.say(ALICE, LATER)
    today = await world.say(ALICE, "today")
    assert "#1 Acme Corp" in today.body and "Globex" not in today.body
    with applications_reads(world) as reads:
        await world.say(ALICE, "today")
    assert len(reads) == 1 and "plan_due_at" in reads[0]

    await world.advance(timedelta(days=22))
    later = await world.say(ALICE, "today")
    assert "#2 Globex: thank-you" in later.body and "Mon 21 Dec" in later.body, later.body


async def test_applications_stored_before_their_plan_was_recorded_are_still_shown(
    world: World,
) -> None:
    await world.say(ALICE, NOW_ADD)
    async with world.runtime.database.sessions() as session:
        await session.execute(update(ApplicationRow).values(plan_due_at=None))
        await session.commit()
    assert "#1 Acme Corp: thank-you" in (await world.say(ALICE, "today")).body


async def test_an_application_with_nothing_planned_is_never_read_by_today(world: World) -> None:
    await world.say(ALICE, NOW_ADD)
    await world.say(ALICE, "status 1 withdrawn")
    with applications_reads(world):
        today = await world.say(ALICE, "today")
    assert "Acme" not in today.body
    async with world.runtime.database.unit_of_work() as uow:
        user = await uow.users.find(ALICE)
        assert user is not None
        assert (
            await uow.applications.list_for_user(user.id, due_by=datetime(9000, 1, 1, tzinfo=UTC))
            == []
        )


async def test_home_reads_the_applications_once(world: World) -> None:
    await world.say(ALICE, NOW_ADD)
    await world.say(ALICE, LATER)
    await world.advance(timedelta(hours=5))
    with applications_reads(world) as reads:
        home = await world.runtime.followup.home(ALICE)
    assert len(reads) == 1, reads
    assert [card.company for card in home.cards] == ["Acme Corp", "Globex"]
    assert any(a.label == "Sent" for a in home.cards[0].actions)


_START = datetime(2026, 3, 2, 9, tzinfo=UTC)
_STEPS = [Step.THANK_YOU, Step.VALUE_ADD, Step.INSIGHT, Step.CLOSE_LOOP, Step.CHECK_BACK]


@st.composite
def _applications(draw: st.DrawFn) -> tuple[Application, DeliverySettings]:
    rounds = draw(st.integers(1, 3))
    starts = sorted(draw(st.lists(st.integers(0, 60 * 24 * 30), min_size=rounds, max_size=rounds)))
    made = [interview(_START + timedelta(minutes=m), seq=i + 1) for i, m in enumerate(starts)]
    events = []
    for _ in range(draw(st.integers(0, 6))):
        at = _START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 90)))
        cycle = f"r{draw(st.integers(1, rounds))}"
        kind = draw(
            st.sampled_from([EventKind.SENT, EventKind.SKIPPED, EventKind.HEARD, EventKind.SNOOZED])
        )
        step = draw(st.sampled_from(_STEPS))
        until = at + timedelta(days=draw(st.integers(1, 10))) if kind is EventKind.SNOOZED else None
        events.append(
            Event(kind, at, cycle, step=None if kind is EventKind.HEARD else step, until=until)
        )
    status = draw(st.sampled_from([Status.ACTIVE, Status.ACTIVE, Status.REJECTED, Status.OFFER]))
    if status is Status.REJECTED:
        events.append(
            Event(EventKind.STATUS, _START + timedelta(days=95), "rej1", status=Status.REJECTED)
        )
    tz = draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]))
    weekends = draw(st.booleans())
    return application(
        *made, events=tuple(sorted(events, key=lambda e: e.at)), status=status
    ), DeliverySettings(timezone=tz, weekends=weekends)


@settings(max_examples=300, deadline=None)
@given(
    case=_applications(), first=st.integers(0, 60 * 24 * 120), wait=st.integers(0, 60 * 24 * 120)
)
def test_nothing_in_a_later_plan_is_due_before_the_earliest_of_an_earlier_one(
    case: tuple[Application, DeliverySettings], first: int, wait: int
) -> None:
    """What `today` relies on to read only applications due soon: as time passes, an unchanged
    application's plan never gains an email or nudge due before the earliest it had."""
    app, prefs = case
    earlier = _START + timedelta(minutes=first)
    before = earliest_due(plan(app, prefs, earlier))
    after = earliest_due(plan(app, prefs, earlier + timedelta(minutes=wait)))
    assert after is None or (before is not None and after >= before)
