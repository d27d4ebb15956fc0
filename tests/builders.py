"""Small builders for domain objects, so tests read like the method they check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import (
    Application,
    DeliverySettings,
    Event,
    EventKind,
    Interviewer,
    Round,
    RoundKind,
    Status,
    Step,
)


def at(tz: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz))


def settings(tz: str = "UTC", **kw: object) -> DeliverySettings:
    return replace(DeliverySettings(timezone=tz), **kw)  # type: ignore[arg-type]


def interview(
    start: datetime,
    kind: RoundKind = RoundKind.INTERVIEW,
    seq: int = 1,
    length: timedelta = timedelta(hours=1),
) -> Round:
    return Round(
        seq=seq,
        kind=kind,
        starts_at=start,
        ends_at=start + length,
        interviewers=(Interviewer("Jane Doe", "Engineering Manager"),),
    )


def application(
    *rounds: Round, events: tuple[Event, ...] = (), status: Status = Status.ACTIVE
) -> Application:
    return Application(
        id=1,
        user_id=1,
        number=1,
        company="Acme",
        role="Data Engineer",
        status=status,
        created_at=rounds[0].starts_at if rounds else datetime(2026, 1, 1),
        rounds=rounds,
        events=events,
    )


def sent(step: Step, when: datetime, cycle: str = "r1", agreed: date | None = None) -> Event:
    return Event(EventKind.SENT, when, cycle, step=step, agreed_date=agreed)


def skipped(step: Step, when: datetime, cycle: str = "r1") -> Event:
    return Event(EventKind.SKIPPED, when, cycle, step=step)


def heard(when: datetime, cycle: str = "r1") -> Event:
    return Event(EventKind.HEARD, when, cycle)


def snoozed(step: Step, when: datetime, until: datetime, cycle: str = "r1") -> Event:
    return Event(EventKind.SNOOZED, when, cycle, step=step, until=until)


def status(value: Status, when: datetime, cycle: str) -> Event:
    return Event(EventKind.STATUS, when, cycle, status=value)


def local_times(nudges, tz: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [
        (
            n.step.value,
            n.kind.value,
            n.due_at.astimezone(ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M"),
        )
        for n in nudges
    ]
