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


@dataclass(frozen=True)
class DeliverySettings:
    timezone: str = "UTC"
    nudge_hour: time = time(9, 0)
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    weekends: bool = False

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
        return self.rounds[-1] if self.rounds else None

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
