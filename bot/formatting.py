"""Dates and times as people read them, in their own timezone: "today 12:00",
"tomorrow 09:00", "Thu 26 Nov 10:00"."""

from __future__ import annotations

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
    label = f"{day:%a} {day.day} {day:%b}"
    return label if day.year == today.year else f"{label} {day.year}"


def when(instant: datetime, settings: DeliverySettings, now: datetime) -> str:
    moment = local(instant, settings)
    return f"{day_label(moment.date(), local(now, settings).date())} {moment:%H:%M}"


def absolute(instant: datetime, settings: DeliverySettings) -> str:
    moment = local(instant, settings)
    return f"{moment:%a} {moment.day} {moment:%b} {moment:%H:%M}"


def on_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"
