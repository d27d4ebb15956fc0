"""The follow-up method as pure code: an application's history + settings + now → the plan.

Every interview round is planned on its own, in time order (not in the order it was logged):
each one owes a thank-you to every person met in it (for the first round with the hiring
manager, a thank-you that carries an insight). The follow-ups after it — up to two unanswered
ones (value-add, insight) on the dates the employer agreed to, a "still silent?" check after
3 weeks and the close-the-loop email after 6 — run from the latest round that has happened.
Silence is counted from the last email actually sent or the last reply heard, so an ignored
follow-up never freezes the plan. A reply (`heard`) restores the budget. A rejection has its
own short plan: close the loop next morning, check back 90 days after that. Offers and
withdrawals end the plan.

Nothing is pending forever: a thank-you lapses at the end of its send-by day, any other email
a week after its nudge; the plan then moves on, or ends with a stated reason. So an active
application always has a next nudge or a reason why not.

Each email is a `Task` with a key (`r2:ty`, `r2:fu1`, `r2:e0.s1:close`, `rej1:close`) that
events and buttons name, so a press acts on the step it was for and never on a later one.
Each planned nudge has a key that is stable while the plan for it does not change, so storage
can re-plan as often as it likes without ever delivering a nudge twice. The plan is also
consistent in time: the nudges planned at one moment are the nudges planned at any later
moment with nothing logged in between, so the stored schedule needs no re-planning as time
passes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache

from bot.content import variant_of
from bot.domain import (
    Application,
    DeliverySettings,
    Event,
    EventKind,
    Interviewer,
    NudgeKind,
    Plan,
    PlannedNudge,
    Round,
    RoundKind,
    Status,
    Step,
    Task,
    Variant,
)
from bot.timing import add_local_days, at_local, at_nudge_hour, deliverable, local

FOLLOW_UP_BUDGET = 2
THANK_YOU_DELAY = timedelta(hours=1)
THANK_YOU_LATEST = time(17, 0)
THANK_YOU_SEND_BY = time(12, 0)
SEND_BY_MIN_GAP = timedelta(hours=3)
NO_DATE_GAP_DAYS = 7
LAPSE_DAYS = 7
SILENCE_CHECK_DAYS = 21
DARK_CLOSE_LOOP_DAYS = 42
CHECK_BACK_DAYS = 90

FOLLOW_UP_VARIANTS = (Variant.VALUE_ADD, Variant.INSIGHT)
DONE_KINDS = (EventKind.SENT, EventKind.SKIPPED)

OFFER_REASON = "You have an offer: no more follow-ups."
WITHDRAWN_REASON = "You withdrew: no more follow-ups."
NO_ROUND_REASON = "No interview logged yet."


def round_cycle(seq: int) -> str:
    return f"r{seq}"


def rejection_cycle(app: Application) -> str | None:
    """The cycle of the application's latest rejection, if it has one."""
    rejections = [
        e for e in app.events if e.kind is EventKind.STATUS and e.status is Status.REJECTED
    ]
    return rejections[-1].cycle if rejections else None


def next_rejection_cycle(app: Application) -> str:
    count = sum(1 for e in app.events if e.kind is EventKind.STATUS and e.status is Status.REJECTED)
    return f"rej{count + 1}"


def active_round(app: Application, now: datetime) -> Round | None:
    """The latest round that has started by `now`: the follow-ups run from it."""
    started = [r for r in app.rounds_in_time_order if r.starts_at <= now]
    return started[-1] if started else None


def current_cycle(app: Application, now: datetime) -> str | None:
    """The cycle a reply or status change at `now` belongs to."""
    if app.status is Status.REJECTED:
        return rejection_cycle(app)
    rnd = active_round(app, now) or (app.rounds_in_time_order[0] if app.rounds else None)
    return rnd.cycle if rnd else None


def thank_you_variant(rounds: tuple[Round, ...], rnd: Round) -> Variant:
    """The first round with the hiring manager (in time order, as `rounds` are) earns a
    thank-you + insight."""
    if rnd.kind is not RoundKind.HIRING_MANAGER:
        return Variant.THANK_YOU
    first = next(r for r in rounds if r.kind is RoundKind.HIRING_MANAGER)
    return Variant.THANK_YOU_INSIGHT if first.seq == rnd.seq else Variant.THANK_YOU


def follow_up_variant(index: int) -> Variant:
    """The n-th follow-up of a thread (1-based): value-add, insight, then value-add again."""
    return FOLLOW_UP_VARIANTS[index - 1] if index <= len(FOLLOW_UP_VARIANTS) else Variant.VALUE_ADD


def thank_you_due(rnd: Round, settings: DeliverySettings) -> datetime:
    """An hour after the round ends; after 17:00 or in quiet hours, the next morning."""
    after = local(rnd.ends_at + THANK_YOU_DELAY, settings)
    if after.timetz().replace(tzinfo=None) > THANK_YOU_LATEST:
        return at_nudge_hour(after.date() + timedelta(days=1), settings)
    return deliverable(after, settings)


def send_by_after(announced: datetime, earliest: date, settings: DeliverySettings) -> datetime:
    """A deadline a person can meet: noon on `earliest` or on the day of the nudge that
    announces it, whichever is later — but never sooner than a few hours after that nudge, and
    always at a time the bot could nudge (no quiet hours, no day off)."""
    day = max(earliest, local(announced, settings).date())
    deadline = deliverable(at_local(day, THANK_YOU_SEND_BY, settings), settings)
    if deadline < announced + SEND_BY_MIN_GAP:
        deadline = deliverable(announced + SEND_BY_MIN_GAP, settings)
    return deadline


def end_of_local_day(instant: datetime, settings: DeliverySettings) -> datetime:
    return at_local(add_local_days(instant, 1, settings), time(0, 0), settings)


def lapse_after(nudged: datetime, settings: DeliverySettings) -> datetime:
    """When an email that was nudged and never sent stops being pending."""
    return end_of_local_day(nudged + timedelta(days=LAPSE_DAYS), settings)


@dataclass
class _Snoozes:
    """Snoozes per target key: how many, and until when the latest one holds."""

    by_key: dict[str, tuple[int, datetime]] = field(default_factory=dict)

    def record(self, key: str, until: datetime) -> None:
        count = self.by_key.get(key, (0, until))[0]
        self.by_key[key] = (count + 1, until)

    def nudge(self, key: str, due: datetime, name: str | None = None) -> tuple[str, datetime, int]:
        """The nudge key (built on `name`, default `key`), due time and snooze count of the
        nudge for target `key`."""
        base = name or key
        if key in self.by_key:
            count, until = self.by_key[key]
            return f"{base}:snooze{count}", until, count
        return f"{base}:due", due, 0


# --------------------------------------------------------------------------- thank-yous


@dataclass(frozen=True)
class _ThankYou:
    """One round's thank-you task after replaying its events."""

    task: Task
    due_key: str  # the key of the nudge that announces it
    snoozed: int  # how many times it was snoozed
    lapse_at: datetime
    done_at: datetime | None  # when the last person's thank-you was sent or skipped
    sent_at: datetime | None  # the latest thank-you actually sent
    agreed: date | None
    done: tuple[tuple[Step, EventKind, datetime], ...]

    @property
    def resolved_at(self) -> datetime:
        return self.done_at or self.lapse_at

    @cached_property
    def nudges(self) -> tuple[PlannedNudge, ...]:
        """Until it is done: the nudge when it is due, and the reminder at its send-by."""
        if self.done_at is not None:
            return ()
        task = self.task
        send_by = task.send_by
        assert send_by is not None  # a thank-you always has one
        step, cycle, variant = task.step, task.cycle, task.variant
        return (
            PlannedNudge(
                self.due_key,
                step,
                NudgeKind.DUE,
                task.due_at,
                cycle,
                send_by=send_by,
                task=task.key,
                variant=variant,
            ),
            PlannedNudge(
                f"{task.key}:overdue{self.snoozed or ''}",
                step,
                NudgeKind.OVERDUE,
                send_by,
                cycle,
                send_by=send_by,
                task=task.key,
                variant=variant,
            ),
        )


def _name_key(name: str) -> str:
    return name.casefold()


def _plan_thank_you(
    rounds: tuple[Round, ...],
    rnd: Round,
    events: list[tuple[int, Event]],
    used: set[int],
    settings: DeliverySettings,
) -> _ThankYou:
    variant = thank_you_variant(rounds, rnd)
    key = f"{rnd.cycle}:ty"
    everyone = rnd.interviewers
    owed = {_name_key(p.name) for p in everyone} or {""}
    thanked: set[str] = set()
    snoozes = _Snoozes()
    done: list[tuple[Step, EventKind, datetime]] = []
    done_at = sent_at = None
    agreed: date | None = None
    for index, event in events:
        legacy = event.task is None and event.cycle == rnd.cycle and event.step is variant.step
        if event.task != key and not legacy:
            continue
        if legacy and thanked >= owed:
            continue  # an old-style event for a later step of this cycle
        used.add(index)
        if event.kind is EventKind.SNOOZED and event.until is not None:
            snoozes.record(key, event.until)
        elif event.kind in DONE_KINDS:
            who = {_name_key(event.person)} & owed if event.person else owed
            thanked |= who or owed
            done.append((variant.step, event.kind, event.at))
            if event.kind is EventKind.SENT:
                sent_at = event.at
                agreed = event.agreed_date or agreed
            if thanked >= owed:
                done_at = event.at
    due_key, announced, snoozed = snoozes.nudge(key, thank_you_due(rnd, settings))
    send_by = send_by_after(
        announced, local(rnd.ends_at, settings).date() + timedelta(days=1), settings
    )
    lapse_at = end_of_local_day(send_by, settings)
    people = tuple(p for p in everyone if _name_key(p.name) not in thanked)
    task = Task(
        key=key,
        variant=variant,
        cycle=rnd.cycle,
        due_at=announced,
        people=people,
        everyone=everyone,
        round_seq=rnd.seq,
        send_by=send_by,
        lapse_at=lapse_at,
    )
    return _ThankYou(task, due_key, snoozed, lapse_at, done_at, sent_at, agreed, tuple(done))


# --------------------------------------------------------------------------- follow-ups


@dataclass
class _Thread:
    """The follow-ups after one round, replayed from its events."""

    rnd: Round
    anchor: datetime  # the default gap to the next follow-up counts from here
    last_sent: datetime  # silence counts from the last email sent …
    last_heard: datetime | None = None  # … or the last reply heard
    agreed: date | None = None
    index: int = 1  # the pending follow-up
    unanswered: int = 0
    epoch: int = 0  # replies heard so far
    sent: int = 0  # emails sent in this thread
    closed: bool = False
    closed_kind: EventKind | None = None
    snoozes: _Snoozes = field(default_factory=_Snoozes)
    done: list[tuple[Step, EventKind, datetime]] = field(default_factory=list)

    @property
    def cycle(self) -> str:
        return self.rnd.cycle

    @property
    def budget_exhausted(self) -> bool:
        return self.unanswered >= FOLLOW_UP_BUDGET

    @property
    def owes_follow_up(self) -> bool:
        """Whether a follow-up is planned: the thread is open and the budget not spent."""
        return not self.closed and not self.budget_exhausted

    @property
    def follow_up_key(self) -> str:
        return f"{self.cycle}:fu{self.index}"

    @property
    def window(self) -> str:
        return f"{self.cycle}:e{self.epoch}.s{self.sent}"

    @property
    def close_key(self) -> str:
        return f"{self.window}:close"

    @property
    def check_key(self) -> str:
        return f"{self.window}:check"

    def heard(self, event: Event) -> None:
        self.unanswered, self.epoch, self.closed = 0, self.epoch + 1, False
        self.anchor = max(self.anchor, event.at)
        self.last_heard = event.at
        self.agreed = event.agreed_date or self.agreed
        self.snoozes.by_key.pop(self.follow_up_key, None)

    def apply(self, event: Event) -> bool:
        """Apply a sent/skipped/snoozed event if it is for one of this thread's tasks."""
        if event.kind is EventKind.SNOOZED and event.until is not None:
            targets = {self.follow_up_key, self.close_key, self.check_key}
            if event.task in targets:
                self.snoozes.record(event.task, event.until)
                return True
            if event.task is None and event.cycle == self.cycle:
                target = self.close_key if event.step is Step.CLOSE_LOOP else self.follow_up_key
                self.snoozes.record(target, event.until)
                return True
            return False
        if event.kind not in DONE_KINDS or self.closed:
            return False
        legacy = event.task is None and event.cycle == self.cycle
        if event.task == self.follow_up_key or (legacy and event.step is not Step.CLOSE_LOOP):
            variant = follow_up_variant(self.index)
            self.done.append((variant.step, event.kind, event.at))
            if event.kind is EventKind.SENT:
                self.unanswered += 1
                self.sent += 1
                self.last_sent = event.at
            self.agreed = event.agreed_date if event.kind is EventKind.SENT else None
            self.index += 1
            self.anchor = event.at
            return True
        if event.task == self.close_key or (legacy and event.step is Step.CLOSE_LOOP):
            self.done.append((Step.CLOSE_LOOP, event.kind, event.at))
            self.closed, self.closed_kind = True, event.kind
            return True
        return False


@dataclass(frozen=True)
class _ThreadPlan:
    """The follow-up still owed after a round (while the budget lasts) and the close-the-loop
    email, with the keys of the nudges for them and the "still silent?" check before it."""

    follow_up: Task | None
    follow_up_nudge: str | None  # the key of the follow-up's nudge
    follow_up_lapse: datetime | None
    close: Task | None
    close_nudge: str | None  # the key of the close-the-loop's nudge
    close_lapse: datetime | None
    check: tuple[str, datetime] | None = None  # the silence check's nudge key and time

    @cached_property
    def nudges(self) -> tuple[PlannedNudge, ...]:
        nudges: list[PlannedNudge] = []
        follow_up, close = self.follow_up, self.close
        if follow_up is not None and self.follow_up_nudge is not None:
            nudges.append(
                PlannedNudge(
                    self.follow_up_nudge,
                    follow_up.step,
                    NudgeKind.DUE,
                    follow_up.due_at,
                    follow_up.cycle,
                    no_agreed_date=follow_up.no_agreed_date,
                    task=follow_up.key,
                    variant=follow_up.variant,
                )
            )
        if close is None or self.close_nudge is None:
            return tuple(nudges)
        if self.check is not None and close.check_key is not None:
            nudges.append(
                PlannedNudge(
                    self.check[0],
                    Step.CLOSE_LOOP,
                    NudgeKind.SILENCE_CHECK,
                    self.check[1],
                    close.cycle,
                    task=close.check_key,
                    variant=close.variant,
                )
            )
        nudges.append(
            PlannedNudge(
                self.close_nudge,
                Step.CLOSE_LOOP,
                NudgeKind.DUE,
                close.due_at,
                close.cycle,
                task=close.key,
                variant=close.variant,
            )
        )
        return tuple(nudges)


def _plan_thread(thread: _Thread, settings: DeliverySettings) -> _ThreadPlan:
    if thread.closed:
        return _ThreadPlan(None, None, None, None, None, None)
    cycle = thread.cycle
    follow_up = follow_up_lapse = nudge_key = None
    silence_from = max(thread.last_sent, thread.last_heard or thread.last_sent)
    if thread.owes_follow_up:
        variant = follow_up_variant(thread.index)
        anchor_day = local(thread.anchor, settings).date()
        agreed = (
            thread.agreed if thread.agreed is not None and thread.agreed >= anchor_day else None
        )
        if agreed is not None:
            due = at_nudge_hour(agreed, settings)
            silence_from = max(silence_from, due)  # a date they gave you is not silence
        else:
            due = at_nudge_hour(anchor_day + timedelta(days=NO_DATE_GAP_DAYS), settings)
        key = thread.follow_up_key
        nudge_key, due, _ = thread.snoozes.nudge(key, due, name=f"{key}@e{thread.epoch}")
        follow_up_lapse = lapse_after(due, settings)
        follow_up = Task(
            key,
            variant,
            cycle,
            due,
            everyone=thread.rnd.interviewers,
            round_seq=thread.rnd.seq,
            no_agreed_date=agreed is None,
            lapse_at=follow_up_lapse,
        )
    silent_day = local(silence_from, settings).date()
    check_key, close_key = thread.check_key, thread.close_key
    check_nudge, check_at, _ = thread.snoozes.nudge(
        check_key, at_nudge_hour(silent_day + timedelta(days=SILENCE_CHECK_DAYS), settings)
    )
    close_nudge, close_at, _ = thread.snoozes.nudge(
        close_key, at_nudge_hour(silent_day + timedelta(days=DARK_CLOSE_LOOP_DAYS), settings)
    )
    close_lapse = lapse_after(close_at, settings)
    close = Task(
        close_key,
        Variant.CLOSE_LOOP_SILENCE,
        cycle,
        close_at,
        everyone=thread.rnd.interviewers,
        round_seq=thread.rnd.seq,
        check_key=check_key,
        lapse_at=close_lapse,
    )
    check = (check_nudge, check_at) if check_at < close_at else None
    return _ThreadPlan(
        follow_up, nudge_key, follow_up_lapse, close, close_nudge, close_lapse, check
    )


def _replay_thread(
    rnd: Round,
    thank_you: _ThankYou,
    events: list[tuple[int, Event]],
    used: set[int],
    heard: Iterable[Event],
) -> _Thread:
    thread = _Thread(
        rnd=rnd,
        anchor=thank_you.resolved_at,
        last_sent=thank_you.sent_at or rnd.ends_at,
        agreed=thank_you.agreed,
        sent=1 if thank_you.sent_at else 0,
    )
    replies = list(heard)
    pending = [(i, e) for i, e in events if i not in used and e.kind is not EventKind.HEARD]
    for index, event in sorted(pending + [(-1, e) for e in replies], key=lambda item: item[1].at):
        if event.kind is EventKind.HEARD:
            thread.heard(event)
        elif thread.apply(event):
            used.add(index)
    return thread


# --------------------------------------------------------------------------- the plan


def _keep_latest_past(nudges: Iterable[PlannedNudge], now: datetime) -> list[PlannedNudge]:
    """Per task: drop every nudge a later nudge of the same task has already overtaken."""
    by_task: dict[str, list[PlannedNudge]] = {}
    for nudge in nudges:
        by_task.setdefault(nudge.task, []).append(nudge)
    kept: list[PlannedNudge] = []
    for group in by_task.values():
        ordered = sorted(group, key=lambda n: n.due_at)
        overtaken = max((i for i, n in enumerate(ordered) if n.due_at <= now), default=0)
        kept.extend(ordered[overtaken:])
    return sorted(kept, key=lambda n: (n.due_at, n.key))


def _closed_reason(thread: _RoundReplay) -> str:
    if thread.closed:
        if thread.closed_kind is EventKind.SENT:
            return "You closed the loop; the next move is theirs."
        return "You chose not to close the loop; the next move is theirs."
    return (
        "You haven't heard back in six weeks and the close-the-loop email went unsent; "
        "I won't nudge about this application again unless you log a reply or a new round."
    )


@dataclass(frozen=True)
class _RoundReplay:
    """One round's history replayed: its thank-you, and the thread of follow-ups after it
    planned as if it were the latest round. Nothing here depends on the time it is now."""

    rnd: Round
    following: datetime | None  # when the next round (in time order) starts
    thank_you: _ThankYou
    thread: _Thread  # replayed; nothing changes it any more
    settings: DeliverySettings
    done: tuple[tuple[Step, EventKind, datetime], ...]  # the thread's emails sent or skipped
    unanswered: int
    agreed: date | None
    closed: bool
    closed_kind: EventKind | None

    @cached_property
    def planned(self) -> _ThreadPlan:
        """The thread's follow-up and close-the-loop, planned when first asked for: a plan
        without its schedule needs them for the active round alone, and only once its
        thank-you is done or has lapsed."""
        return _plan_thread(self.thread, self.settings)


def _replay(
    rounds: tuple[Round, ...], events: tuple[Event, ...], settings: DeliverySettings
) -> tuple[_RoundReplay, ...]:
    """Every round of an active application replayed from its events, in time order.

    This is the costly part of planning and it depends only on the rounds, the events and
    the settings, never on the time it is now, so `_histories` keeps the latest replays, keyed
    by all three: any change to a round, an event or a setting is a different key, and is
    replayed afresh."""
    indexed = list(enumerate(events))
    used: set[int] = set()
    thank_yous = [_plan_thank_you(rounds, rnd, indexed, used, settings) for rnd in rounds]
    heard = [e for e in events if e.kind is EventKind.HEARD]
    replayed: list[_RoundReplay] = []
    for position, (rnd, thank_you) in enumerate(zip(rounds, thank_yous, strict=True)):
        following = rounds[position + 1].starts_at if position + 1 < len(rounds) else None
        in_thread = [e for e in heard if e.at >= rnd.starts_at or position == 0]
        if following is not None:
            in_thread = [e for e in in_thread if e.at < following]
        thread = _replay_thread(rnd, thank_you, indexed, used, in_thread)
        replayed.append(
            _RoundReplay(
                rnd=rnd,
                following=following,
                thank_you=thank_you,
                thread=thread,
                settings=settings,
                done=tuple(thread.done),
                unanswered=thread.unanswered,
                agreed=thread.agreed,
                closed=thread.closed,
                closed_kind=thread.closed_kind,
            )
        )
    return tuple(replayed)


@dataclass(eq=False)
class _History:
    """An active application's rounds replayed, and the instants its plan can change at.

    Once replayed, the time it is now enters the plan only through comparisons with instants
    the replay fixed: when each round starts, when each nudge is due, when each pending email
    lapses. Between two such instants the plan stays the same, so the plan of the latest
    stretch asked for is kept (`latest`: its number, found by bisecting `instants`, and the
    plan; one tuple, so it is replaced whole) and serves until time moves past the next one."""

    rounds: tuple[_RoundReplay, ...]
    instants: tuple[datetime, ...]
    latest: tuple[int, Plan] | None = None


def _history(
    rounds: tuple[Round, ...], events: tuple[Event, ...], settings: DeliverySettings
) -> _History:
    replayed = _replay(rounds, events, settings)
    instants: set[datetime] = set()
    for replay in replayed:
        planned = replay.planned
        instants.add(replay.rnd.starts_at)
        instants.add(replay.thank_you.lapse_at)
        instants.update(n.due_at for n in (*replay.thank_you.nudges, *planned.nudges))
        instants.update(
            at for at in (planned.follow_up_lapse, planned.close_lapse) if at is not None
        )
    return _History(replayed, tuple(sorted(instants)))


REPLAY_CACHE_SIZE = 4096
"""How many applications' replays are kept (least recently used go first): about 5 KB each
for a short history, so some 20 MB at most; enough for every application of the people
active at once, even someone with a few thousand."""
_histories = lru_cache(maxsize=REPLAY_CACHE_SIZE)(_history)


def _plan_active(app: Application, settings: DeliverySettings, now: datetime, cached: bool) -> Plan:
    rounds = app.rounds_in_time_order
    if not rounds:
        return Plan(
            current_step=None,
            nudges=(),
            budget_left=FOLLOW_UP_BUDGET,
            closed_reason=NO_ROUND_REASON,
        )
    if not cached:
        return _assemble(_replay(rounds, app.events, settings), now)
    history = _histories(rounds, app.events, settings)
    stretch = bisect_right(history.instants, now)
    latest = history.latest
    if latest is not None and latest[0] == stretch:
        return latest[1]
    fresh = _assemble(history.rounds, now)
    history.latest = (stretch, fresh)
    return fresh


def _assemble(replayed: tuple[_RoundReplay, ...], now: datetime, schedule: bool = True) -> Plan:
    """The plan at `now` from an application's replayed rounds (in time order, at least one);
    without its nudges and done emails unless `schedule`."""
    nudges: list[PlannedNudge] = []
    tasks: list[Task] = []
    done: list[tuple[Step, EventKind, datetime]] = []
    # The follow-ups run from the latest round that has started; before any has, the first's.
    started = [replay for replay in replayed if replay.rnd.starts_at <= now]
    current = started[-1] if started else replayed[0]
    active = current.rnd.seq
    for replay in replayed:
        thank_you, following = replay.thank_you, replay.following
        if schedule:
            nudges.extend(thank_you.nudges)
            done.extend(thank_you.done)
            if following is None or following > now:
                nudges.extend(
                    n for n in replay.planned.nudges if following is None or n.due_at < following
                )
            done.extend(replay.done)
        if thank_you.done_at is None and now < thank_you.lapse_at:
            tasks.append(thank_you.task)
        if replay.rnd.seq == active:
            current = replay
            if thank_you.done_at is not None or now >= thank_you.lapse_at:
                planned = replay.planned
                if planned.follow_up and planned.follow_up_lapse and now < planned.follow_up_lapse:
                    tasks.append(planned.follow_up)
                if planned.close and planned.close_lapse and now < planned.close_lapse:
                    tasks.append(planned.close)
    tasks.sort(key=lambda t: (t.due_at, not t.variant.is_thank_you))
    return Plan(
        current_step=tasks[0].step if tasks else None,
        nudges=tuple(_keep_latest_past(nudges, now)) if schedule else (),
        budget_left=max(0, FOLLOW_UP_BUDGET - current.unanswered),
        cycle=current.rnd.cycle,
        agreed_date=current.agreed if current.thread.owes_follow_up else None,
        closed_reason=None if tasks else _closed_reason(current),
        done=tuple(sorted(done, key=lambda d: d[2])),
        tasks=tuple(tasks),
    )


def _plan_rejection(app: Application, settings: DeliverySettings, now: datetime) -> Plan:
    rejection = [
        e for e in app.events if e.kind is EventKind.STATUS and e.status is Status.REJECTED
    ][-1]
    cycle = rejection.cycle
    variant: Variant | None = Variant.CLOSE_LOOP_REJECTED
    anchor = rejection.at
    snoozes = _Snoozes()
    done: list[tuple[Step, EventKind, datetime]] = []
    closing_words = "Rejected, and you chose not to close the loop."
    for event in app.events:
        if variant is None:
            break
        key = f"{cycle}:{variant.step}"
        legacy = event.task is None and event.cycle == cycle and event.step is variant.step
        if event.task != key and not legacy:
            continue
        if event.kind is EventKind.SNOOZED and event.until is not None:
            snoozes.record(key, event.until)
        elif event.kind in DONE_KINDS:
            done.append((variant.step, event.kind, event.at))
            if variant is Variant.CLOSE_LOOP_REJECTED and event.kind is EventKind.SENT:
                variant, anchor = Variant.CHECK_BACK, event.at
            else:
                if variant is Variant.CHECK_BACK:
                    closing_words = "You checked back after the rejection; the next move is theirs."
                variant = None
    nudges: list[PlannedNudge] = []
    tasks: list[Task] = []
    reason: str | None = closing_words
    if variant is not None:
        key = f"{cycle}:{variant.step}"
        days = 1 if variant is Variant.CLOSE_LOOP_REJECTED else CHECK_BACK_DAYS
        nudge_key, due, _ = snoozes.nudge(
            key, at_nudge_hour(add_local_days(anchor, days, settings), settings)
        )
        nudges.append(
            PlannedNudge(
                nudge_key, variant.step, NudgeKind.DUE, due, cycle, task=key, variant=variant
            )
        )
        lapse_at = lapse_after(due, settings)
        if now < lapse_at:
            tasks.append(Task(key, variant, cycle, due, lapse_at=lapse_at))
            reason = None
        elif variant is Variant.CHECK_BACK:
            reason = (
                "You closed the loop after the rejection; the check-back went unsent, so "
                "I'll stay quiet."
            )
        else:
            reason = (
                "Rejected; the close-the-loop email went unsent, so I'll stay quiet about this one."
            )
    return Plan(
        current_step=tasks[0].step if tasks else None,
        nudges=tuple(_keep_latest_past(nudges, now)),
        budget_left=0,
        cycle=cycle,
        closed_reason=reason,
        done=tuple(done),
        tasks=tuple(tasks),
    )


def plan(
    app: Application, settings: DeliverySettings, now: datetime, *, cached: bool = True
) -> Plan:
    """Everything the method says about `app` at `now`. `cached=False` replays the history
    from nothing instead of reusing a replay of the same rounds, events and settings (the
    result is the same; the property tests check that it is)."""
    now = now.astimezone(UTC)
    if app.status is Status.OFFER:
        return Plan(current_step=None, nudges=(), budget_left=0, closed_reason=OFFER_REASON)
    if app.status is Status.WITHDRAWN:
        return Plan(current_step=None, nudges=(), budget_left=0, closed_reason=WITHDRAWN_REASON)
    if app.status is Status.REJECTED:
        return _plan_rejection(app, settings, now)
    return _plan_active(app, settings, now, cached)


def outlook(app: Application, settings: DeliverySettings, now: datetime) -> Plan:
    """The plan at `now` without its schedule (`nudges` and `done` empty): the pending tasks,
    the current one first, the budget left and why nothing is pending — what a message about
    one of the tasks shows. Cheaper than `plan`: nothing is scheduled, and no replay is kept,
    so a dispatch sweep through thousands of applications leaves the replays kept for the
    people using the bot where they are."""
    now = now.astimezone(UTC)
    rounds = app.rounds_in_time_order
    if app.status is not Status.ACTIVE or not rounds:
        return replace(plan(app, settings, now), nudges=(), done=())
    return _assemble(_replay(rounds, app.events, settings), now, schedule=False)


def people_named(task: Task, name: str) -> tuple[Interviewer, ...]:
    """The people of a thank-you task that `name` means (full name or first name)."""
    wanted = name.casefold().strip()
    exact = tuple(p for p in task.everyone if p.name.casefold() == wanted)
    if exact:
        return exact
    return (
        tuple(p for p in task.everyone if p.name.casefold().split()[0] == wanted.split()[0])
        if wanted
        else ()
    )


def task_key_of(nudge_key: str) -> str:
    """The key of the task a nudge key belongs to (`r2:fu1@e0:due` → `r2:fu1`)."""
    return nudge_key.rsplit(":", 1)[0].split("@", 1)[0]


def fallback_variant(step: Step, app: Application) -> Variant:
    """The variant of a step when the plan no longer has its task (a nudge delivered late)."""
    return variant_of(step, after_rejection=app.status is Status.REJECTED)
