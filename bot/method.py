"""The follow-up method as pure code: an application's history + settings + now → the plan.

One cycle of follow-ups starts at each interview round: the thank-you (for the first round
with the hiring manager it doubles as the insight email), then up to two unanswered
follow-ups (value-add, insight) on the dates the employer agreed to, then, if they stay
silent, a check at 3 weeks and the close-the-loop email at 6 weeks. A reply (`heard`)
restores the budget. A rejection starts its own cycle: close the loop next morning, check
back 90 days later. Offers and withdrawals end the plan.

Every planned nudge has a key that is stable while the plan for it does not change, so
storage can re-plan as often as it likes without ever delivering a nudge twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from bot.domain import (
    Application,
    DeliverySettings,
    Event,
    EventKind,
    NudgeKind,
    Plan,
    PlannedNudge,
    Round,
    RoundKind,
    Status,
    Step,
)
from bot.timing import add_local_days, at_local, at_nudge_hour, deliverable, local

FOLLOW_UP_BUDGET = 2
THANK_YOU_DELAY = timedelta(hours=1)
THANK_YOU_LATEST = time(17, 0)
THANK_YOU_SEND_BY = time(12, 0)
NO_DATE_GAP_DAYS = 7
SILENCE_CHECK_DAYS = 21
DARK_CLOSE_LOOP_DAYS = 42
CHECK_BACK_DAYS = 90

FOLLOW_UP_STEPS = (Step.VALUE_ADD, Step.INSIGHT)


def current_cycle(app: Application) -> str | None:
    """The cycle new events belong to: the latest rejection's, else the latest round's."""
    if app.status is Status.REJECTED:
        rejections = [e for e in app.events if e.kind is EventKind.STATUS and e.status is Status.REJECTED]
        if rejections:
            return rejections[-1].cycle
    latest = app.latest_round
    return latest.cycle if latest else None


def next_rejection_cycle(app: Application) -> str:
    count = sum(1 for e in app.events if e.kind is EventKind.STATUS and e.status is Status.REJECTED)
    return f"rej{count + 1}"


def is_first_hiring_manager_round(app: Application, rnd: Round) -> bool:
    earlier = [r for r in app.rounds if r.seq < rnd.seq and r.kind is RoundKind.HIRING_MANAGER]
    return rnd.kind is RoundKind.HIRING_MANAGER and not earlier


def follow_up_step(index: int) -> Step:
    """The n-th follow-up of a cycle (1-based): value-add, then insight, then value-add again."""
    return FOLLOW_UP_STEPS[(index - 1) % len(FOLLOW_UP_STEPS)] if index <= 2 else Step.VALUE_ADD


def thank_you_due(rnd: Round, settings: DeliverySettings) -> datetime:
    """An hour after the round ends; after 17:00 or in quiet hours, the next morning."""
    after = local(rnd.ends_at + THANK_YOU_DELAY, settings)
    if after.timetz().replace(tzinfo=None) > THANK_YOU_LATEST:
        return at_nudge_hour(after.date() + timedelta(days=1), settings)
    return deliverable(after, settings)


def thank_you_send_by(rnd: Round, settings: DeliverySettings) -> datetime:
    """Noon on the day after the round."""
    return at_local(add_local_days(rnd.ends_at, 1, settings), THANK_YOU_SEND_BY, settings)


def end_of_local_day(instant: datetime, settings: DeliverySettings) -> datetime:
    return at_local(add_local_days(instant, 1, settings), time(0, 0), settings)


@dataclass
class _CycleWalk:
    """The state of one round's cycle after replaying its events in order."""

    first_step: Step
    lapse_at: datetime
    index: int = 0  # 0: the first email is pending; n ≥ 1: the n-th follow-up is pending
    anchor: datetime | None = None
    agreed: date | None = None
    unanswered: int = 0
    epoch: int = 0  # replies heard so far: each one starts a fresh silence countdown
    last_follow_up_at: datetime | None = None
    snooze_until: datetime | None = None
    snoozes: int = 0
    dark_closed: bool = False
    done: list[tuple[Step, EventKind, datetime]] = field(default_factory=list)

    @property
    def budget_exhausted(self) -> bool:
        return self.unanswered >= FOLLOW_UP_BUDGET

    @property
    def current(self) -> Step | None:
        if self.dark_closed:
            return None
        if self.index == 0:
            return self.first_step
        if self.budget_exhausted:
            return Step.CLOSE_LOOP
        return follow_up_step(self.index)

    def lapse_if_due(self, at: datetime) -> None:
        if self.index == 0 and at >= self.lapse_at:
            self.index, self.anchor = 1, self.lapse_at
            self._reset_snooze()

    def apply(self, event: Event) -> None:
        self.lapse_if_due(event.at)
        if event.kind is EventKind.HEARD:
            self.unanswered, self.epoch = 0, self.epoch + 1
            self.dark_closed = False
            if self.index > 0:
                self.anchor = max(self.anchor or event.at, event.at)
            if event.agreed_date:
                self.agreed = event.agreed_date
            return
        if event.step is None or event.step is not self.current:
            return  # recorded against a step that is no longer current: nothing to advance
        if event.kind is EventKind.SNOOZED and event.until is not None:
            self.snooze_until, self.snoozes = event.until, self.snoozes + 1
            return
        if event.kind not in (EventKind.SENT, EventKind.SKIPPED):
            return
        self.done.append((event.step, event.kind, event.at))
        if event.step is Step.CLOSE_LOOP:
            self.dark_closed = True
        else:
            if self.index > 0 and event.kind is EventKind.SENT:
                self.unanswered += 1
                self.last_follow_up_at = event.at
            self.index += 1
            self.anchor = event.at
            self.agreed = event.agreed_date if event.kind is EventKind.SENT else None
        self._reset_snooze()

    def _reset_snooze(self) -> None:
        self.snooze_until, self.snoozes = None, 0


def _due_or_snoozed(key: str, due: datetime, walk: _CycleWalk) -> tuple[str, datetime]:
    if walk.snooze_until is not None:
        return f"{key}:snooze{walk.snoozes}", walk.snooze_until
    return f"{key}:due", due


def _supersede(nudges: list[PlannedNudge], now: datetime) -> tuple[PlannedNudge, ...]:
    """Drop every nudge that a later nudge of the same plan has already overtaken."""
    ordered = sorted(nudges, key=lambda n: n.due_at)
    overtaken = max((i for i, n in enumerate(ordered) if n.due_at <= now), default=0)
    return tuple(ordered[overtaken:])


def _plan_round_cycle(app: Application, rnd: Round, settings: DeliverySettings, now: datetime) -> Plan:
    cycle = rnd.cycle
    first_step = Step.INSIGHT if is_first_hiring_manager_round(app, rnd) else Step.THANK_YOU
    due = thank_you_due(rnd, settings)
    send_by = thank_you_send_by(rnd, settings)
    overdue_at = deliverable(send_by, settings)

    def lapse_time(snoozed_until: datetime | None) -> datetime:
        last = max(due, overdue_at, snoozed_until or due)
        return end_of_local_day(last, settings)

    walk = _CycleWalk(first_step=first_step, lapse_at=lapse_time(None))
    for event in (e for e in app.events if e.cycle == cycle):
        walk.apply(event)
        if walk.index == 0:
            walk.lapse_at = lapse_time(walk.snooze_until)

    nudges: list[PlannedNudge] = []
    if walk.index == 0:
        key, first_due = _due_or_snoozed(f"{cycle}:{first_step}", due, walk)
        nudges.append(PlannedNudge(key, first_step, NudgeKind.DUE, first_due, cycle, send_by=send_by))
        if overdue_at > first_due:
            nudges.append(
                PlannedNudge(f"{cycle}:{first_step}:overdue", first_step, NudgeKind.OVERDUE, overdue_at, cycle, send_by=send_by)
            )
        pending_walk = _CycleWalk(first_step=first_step, lapse_at=walk.lapse_at, index=1, anchor=walk.lapse_at)
        nudges.extend(_follow_up_nudges(cycle, pending_walk, settings))
        walk.lapse_if_due(now)
    else:
        nudges.extend(_follow_up_nudges(cycle, walk, settings))

    agreed = walk.agreed
    return Plan(
        current_step=walk.current,
        nudges=_supersede(nudges, now),
        budget_left=max(0, FOLLOW_UP_BUDGET - walk.unanswered),
        cycle=cycle,
        agreed_date=agreed,
        closed_reason="You closed the loop; the next move is theirs." if walk.dark_closed else None,
        done=tuple(walk.done),
    )


def _follow_up_nudges(cycle: str, walk: _CycleWalk, settings: DeliverySettings) -> list[PlannedNudge]:
    if walk.dark_closed or walk.anchor is None:
        return []
    if walk.budget_exhausted:
        since = walk.last_follow_up_at or walk.anchor
        base = f"{cycle}.{walk.epoch}:{Step.CLOSE_LOOP}"
        check_at = at_nudge_hour(add_local_days(since, SILENCE_CHECK_DAYS, settings), settings)
        close_at = at_nudge_hour(add_local_days(since, DARK_CLOSE_LOOP_DAYS, settings), settings)
        key, close_due = _due_or_snoozed(base, close_at, walk)
        planned = [PlannedNudge(key, Step.CLOSE_LOOP, NudgeKind.DUE, close_due, cycle)]
        if walk.snooze_until is None:
            planned.insert(0, PlannedNudge(f"{base}:check", Step.CLOSE_LOOP, NudgeKind.SILENCE_CHECK, check_at, cycle))
        return planned
    step = follow_up_step(walk.index)
    anchor_day = local(walk.anchor, settings).date()
    if walk.agreed is not None and walk.agreed >= anchor_day:
        due, flagged = at_nudge_hour(walk.agreed, settings), False
    else:
        due, flagged = at_nudge_hour(anchor_day + timedelta(days=NO_DATE_GAP_DAYS), settings), True
    key, due = _due_or_snoozed(f"{cycle}:{step}.{walk.index}", due, walk)
    return [PlannedNudge(key, step, NudgeKind.DUE, due, cycle, no_agreed_date=flagged)]


def _plan_rejection(app: Application, settings: DeliverySettings, now: datetime) -> Plan:
    rejection = [e for e in app.events if e.kind is EventKind.STATUS and e.status is Status.REJECTED][-1]
    cycle = rejection.cycle
    step: Step | None = Step.CLOSE_LOOP
    anchor = rejection.at
    snooze_until: datetime | None = None
    snoozes = 0
    done: list[tuple[Step, EventKind, datetime]] = []
    for event in (e for e in app.events if e.cycle == cycle and e.step is step):
        if event.kind is EventKind.SNOOZED:
            snooze_until, snoozes = event.until, snoozes + 1
        elif event.kind in (EventKind.SENT, EventKind.SKIPPED) and step is not None:
            done.append((step, event.kind, event.at))
            sent_close_loop = step is Step.CLOSE_LOOP and event.kind is EventKind.SENT
            step = Step.CHECK_BACK if sent_close_loop else None
            anchor, snooze_until, snoozes = event.at, None, 0
            if step is None:
                break
    nudges: list[PlannedNudge] = []
    if step is not None:
        days = 1 if step is Step.CLOSE_LOOP else CHECK_BACK_DAYS
        due = at_nudge_hour(add_local_days(anchor, days, settings), settings)
        key = f"{cycle}:{step}:due"
        if snooze_until is not None:
            key, due = f"{cycle}:{step}:snooze{snoozes}", snooze_until
        nudges.append(PlannedNudge(key, step, NudgeKind.DUE, due, cycle))
    return Plan(
        current_step=step,
        nudges=_supersede(nudges, now),
        budget_left=0,
        cycle=cycle,
        closed_reason=None if step else "Rejected, and you have closed the loop.",
        done=tuple(done),
    )


def plan(app: Application, settings: DeliverySettings, now: datetime) -> Plan:
    """Everything the method says about `app` at `now`."""
    now = now.astimezone(UTC)
    if app.status is Status.OFFER:
        return Plan(current_step=None, nudges=(), budget_left=0, closed_reason="You have an offer: no more follow-ups.")
    if app.status is Status.WITHDRAWN:
        return Plan(current_step=None, nudges=(), budget_left=0, closed_reason="You withdrew: no more follow-ups.")
    if app.status is Status.REJECTED:
        return _plan_rejection(app, settings, now)
    latest = app.latest_round
    if latest is None:
        return Plan(current_step=None, nudges=(), budget_left=FOLLOW_UP_BUDGET, closed_reason="No interview logged yet.")
    return _plan_round_cycle(app, latest, settings, now)
