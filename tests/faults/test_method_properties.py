"""The method's invariants as properties over random histories: rounds logged in any order
(back-filled or ahead), emails sent (for one person or all, with or without an agreed date),
skipped, snoozed, replies heard, rejections, and the clock moving in between, in timezones
with and without daylight saving, with varied nudge hours, quiet hours and weekends.

Events are made the way the command handlers make them (from the plan's current task), so a
history here is one a person could produce. At every step, and at moments after it with
nothing logged, these hold:

- liveness: an active application has a nudge still ahead, an email still pending that will
  lapse by itself, or a stated reason why nothing is planned; long after the last event only a
  nudge ahead or a reason is left;
- deadlines a person can meet: every send-by lies after the nudge that announces it, and at a
  time the bot could deliver (no quiet hours, no day off), and so does every nudge;
- every round is thanked: a round whose thank-you hasn't been sent, skipped or lapsed has it
  pending, however many rounds are logged after it;
- the schedule is consistent in time: what is planned now for later is exactly what will be
  planned then, so the stored nudges need no re-planning as time passes; keys are unique;
- the replay cache is invisible: through any history, with rounds moved or removed, events
  edited or dropped and settings changed along the way, every plan equals the plan replayed
  from nothing, at every moment.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import method
from bot.domain import (
    Application,
    DeliverySettings,
    Event,
    EventKind,
    Interviewer,
    NudgeKind,
    Plan,
    Round,
    RoundKind,
    Status,
)
from bot.method import current_cycle, next_rejection_cycle, plan
from bot.timing import deliverable, local

START = datetime(2026, 3, 20, 9, 30, tzinfo=UTC)  # a week before Europe's switch to summer time
LATER = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=8),
    timedelta(days=30),
    timedelta(days=75),
)
LONG_AFTER = timedelta(days=400)

zones = st.sampled_from(
    ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Pacific/Auckland"]
)
delivery = st.builds(
    lambda tz, hour, quiet, weekends: DeliverySettings(
        tz, time(hour, 0), quiet[0], quiet[1], weekends
    ),
    zones,
    st.integers(8, 11),
    st.sampled_from(
        [(time(20), time(8)), (time(22), time(7, 30)), (time(0), time(0)), (time(13), time(14))]
    ),
    st.booleans(),
)
people = st.lists(
    st.sampled_from(["Jane Doe", "Sam Lee", "Rita Ora", "Bob Stone"]), max_size=3, unique=True
)
actions = st.one_of(
    st.tuples(st.just("round"), st.integers(-72, 240), st.sampled_from(list(RoundKind)), people),
    st.tuples(st.just("sent"), st.booleans(), st.one_of(st.none(), st.integers(0, 40))),
    st.tuples(st.just("skip")),
    st.tuples(st.just("snooze"), st.integers(1, 300)),
    st.tuples(st.just("heard"), st.one_of(st.none(), st.integers(1, 30))),
    st.tuples(st.just("advance"), st.integers(1, 24 * 45)),
    st.tuples(st.just("reject")),
)


def _round(seq: int, start: datetime, kind: RoundKind, names: list[str]) -> Round:
    return Round(seq, kind, start, start + timedelta(hours=1), tuple(Interviewer(n) for n in names))


def _apply(
    app: Application, action: tuple[Any, ...], s: DeliverySettings, now: datetime
) -> tuple[Application, datetime]:
    """One command, made into events as its handler makes them."""
    kind = action[0]
    if kind == "advance":
        return app, now + timedelta(hours=action[1])
    if kind == "round":
        if app.status is not Status.ACTIVE:
            return app, now
        used = [r.seq for r in app.rounds] + [
            int(e.cycle[1:]) for e in app.events if e.cycle[1:].isdigit()
        ]
        start = now.replace(minute=0) + timedelta(hours=action[1])
        return replace(
            app, rounds=app.rounds + (_round(max(used) + 1, start, action[2], action[3]),)
        ), now
    if kind == "reject":
        if app.status is not Status.ACTIVE:
            return app, now
        event = Event(EventKind.STATUS, now, next_rejection_cycle(app), status=Status.REJECTED)
        return replace(app, status=Status.REJECTED, events=app.events + (event,)), now
    if kind == "heard":
        agreed = local(now, s).date() + timedelta(days=action[1]) if action[1] else None
        event = Event(EventKind.HEARD, now, current_cycle(app, now) or "r0", agreed_date=agreed)
        return replace(app, events=app.events + (event,)), now
    task = plan(app, s, now).current
    if task is None:
        return app, now
    if kind == "sent":
        person = task.people[0].name if action[1] and task.people else None
        agreed = local(now, s).date() + timedelta(days=action[2]) if action[2] is not None else None
        event = Event(
            EventKind.SENT,
            now,
            task.cycle,
            step=task.step,
            agreed_date=agreed,
            person=person,
            task=task.key,
        )
    elif kind == "skip":
        event = Event(EventKind.SKIPPED, now, task.cycle, step=task.step, task=task.key)
    else:
        current = plan(app, s, now)
        ahead = task.check_key and any(
            n.task == task.check_key and n.due_at > now for n in current.nudges
        )
        target = task.check_key if ahead else task.key
        until = deliverable(now + timedelta(hours=action[1]), s)
        event = Event(EventKind.SNOOZED, now, task.cycle, step=task.step, until=until, task=target)
    return replace(app, events=app.events + (event,)), now


def _check_moment(app: Application, s: DeliverySettings, at: datetime) -> Plan:
    p = plan(app, s, at)
    keys = [n.key for n in p.nudges]
    assert len(keys) == len(set(keys)), keys
    if app.status is Status.ACTIVE or p.tasks:
        ahead = any(n.due_at > at for n in p.nudges)
        will_lapse = any(t.lapse_at is not None and t.lapse_at > at for t in p.tasks)
        assert ahead or will_lapse or p.closed_reason, (at, p)
    for nudge in p.nudges:
        if nudge.due_at > at:
            assert deliverable(nudge.due_at, s) == nudge.due_at, (
                "nudge in quiet hours or on a day off",
                nudge,
            )
        if nudge.send_by is not None:
            # The nudge that announces a deadline comes before it; the one reminder comes at it.
            announces = nudge.kind is NudgeKind.DUE
            assert nudge.send_by > nudge.due_at if announces else nudge.send_by == nudge.due_at, (
                nudge
            )
            assert deliverable(nudge.send_by, s) == nudge.send_by, (
                "send-by the bot couldn't nudge at",
                nudge,
            )
    for task in p.tasks:
        if task.send_by is not None:
            assert task.send_by > task.due_at, task
    return p


def _check(app: Application, s: DeliverySettings, now: datetime, owed: set[str]) -> None:
    p = _check_moment(app, s, now)
    pending = {t.key for t in p.tasks}
    if app.status is Status.ACTIVE:
        acted_on = app.events[-1].task if app.events else None
        for key in owed:  # a pending thank-you stays pending, whatever else is logged
            assert key in pending or key == acted_on, (key, p)
    for offset in LATER:
        later = _check_moment(app, s, now + offset)
        # Consistent in time: what was planned now for after `now + offset` is planned then too.
        expected = {(n.key, n.due_at) for n in p.nudges if n.due_at > now + offset}
        actual = {(n.key, n.due_at) for n in later.nudges if n.due_at > now + offset}
        assert expected == actual, (now + offset, expected ^ actual)
    far = plan(app, s, now + LONG_AFTER)
    if app.status is Status.ACTIVE or far.tasks:
        assert far.closed_reason or any(n.due_at > now + LONG_AFTER for n in far.nudges), far


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    s=delivery,
    first_offset=st.integers(-48, 72),
    first_kind=st.sampled_from(list(RoundKind)),
    first_people=people,
    steps=st.lists(actions, max_size=14),
)
def test_no_plan_goes_quiet_and_every_deadline_can_be_met(
    s: DeliverySettings,
    first_offset: int,
    first_kind: RoundKind,
    first_people: list[str],
    steps: list[tuple[Any, ...]],
) -> None:
    now = START
    first = _round(
        1, now.replace(minute=0) + timedelta(hours=first_offset), first_kind, first_people
    )
    app = Application(1, 1, 1, "Acme", "Engineer", Status.ACTIVE, now, rounds=(first,))
    _check(app, s, now, set())
    for action in steps:
        # Time moving may lapse a thank-you; any other command must leave the others pending.
        owed = (
            set()
            if action[0] == "advance"
            else {t.key for t in plan(app, s, now).tasks if t.variant.is_thank_you}
        )
        app, now = _apply(app, action, s, now)
        _check(app, s, now, owed)


def test_the_property_sees_an_ignored_value_add() -> None:
    """The first defect it must catch: thank-you sent, value-add ignored, and then silence."""
    s = DeliverySettings("Europe/Berlin")
    app = Application(
        1,
        1,
        1,
        "Acme",
        "Engineer",
        Status.ACTIVE,
        START,
        rounds=(_round(1, START - timedelta(hours=3), RoundKind.INTERVIEW, ["Jane"]),),
    )
    app, now = _apply(app, ("sent", False, None), s, START)
    app, now = _apply(app, ("advance", 60 * 24), s, now)
    _check(app, s, now, set())
    arrived = [n for n in plan(app, s, START).nudges if n.due_at <= now]
    assert {n.kind.value for n in arrived} >= {"due", "silence-check"}


edits = st.one_of(
    st.tuples(st.just("move round"), st.integers(0, 5), st.integers(-48, 48)),
    st.tuples(st.just("drop round"), st.integers(0, 5)),
    st.tuples(st.just("edit event"), st.integers(0, 20), st.integers(-30, 30)),
    st.tuples(st.just("drop event"), st.integers(0, 20)),
    st.tuples(st.just("settings"), delivery),
)


def _edit(
    app: Application, edit: tuple, s: DeliverySettings
) -> tuple[Application, DeliverySettings]:  # type: ignore[type-arg]
    """A change to what is already logged (a round moved or removed, an event's date or
    deadline changed in place, an event gone) or to the person's settings. The last round
    and status changes stay (an application keeps a round, a status its event)."""
    kind = edit[0]
    if kind == "settings":
        return app, edit[1]
    if kind in ("move round", "drop round"):
        index = edit[1] % len(app.rounds)
        rounds = list(app.rounds)
        if kind == "drop round":
            if len(rounds) == 1:
                return app, s  # an application keeps its first round
            del rounds[index]
        else:
            moved = timedelta(hours=edit[2])
            rounds[index] = replace(
                rounds[index],
                starts_at=rounds[index].starts_at + moved,
                ends_at=rounds[index].ends_at + moved,
            )
        return replace(app, rounds=tuple(rounds)), s
    events = list(app.events)
    # a status is the status
    editable = [i for i, e in enumerate(events) if e.kind is not EventKind.STATUS]
    if not editable:
        return app, s
    index = editable[edit[1] % len(editable)]
    if kind == "drop event":
        del events[index]
    else:
        shift = timedelta(days=edit[2])
        old = events[index]
        events[index] = replace(
            old,
            agreed_date=(old.agreed_date or local(old.at, s).date()) + shift,
            until=old.until + shift if old.until is not None else None,
        )
    return replace(app, events=tuple(events)), s


def _same_as_from_nothing(app: Application, s: DeliverySettings, now: datetime) -> None:
    """At `now`, later, and on either side of every instant the plan could change at (a
    round's start, a nudge's due time, a task's lapse)."""
    edges = {r.starts_at for r in app.rounds}
    for p in (plan(app, s, now, cached=False), plan(app, s, now + LONG_AFTER, cached=False)):
        edges |= {n.due_at for n in p.nudges} | {
            t.lapse_at for t in p.tasks if t.lapse_at is not None
        }
    tick = timedelta(microseconds=1)
    for at in (now, *(now + offset for offset in LATER), *edges, *(edge - tick for edge in edges)):
        assert plan(app, s, at) == plan(app, s, at, cached=False), at


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    s=delivery,
    first_offset=st.integers(-48, 72),
    first_people=people,
    steps=st.lists(st.one_of(actions, edits), max_size=16),
)
def test_every_cached_plan_equals_the_plan_replayed_from_nothing(
    s: DeliverySettings, first_offset: int, first_people: list[str], steps: list[tuple]  # type: ignore[type-arg]
) -> None:
    now = START
    first = _round(
        1, now.replace(minute=0) + timedelta(hours=first_offset), RoundKind.INTERVIEW, first_people
    )
    app = Application(1, 1, 1, "Acme", "Engineer", Status.ACTIVE, now, rounds=(first,))
    _same_as_from_nothing(app, s, now)
    for step in steps:
        if step[0] in ("move round", "drop round", "edit event", "drop event", "settings"):
            app, s = _edit(app, step, s)
        else:
            app, now = _apply(app, step, s, now)
        _same_as_from_nothing(app, s, now)


def test_an_event_changed_in_place_is_replayed_again() -> None:
    """Same number of events, one of them with another agreed date: a new replay, not the
    one kept for the old history."""
    s = DeliverySettings("Europe/Berlin")
    rnd = _round(1, START - timedelta(hours=3), RoundKind.INTERVIEW, ["Jane"])
    app = Application(1, 1, 1, "Acme", "Engineer", Status.ACTIVE, START, rounds=(rnd,))
    app, now = _apply(app, ("sent", False, 10), s, START)
    before = plan(app, s, now)
    sent = app.events[0]
    edited = replace(app, events=(replace(sent, agreed_date=sent.agreed_date + timedelta(days=5)),))
    after = plan(edited, s, now)
    assert after == plan(edited, s, now, cached=False)
    assert [n.due_at for n in after.nudges] != [n.due_at for n in before.nudges]


def test_an_application_read_again_reuses_its_replay() -> None:
    """Read from the database afresh, equal but not the same objects: the kept replay serves."""
    s = DeliverySettings("Europe/Berlin")
    rnd = _round(1, START - timedelta(hours=3), RoundKind.PANEL, ["Jane", "Sam"])
    app = Application(7, 1, 1, "Acme", "Engineer", Status.ACTIVE, START, rounds=(rnd,))
    app, now = _apply(app, ("sent", True, None), s, START)
    plan(app, s, now)
    hits = method._histories.cache_info().hits
    again = replace(
        app,
        rounds=tuple(replace(r) for r in app.rounds),
        events=tuple(replace(e) for e in app.events),
    )
    assert again.rounds[0] is not app.rounds[0]
    assert plan(again, s, now + timedelta(days=2)) == plan(
        again, s, now + timedelta(days=2), cached=False
    )
    assert method._histories.cache_info().hits == hits + 1
