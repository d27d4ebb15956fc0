"""The domain: users and their delivery settings, applications, interview rounds, and the
history of what happened to each follow-up step.

Everything here is a frozen dataclass with no I/O. An application is its rounds plus an
ordered list of events (sent, heard, skipped, snoozed, status changes); the method in
`bot.method` turns that history into a plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo


class Step(StrEnum):
    THANK_YOU = "thank-you"
    VALUE_ADD = "value-add"
    INSIGHT = "insight"
    CLOSE_LOOP = "close-loop"
    CHECK_BACK = "check-back"


class Variant(StrEnum):
    """Which version of a step applies. The method decides it once and carries it on the plan,
    so nudges, checklists, drafts, reviews, views and exports never work it out again."""

    THANK_YOU = "thank-you"
    THANK_YOU_INSIGHT = "thank-you-insight"  # after the first round with the hiring manager
    VALUE_ADD = "value-add"
    INSIGHT = "insight"
    CLOSE_LOOP_SILENCE = "close-loop-silence"
    CLOSE_LOOP_REJECTED = "close-loop-rejected"
    CHECK_BACK = "check-back"

    @property
    def step(self) -> Step:
        return _VARIANT_STEPS[self]

    @property
    def is_thank_you(self) -> bool:
        return self in (Variant.THANK_YOU, Variant.THANK_YOU_INSIGHT)

    @property
    def label(self) -> str:
        return _VARIANT_TITLES[self]


_VARIANT_STEPS = {
    Variant.THANK_YOU: Step.THANK_YOU,
    Variant.THANK_YOU_INSIGHT: Step.INSIGHT,
    Variant.VALUE_ADD: Step.VALUE_ADD,
    Variant.INSIGHT: Step.INSIGHT,
    Variant.CLOSE_LOOP_SILENCE: Step.CLOSE_LOOP,
    Variant.CLOSE_LOOP_REJECTED: Step.CLOSE_LOOP,
    Variant.CHECK_BACK: Step.CHECK_BACK,
}
_VARIANT_TITLES = {
    Variant.THANK_YOU: "thank-you",
    Variant.THANK_YOU_INSIGHT: "thank-you + insight",
    Variant.VALUE_ADD: "value-add",
    Variant.INSIGHT: "insight",
    Variant.CLOSE_LOOP_SILENCE: "close-the-loop",
    Variant.CLOSE_LOOP_REJECTED: "close-the-loop",
    Variant.CHECK_BACK: "check-back",
}


class Status(StrEnum):
    ACTIVE = "active"
    OFFER = "offer"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class RoundKind(StrEnum):
    PHONE = "phone"
    INTERVIEW = "interview"
    HIRING_MANAGER = "hiring-manager"
    PANEL = "panel"
    FINAL = "final"


class EventKind(StrEnum):
    SENT = "sent"
    HEARD = "heard"
    SKIPPED = "skipped"
    SNOOZED = "snoozed"
    STATUS = "status"


class NudgeKind(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    SILENCE_CHECK = "silence-check"


class NudgeState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Identity:
    """Who is speaking, as the platform tells it. `timezone` is the platform's hint, if any."""

    platform: str
    workspace: str
    user_id: str
    display_name: str = ""
    timezone: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Place:
    """Where a command was typed: a direct conversation with the bot, or a shared channel.

    Permissions are data the adapter fills in, so the core decides without platform code:
    `can_manage` is True when the platform says this person may manage the channel (Slack: a
    workspace admin or owner; Discord: Manage Channels); `has_admins` is False only where the
    platform has no administrators at all (the console), so the first person may set a
    channel up."""

    channel_id: str | None = None
    is_direct: bool = True
    can_manage: bool = False
    has_admins: bool = True


class DateOrder(StrEnum):
    """How numeric dates are written: 3/12 is 3 December (DMY) or 12 March (MDY)."""

    DMY = "dmy"
    MDY = "mdy"


@dataclass(frozen=True)
class DeliverySettings:
    timezone: str = "UTC"
    nudge_hour: time = time(9, 0)
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    weekends: bool = False
    date_order: DateOrder | None = None  # the person's own choice; None: from locale and timezone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TimezoneSource(StrEnum):
    DEFAULT = "default"
    PLATFORM = "platform"
    USER = "user"


@dataclass(frozen=True)
class User:
    id: int
    platform: str
    workspace: str
    external_id: str
    display_name: str
    settings: DeliverySettings
    timezone_source: TimezoneSource = TimezoneSource.DEFAULT
    has_unreported_failures: bool = False
    locale: str | None = None  # as the platform reports it ("en-GB"), if it does
    # The platform's id of the bot's direct conversation with the person, as last known (None:
    # never written to yet); adapters keep it, the core only carries it along.
    direct_channel: str | None = None


@dataclass(frozen=True)
class Interviewer:
    name: str
    title: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name


@dataclass(frozen=True)
class NewRound:
    """A round as the user describes it, before it is stored."""

    kind: RoundKind
    starts_at: datetime
    ends_at: datetime
    interviewers: tuple[Interviewer, ...] = ()


@dataclass(frozen=True)
class Round:
    seq: int
    kind: RoundKind
    starts_at: datetime
    ends_at: datetime
    interviewers: tuple[Interviewer, ...] = ()

    @property
    def cycle(self) -> str:
        return f"r{self.seq}"


@dataclass(frozen=True)
class Event:
    """One thing that happened to an application. `cycle` ties it to the round (`r2`) or the
    rejection (`rej1`) it belongs to, so a new round starts a fresh cycle of follow-ups."""

    kind: EventKind
    at: datetime
    cycle: str
    step: Step | None = None
    agreed_date: date | None = None
    until: datetime | None = None
    status: Status | None = None
    note: str = ""
    person: str | None = None  # one interviewer of a panel; None: everyone
    task: str | None = None  # the key of the task (or nudge) the event was for


@dataclass(frozen=True)
class Application:
    id: int
    user_id: int
    number: int
    company: str
    role: str
    status: Status
    created_at: datetime
    rounds: tuple[Round, ...] = ()
    events: tuple[Event, ...] = ()

    @property
    def label(self) -> str:
        return f"#{self.number} {self.company} — {self.role}"

    @property
    def latest_round(self) -> Round | None:
        """The round that happened (or will happen) last, by its start time."""
        ordered = self.rounds_in_time_order
        return ordered[-1] if ordered else None

    @property
    def rounds_in_time_order(self) -> tuple[Round, ...]:
        return tuple(sorted(self.rounds, key=lambda r: (r.starts_at, r.seq)))

    def round(self, seq: int) -> Round | None:
        return next((r for r in self.rounds if r.seq == seq), None)

    @property
    def interviewers(self) -> tuple[Interviewer, ...]:
        """Everyone met so far, in order, each once."""
        seen: dict[str, Interviewer] = {}
        for rnd in self.rounds:
            for person in rnd.interviewers:
                seen.setdefault(person.name.casefold(), person)
        return tuple(seen.values())


@dataclass(frozen=True)
class PlannedNudge:
    """A nudge the method wants delivered. `key` is stable across re-planning, so the same
    nudge is never stored (or delivered) twice; a changed plan gives a changed key."""

    key: str
    step: Step
    kind: NudgeKind
    due_at: datetime
    cycle: str
    send_by: datetime | None = None
    no_agreed_date: bool = False
    task: str = ""
    variant: Variant | None = None


@dataclass(frozen=True)
class Task:
    """One email the person still has to send (or, for the silence check, to think about), as
    the method sees it now. `key` names it in events and on buttons; `people` are those still
    owed a thank-you (one email each); `due_at` is when it is (or was) due."""

    key: str
    variant: Variant
    cycle: str
    due_at: datetime
    people: tuple[Interviewer, ...] = ()
    everyone: tuple[Interviewer, ...] = ()
    round_seq: int | None = None
    send_by: datetime | None = None
    no_agreed_date: bool = False
    check_key: str | None = None  # the "still silent?" check that precedes a close-loop
    lapse_at: datetime | None = None  # unsent by then, it stops being pending

    @property
    def step(self) -> Step:
        return self.variant.step


@dataclass(frozen=True)
class Nudge:
    """A stored nudge: a row of the schedule."""

    id: int
    application_id: int
    user_id: int
    key: str
    step: Step
    kind: NudgeKind
    due_at: datetime
    state: NudgeState
    attempts: int = 0
    send_by: datetime | None = None
    no_agreed_date: bool = False
    delivered_at: datetime | None = None
    late: bool = False
    last_error: str | None = None
    claim_token: str | None = None
    # Set when an earlier attempt may have reached the platform unseen (its sender died, or
    # the platform never answered): the next attempt must check before it sends.
    unknown_since: datetime | None = None


@dataclass(frozen=True)
class Plan:
    """What the method says about one application at one instant."""

    current_step: Step | None
    nudges: tuple[PlannedNudge, ...]
    budget_left: int
    cycle: str | None = None
    agreed_date: date | None = None
    closed_reason: str | None = None
    done: tuple[tuple[Step, EventKind, datetime], ...] = field(default_factory=tuple)
    tasks: tuple[Task, ...] = ()  # pending, the current one first

    @property
    def current(self) -> Task | None:
        return self.tasks[0] if self.tasks else None

    @property
    def current_variant(self) -> Variant | None:
        return self.tasks[0].variant if self.tasks else None

    def task(self, key: str) -> Task | None:
        """The pending task with this key, or the task whose silence check this key names."""
        return next((t for t in self.tasks if key in (t.key, t.check_key)), None)

    def nudge(self, key: str) -> PlannedNudge | None:
        return next((n for n in self.nudges if n.key == key), None)


@dataclass(frozen=True)
class InvitationRef:
    """The calendar invitation a round came from: its key (a hash of the invitation's UID)
    and the SEQUENCE it had, so a later update or cancellation finds the same round."""

    key: str
    sequence: int = 0


@dataclass(frozen=True)
class InvitationLink:
    key: str
    application_id: int
    round_seq: int
    sequence: int


@dataclass(frozen=True)
class FeedRevision:
    """What a subscribed calendar last saw of one event: its content's fingerprint, its
    SEQUENCE and when it last changed (LAST-MODIFIED)."""

    uid: str
    fingerprint: str
    sequence: int
    modified_at: datetime
