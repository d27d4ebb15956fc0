"""The dispatcher's render of a due nudge, as a property over random histories: whatever it
takes to make it cheap, the message it renders is the message rendered from the full plan
(`nudge_message(nudge, app, plan(...), ...)`, the history replayed from nothing), and what it
reads of the plan (`outlook`) is that plan without its schedule — for nudges the plan has now,
nudges it planned earlier and no longer has, and nudges delivered on time, late or very late,
in any timezone and with any delivery settings.

Histories are made the way the command handlers make them (`test_method_properties`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import method
from bot.dispatcher import Dispatcher
from bot.domain import (
    Application,
    DeliverySettings,
    Nudge,
    NudgeState,
    PlannedNudge,
    RoundKind,
    Status,
    User,
)
from bot.method import outlook, plan
from bot.nudge_message import nudge_message
from tests.faults.test_method_properties import START, _apply, _round, actions, delivery, people

LATENESS = st.sampled_from(
    [timedelta(0), timedelta(minutes=1), timedelta(hours=2), timedelta(days=3), timedelta(days=60)]
)


def _stored(planned: PlannedNudge, app: Application, number: int) -> Nudge:
    """The row storage keeps for a planned nudge."""
    return Nudge(
        id=number,
        application_id=app.id,
        user_id=app.user_id,
        key=planned.key,
        step=planned.step,
        kind=planned.kind,
        due_at=planned.due_at,
        state=NudgeState.PENDING,
        send_by=planned.send_by,
        no_agreed_date=planned.no_agreed_date,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    s=delivery,
    first_offset=st.integers(-48, 72),
    first_kind=st.sampled_from(list(RoundKind)),
    first_people=people,
    steps=st.lists(actions, max_size=12),
    lateness=st.lists(LATENESS, min_size=1, max_size=4),
)
def test_the_dispatcher_renders_every_nudge_as_the_full_plan_does(
    s: DeliverySettings,
    first_offset: int,
    first_kind: RoundKind,
    first_people: list[str],
    steps: list[tuple[Any, ...]],
    lateness: list[timedelta],
) -> None:
    now = START
    first = _round(
        1, now.replace(minute=0) + timedelta(hours=first_offset), first_kind, first_people
    )
    app = Application(3, 5, 2, "Acme & <Co>", "Engineer *1*", Status.ACTIVE, now, rounds=(first,))
    user = User(5, "console", "w", "u5", "Pat", s)
    planned: dict[str, PlannedNudge] = {}  # every nudge planned along the way, by key
    for action in (*steps, ("advance", 1)):
        planned |= {n.key: n for n in plan(app, s, now, cached=False).nudges}
        app, now = _apply(app, action, s, now)
    for number, nudge in enumerate(planned.values(), start=1):
        stored = _stored(nudge, app, number)
        for late in lateness:
            at = max(now, nudge.due_at) + late
            whole = plan(app, s, at, cached=False)
            assert outlook(app, s, at) == replace(whole, nudges=(), done=()), at
            full = nudge_message(stored, app, whole, s, at)
            assert Dispatcher.render(stored, app, user, at) == full, (nudge, at)


def test_rendering_keeps_no_replay() -> None:
    """A sweep through thousands of applications leaves the replays kept for the people
    using the bot where they are."""
    s = DeliverySettings("Europe/Berlin")
    first = _round(1, START - timedelta(hours=3), RoundKind.INTERVIEW, ["Jane"])
    app = Application(9, 5, 1, "Acme", "Engineer", Status.ACTIVE, START, rounds=(first,))
    nudge = _stored(plan(app, s, START, cached=False).nudges[0], app, 1)
    kept = method._histories.cache_info().currsize
    Dispatcher.render(nudge, app, User(5, "console", "w", "u5", "Pat", s), START)
    assert method._histories.cache_info().currsize == kept
