"""Reading dates, times and durations the way people type them, in the user's timezone.

dateparser does the natural-language work ("yesterday 3pm", "next tuesday 10:00", "in 2 weeks",
ISO dates). It is restricted to English: left to detect the language it loads every locale
and spends seconds on one line of gibberish, which would stall the bot for everyone. Input
is also capped in length before it reaches the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateparser.date import DateDataParser

from bot.errors import BadInput

MAX_WHEN_LENGTH = 80
_LANGUAGES = ["en"]
_RANGE = re.compile(
    r"^(?P<head>.*?)\s*(?P<start>\d{1,2}(?::\d{2})?\s*(?:am|pm)?)\s*(?:-|–|to)\s*(?P<end>\d{1,2}(?::\d{2})?\s*(?:am|pm)?)$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$", re.IGNORECASE)
_DURATION = re.compile(
    r"^(?:in\s+)?(?P<n>\d{1,4})\s*(?P<unit>m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class When:
    """A moment the user named. `has_time` is False for a bare date ("tomorrow", "2026-12-01")."""

    at: datetime
    has_time: bool

    @property
    def day(self) -> date:
        return self.at.date()


def zone(name: str) -> ZoneInfo:
    """The IANA zone for a name the user typed, case-insensitively, or BadInput."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 64 or ".." in cleaned or cleaned.startswith("/"):
        raise _bad_zone(name)
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        pass
    folded = cleaned.casefold()
    for candidate in _zone_names():
        if candidate.casefold() == folded:
            return ZoneInfo(candidate)
    raise _bad_zone(name)


def _bad_zone(name: str) -> BadInput:
    return BadInput(
        f"“{name[:64]}” is not a timezone I know.",
        "settings tz <Area/City>",
        "settings tz Europe/Berlin",
    )


_ZONES: tuple[str, ...] = ()


def _zone_names() -> tuple[str, ...]:
    global _ZONES
    if not _ZONES:
        _ZONES = tuple(sorted(available_timezones()))
    return _ZONES


def timezone_choices(typed: str, limit: int = 25) -> list[str]:
    """IANA names containing what the user typed, best matches first (for autocomplete)."""
    needle = typed.strip().casefold().replace(" ", "_")
    names = _zone_names()
    starts = [n for n in names if n.casefold().startswith(needle)]
    contains = [n for n in names if needle in n.casefold() and n not in starts]
    return (starts + contains)[:limit]


def read_clock(text: str) -> time:
    """"9", "09:30", "5pm" → a time of day, or BadInput."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise BadInput(f"“{text[:20]}” is not a time of day.", "HH:MM", "09:00")
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise BadInput(f"“{text[:20]}” is not a time of day.", "HH:MM", "09:00")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise BadInput(f"“{text[:20]}” is not a time of day.", "HH:MM", "09:00")
    return time(hour, minute)


def read_duration(text: str) -> timedelta | None:
    """"3h", "2 days", "1w", "in 90 minutes" → a duration; None if it isn't one."""
    match = _DURATION.match(text.strip())
    if not match:
        return None
    amount = int(match["n"])
    if amount == 0:
        return None
    return timedelta(seconds=amount * _UNIT_SECONDS[match["unit"][0].lower()])


def read_when(text: str, tz: ZoneInfo, now: datetime, *, usage: str, example: str) -> When:
    """A natural-language or ISO moment, read in `tz` relative to `now`, or BadInput."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise BadInput("A date is missing.", usage, example)
    if len(cleaned) > MAX_WHEN_LENGTH:
        raise BadInput(f"That date is too long to read (over {MAX_WHEN_LENGTH} characters).", usage, example)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    parser = DateDataParser(
        languages=_LANGUAGES,
        settings={
            "TIMEZONE": tz.key,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RELATIVE_BASE": local_now,
            "PREFER_DATES_FROM": "future",
            "RETURN_TIME_AS_PERIOD": True,
        },
    )
    try:
        data = parser.get_date_data(cleaned)
    except (ValueError, OverflowError, TypeError):
        data = None
    if data is None or data.date_obj is None:
        raise BadInput(f"I couldn't read “{cleaned}” as a date.", usage, example)
    moment = data.date_obj
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    has_time = data.period == "time"
    local_moment = moment.astimezone(tz)
    if not has_time:
        local_moment = datetime.combine(local_moment.date(), time(0, 0), tzinfo=tz)
    return When(at=local_moment, has_time=has_time)


def read_time_range(text: str) -> tuple[str, time, time] | None:
    """"tomorrow 10:00-11:30" → ("tomorrow", 10:00, 11:30); None when there is no range."""
    match = _RANGE.match(" ".join(text.split()))
    if not match:
        return None
    try:
        start, end = read_clock(match["start"]), read_clock(match["end"])
    except BadInput:
        return None
    return match["head"], start, end


def warm_up() -> None:
    """Load dateparser's English data once, so the first user's command isn't the slow one."""
    read_when("tomorrow 10:00", ZoneInfo("UTC"), datetime(2026, 1, 1, tzinfo=UTC), usage="", example="")
