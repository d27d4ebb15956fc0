"""Dates and times as people read them, in their own timezone: "today 12:00",
"tomorrow 09:00", "Thu 26 Nov 10:00", and "Mon 4 Oct 2027 10:00" when the year is not this one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.domain import DeliverySettings
from bot.timing import local


def day_label(day: date, today: date) -> str:
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return on_day(day, today)


def when(instant: datetime, settings: DeliverySettings, now: datetime) -> str:
    moment = local(instant, settings)
    return f"{day_label(moment.date(), local(now, settings).date())} {moment:%H:%M}"


def absolute(instant: datetime, settings: DeliverySettings, now: datetime | None = None) -> str:
    """Weekday, day, month and time; with the year when it is not the year of `now`."""
    moment = local(instant, settings)
    today = local(now, settings).date() if now is not None else None
    return f"{on_day(moment.date(), today)} {moment:%H:%M}"


def full(
    instant: datetime, settings: DeliverySettings, now: datetime, end: datetime | None = None
) -> str:
    """A stored moment echoed in full: "Fri 6 Nov 15:00", "Mon 4 Oct 2027 10:00–11:00"."""
    shown = absolute(instant, settings, now)
    return f"{shown}–{local(end, settings):%H:%M}" if end is not None else shown


def spelled(instant: datetime, settings: DeliverySettings, now: datetime) -> str:
    """"today 19:00 (Wed 4 Nov)" near now, else the full date as `full` gives it."""
    moment = local(instant, settings)
    today = local(now, settings).date()
    label = day_label(moment.date(), today)
    if label in {"today", "tomorrow", "yesterday"}:
        return f"{label} {moment:%H:%M} ({on_day(moment.date(), today)})"
    return full(instant, settings, now)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def on_day(day: date, today: date | None = None) -> str:
    """"Thu 26 Nov", with the year when `today` is given and in another year (English names
    whatever the machine's locale, like the rest of the copy)."""
    label = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return label if today is None or day.year == today.year else f"{label} {day.year}"


def assumptions(notes: Sequence[str]) -> str:
    """What the bot assumed to read a date, as one sentence ("" when nothing was)."""
    if not notes:
        return ""
    text = "; ".join(notes)
    return f"I {text}." if text.startswith(("read", "took")) else f"{text[0].upper()}{text[1:]}."
