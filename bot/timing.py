"""Delivery times in the user's local time: quiet hours, weekends, the nudge hour.

Every function takes and returns timezone-aware instants; local wall-clock times are built with
`zoneinfo`, so a 09:00 nudge stays at 09:00 local across a daylight-saving change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.domain import DeliverySettings

SATURDAY = 5


def local(instant: datetime, settings: DeliverySettings) -> datetime:
    return instant.astimezone(settings.zone)


def at_local(day: date, clock_time: time, settings: DeliverySettings) -> datetime:
    """The UTC instant of a wall-clock time on a local date."""
    return datetime.combine(day, clock_time, tzinfo=settings.zone).astimezone(UTC)


def in_quiet_hours(clock_time: time, settings: DeliverySettings) -> bool:
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= clock_time < end
    return clock_time >= start or clock_time < end


def _next_morning(moment: datetime, settings: DeliverySettings) -> datetime:
    """The next nudge hour after a local moment (today's if it is still ahead)."""
    wake = settings.nudge_hour
    if in_quiet_hours(wake, settings):
        wake = settings.quiet_end
    candidate = datetime.combine(moment.date(), wake, tzinfo=settings.zone)
    if candidate <= moment:
        candidate = datetime.combine(moment.date() + timedelta(days=1), wake, tzinfo=settings.zone)
    return candidate


def deliverable(instant: datetime, settings: DeliverySettings) -> datetime:
    """The first instant at or after `instant` when a nudge may be delivered: outside quiet
    hours and, with weekends off, on a weekday (a weekend nudge moves to Monday's nudge hour)."""
    moment = local(instant, settings)
    for _ in range(10):
        if in_quiet_hours(moment.timetz().replace(tzinfo=None), settings):
            moment = _next_morning(moment, settings)
        elif not settings.weekends and moment.weekday() >= SATURDAY:
            monday = moment.date() + timedelta(days=7 - moment.weekday())
            moment = datetime.combine(monday, settings.nudge_hour, tzinfo=settings.zone)
        else:
            break
    return moment.astimezone(UTC)


def at_nudge_hour(day: date, settings: DeliverySettings) -> datetime:
    """The nudge hour on a local date, moved out of a weekend if weekends are off."""
    return deliverable(at_local(day, settings.nudge_hour, settings), settings)


def add_local_days(instant: datetime, days: int, settings: DeliverySettings) -> date:
    """The local date `days` after the local date of `instant`."""
    return local(instant, settings).date() + timedelta(days=days)
