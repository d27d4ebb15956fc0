"""The one place that reads dates, times and durations the way people type them.

Every command that takes a date calls `read` with what the date is for (its `Intent`): an
interview is the nearest occurrence, past or future ("monday" on a Wednesday is two days ago);
a next-contact date is today or later; a snooze is a moment after now. The reading is done in
the user's timezone, with numeric dates in their own order (`bot.date_order`).

A small grammar of our own reads what people type into reminder apps: relative days and
weekdays, "a week from monday", "end of next week", parts of the day, bare hours in office
terms ("at 3" is 15:00), ranges in every common shape, numeric and month-name dates. Whatever
it does not know goes to dateparser, restricted to English (left to detect the language it
loads every locale and spends seconds on one line of gibberish) and only trusted for
day-level answers. Input is capped in length, and every number is bounded before any date
arithmetic, so no text can overflow a date or stall the bot.

A date is stored only when it is the one the person meant: one more than about six months
away without a typed year, one in the past where the future is needed, or a numeric date
whose order is unknown is refused with what was understood and the right form.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateparser.date import DateDataParser

from bot.domain import DateOrder
from bot.errors import BadInput
from bot.limits import MAX_WHEN

# Without a typed year nothing lands further than this from today.
NEAR = timedelta(days=183)
# With a typed year: an interview within a year either way, a future date within a year.
FARTHEST = timedelta(days=366)
_LANGUAGES = ["en"]
LONGEST_RANGE_MINUTES = 10 * 60


class Intent(StrEnum):
    """What a date is for; it decides which occurrence of "friday" or "3 Nov" is meant."""

    INTERVIEW = "interview"  # when it happened or will: the nearest occurrence, past or future
    NEXT_CONTACT = "next-contact"  # a day they may be contacted again: today or later
    SNOOZE = "snooze"  # a moment after now, possibly later today


@dataclass(frozen=True)
class Reading:
    """What the bot understood. `end` is set for a range ("2-3pm"); `has_time` is False for a
    bare day ("tomorrow"), whose `start` is then midnight; `notes` say what was assumed."""

    start: datetime
    end: datetime | None = None
    has_time: bool = True
    notes: tuple[str, ...] = ()

    @property
    def day(self) -> date:
        return self.start.date()


# ---------------------------------------------------------------- timezones


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


def valid_zone_name(name: str | None) -> str | None:
    """`name` if it is a known IANA zone, else None (for platform hints)."""
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


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


# ---------------------------------------------------------------- clock times and durations

_CLOCK = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$", re.IGNORECASE)
_DURATION = re.compile(
    r"^(?:in\s+)?(?P<n>\d{1,4})\s*(?P<unit>m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def read_clock(text: str) -> time:
    """"9", "09:30", "5pm" → a time of day, taken literally (settings hours), or BadInput."""
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


def read_time_of_day(text: str, *, usage: str, example: str) -> tuple[time, tuple[str, ...]]:
    """A time of day as people say it ("3pm", "15:00", "noon", "at 3" → 15:00), with what
    was assumed; for a weekly digest."""
    cleaned = _normalise(text)
    found = _take_time(cleaned, usage, example)
    if found is None or found.rest.strip(" ,") or found.range_end is not None:
        raise BadInput(f"“{text.strip()[:30]}” is not a time of day.", usage, example)
    return found.start, found.notes


# ---------------------------------------------------------------- the grammar

_ABBREVIATIONS = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "tmrow": "tomorrow",
    "tomo": "tomorrow",
    "tomorow": "tomorrow", "tommorow": "tomorrow", "tommorrow": "tomorrow", "2moro": "tomorrow",
    "tonite": "tonight", "tdy": "today", "yday": "yesterday", "yest": "yesterday",
    "mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "weds": "wednesday",
    "thu": "thursday", "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday",
    "sun": "sunday", "wk": "week", "wks": "weeks", "hr": "hour", "hrs": "hours", "min": "minute",
    "mins": "minutes", "noon.": "noon",
}  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
# Parts of the day, and the time each stands for.
_PARTS = {
    "morning": time(9, 0), "noon": time(12, 0), "midday": time(12, 0), "lunchtime": time(12, 0),
    "lunch": time(12, 0), "afternoon": time(14, 0), "evening": time(18, 0), "tonight": time(19, 0),
    "night": time(19, 0), "eod": time(17, 0), "end of day": time(17, 0),
    "end of the day": time(17, 0),
}  # fmt: skip
_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_WORD = "|".join(WEEKDAYS)
_ORD = r"(?:st|nd|rd|th)?"
_TIME = r"\d{1,2}(?:[:.]\d{2})?(?:am|pm)?"

_ISO = re.compile(r"(?<![\d/.])(?P<y>\d{4})[-/.](?P<a>\d{1,2})[-/.](?P<b>\d{1,2})(?![\d/.])")
_NUMERIC = re.compile(
    r"(?<![\d/.:-])(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2})?)?(?![\d/:]|\.\d)"
)
_DASHED = re.compile(r"(?<![\d/.:-])(?P<a>\d{1,2})-(?P<b>\d{1,2})-(?P<y>\d{4}|\d{2})(?![\d/.:-])")
_DAY_MONTH = re.compile(
    rf"(?<![\d:])(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m>{_MONTH_WORD})\.?(?![a-z])(?:\s+(?P<y>\d{{4}})(?![\d:]))?"
)
_MONTH_DAY = re.compile(
    rf"(?<![a-z])(?P<m>{_MONTH_WORD})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}(?![\d:.]|am|pm|h\b)(?:\s+(?P<y>\d{{4}})(?![\d:]))?"
)
_RANGE = re.compile(
    rf"(?:(?P<lead>from|between)\s+)?(?<![\d/.:-])(?P<a>{_TIME})\s*(?P<sep>-|to|till|until|and)\s*(?P<b>{_TIME})(?![\d/:-])"
)
_AMPM = re.compile(r"(?<![\d:.])(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?(?P<ap>am|pm)(?![a-z])")
_COLON = re.compile(r"(?<![\d:.])(?P<h>\d{1,2})[:h](?P<m>\d{2})(?![\d:])")
_OCLOCK = re.compile(r"(?<![\d:.])(?P<h>\d{1,2})\s*oclock(?![a-z])")
_AT = re.compile(r"(?:^|(?<=\s))(?:at|@)\s*(?P<h>\d{1,2})(?:[.](?P<m>\d{2}))?(?![\d/:.a-z])")
_PART = re.compile(
    r"(?:(?P<which>this|tomorrow|in the)\s+)?(?P<part>end of the day|end of day|eod|morning|noon|"
    r"midday|lunchtime|lunch|afternoon|evening|tonight|night)(?![a-z])"
)
_FILLER = re.compile(r"(?:^|\s)(?:on|at|@|the|of|by|around|about|approx|-)(?=\s|$)")
_LEADING = re.compile(r"^(?:until|till|til|untill|to|for|by|on|next contact|from)\s+")


_PLAIN = re.compile(r"[a-z0-9 ,.'/:-]+")
# dateparser is only asked about text holding at least one of these words.
_DATE_WORDS = frozenset(_MONTHS) | frozenset(WEEKDAYS) | {
    "day", "days", "week", "weeks", "month", "months", "year", "years", "ago", "from", "now",
    "next",
    "last", "this", "today", "tomorrow", "yesterday", "fortnight", "hour", "hours", "minute",
    "minutes", "after", "before", "later", "early", "mid", "end", "beginning", "start",
}  # fmt: skip


@dataclass(frozen=True)
class _Time:
    start: time
    rest: str  # the text with the time taken out
    notes: tuple[str, ...] = ()
    range_end: time | None = None
    # "tonight" and "this afternoon" name today (0), "tomorrow evening" tomorrow (1)
    day_hint: int | None = None


@dataclass(frozen=True)
class _Day:
    day: date
    notes: tuple[str, ...] = ()
    year_typed: bool = False
    exact: datetime | None = None  # "in 2 hours": a moment, not a day
    weekday: int | None = None  # a weekday also named ("fri 6 nov"), to check against the day
    rolls: bool = False  # a weekday that is today: next week's if the moment has passed


def _normalise(text: str) -> str:
    cleaned = text.lower().replace("–", "-").replace("—", "-").replace("’", "'")
    cleaned = re.sub(r"\b([ap])\.m\.?", r"\1m", cleaned)
    cleaned = re.sub(r"o'?\s?clock", "oclock", cleaned)
    cleaned = re.sub(r"(\d)\s+(am|pm)\b", r"\1\2", cleaned)
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", cleaned)
    cleaned = re.sub(r"(?<=\d)t(?=\d)", " ", cleaned)  # ISO's 2026-12-01T14:00
    cleaned = re.sub(r"[,;!?]", " ", cleaned)
    words = [_ABBREVIATIONS.get(w, w) for w in cleaned.split()]
    cleaned = " ".join(words).strip(" .")
    return _LEADING.sub("", cleaned)


def _cut(text: str, match: re.Match[str]) -> str:
    return f"{text[: match.start()]} {text[match.end():]}"


def _hour_minute(token: str) -> tuple[int, int, str, bool]:
    """"2:30pm" → (2, 30, "pm", True); the last item says the hour was written with minutes
    or a leading zero, i.e. as a 24-hour clock."""
    match = re.fullmatch(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?(?P<ap>am|pm)?", token)
    if not match:
        raise ValueError(token)
    literal = match["m"] is not None or match["h"].startswith("0")
    return int(match["h"]), int(match["m"] or 0), match["ap"] or "", literal


def _with_ampm(hour: int, minute: int, ampm: str) -> time | None:
    if not 1 <= hour <= 12 or minute > 59:
        return None
    return time(hour % 12 + (12 if ampm == "pm" else 0), minute)


def _office(hour: int, minute: int) -> tuple[time | None, bool]:
    """A bare hour read in office terms: 1–6 are afternoon hours, 7–12 morning (12 noon),
    0 and 13–23 as written. The flag says the hour was moved to the afternoon."""
    if hour > 23 or minute > 59:
        return None, False
    if 1 <= hour <= 6:
        return time(hour + 12, minute), True
    return time(hour, minute), False


def _office_note(typed: str, reading: time) -> str:
    return f"read {typed} as {reading:%H:%M}"


def _bad(problem: str, usage: str, example: str) -> BadInput:
    return BadInput(problem, usage, example)


def _take_range(text: str, usage: str, example: str) -> _Time | None:
    match = _RANGE.search(text)
    if not match:
        return None
    if match["sep"] == "and" and match["lead"] != "between":
        return None
    a_h, a_m, a_ap, a_lit = _hour_minute(match["a"])
    b_h, b_m, b_ap, b_lit = _hour_minute(match["b"])
    if not (a_ap or b_ap or a_lit or b_lit or match["lead"] or match["sep"] == "-"):
        return None
    notes: list[str] = []
    start: time | None
    end: time | None
    if a_ap and b_ap:
        start, end = _with_ampm(a_h, a_m, a_ap), _with_ampm(b_h, b_m, b_ap)
    elif b_ap:
        end = _with_ampm(b_h, b_m, b_ap)
        start = _with_ampm(a_h, a_m, b_ap)
        if start is not None and end is not None and start >= end:
            start = _with_ampm(a_h, a_m, "am" if b_ap == "pm" else "pm")
    elif a_ap:
        start = _with_ampm(a_h, a_m, a_ap)
        end = _with_ampm(b_h, b_m, a_ap)
        if start is not None and end is not None and end <= start and not b_lit:
            end = _with_ampm(b_h, b_m, "pm" if a_ap == "am" else "am")
    else:
        if a_lit or a_h > 12:
            start, moved = (time(a_h, a_m) if a_h <= 23 and a_m <= 59 else None), False
        else:
            start, moved = _office(a_h, a_m)
        end = time(b_h, b_m) if b_h <= 23 and b_m <= 59 else None
        if start is not None and end is not None and end <= start and not b_lit and b_h + 12 <= 23:
            end = time(b_h + 12, b_m)
        if moved and start is not None and end is not None:
            notes.append(f"read {match['a']}–{match['b']} as {start:%H:%M}–{end:%H:%M}")
    if start is None or end is None:
        raise _bad(f"“{match.group(0).strip()}” is not a range of times.", usage, example)
    if end <= start:
        raise _bad(f"“{match.group(0).strip()}” ends before it starts.", usage, example)
    if (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute) > LONGEST_RANGE_MINUTES:
        raise _bad(
            f"I read “{match.group(0).strip()}” as {start:%H:%M}–{end:%H:%M}, over ten hours; "
            "check the times.",
            usage,
            example,
        )
    return _Time(start, _cut(text, match), tuple(notes), range_end=end)


def _take_time(text: str, usage: str, example: str) -> _Time | None:
    """The time of day in `text` (one time or one range), and the text without it."""
    found = _take_range(text, usage, example)
    if found is None:
        found = _take_one_time(text, usage, example)
    if found is None:
        return None
    if _take_one_time(found.rest, usage, example) is not None or _RANGE.search(found.rest):
        raise _bad(
            "That has two times in it; give one (or one range, like 14:00-15:00).", usage, example
        )
    return found


def _take_one_time(text: str, usage: str, example: str) -> _Time | None:
    if "midnight" in text:
        raise _bad(
            "“midnight” could be the start or the end of a day: type 00:00 or 23:59 with the day.",
            usage,
            example,
        )
    match = _AMPM.search(text)
    if match:
        reading = _with_ampm(int(match["h"]), int(match["m"] or 0), match["ap"])
        if reading is None:
            raise _bad(f"“{match.group(0)}” is not a time of day.", usage, example)
        return _Time(reading, _cut(text, match))
    match = _COLON.search(text)
    if match:
        hour, minute = int(match["h"]), int(match["m"])
        if hour > 23 or minute > 59:
            raise _bad(f"“{match.group(0)}” is not a time of day.", usage, example)
        if match["h"].startswith("0") or hour == 0 or hour > 12:
            return _Time(time(hour, minute), _cut(text, match))
        reading, moved = _office(hour, minute)
        assert reading is not None
        notes = (_office_note(match.group(0), reading),) if moved else ()
        return _Time(reading, _cut(text, match), notes)
    for pattern in (_AT, _OCLOCK):
        match = pattern.search(text)
        if match:
            return _bare_hour(text, match, usage, example, literal=False)
    match = _PART.search(text)
    if match:
        part, which = match["part"], match["which"]
        hint = 1 if which == "tomorrow" else 0 if (which == "this" or part == "tonight") else None
        reading = _PARTS[part]
        note = (
            () if part in {"noon", "midday"} else (f"took “{match.group(0)}” as {reading:%H:%M}",)
        )
        return _Time(reading, _cut(text, match), note, day_hint=hint)
    return None


def _bare_hour(
    text: str, match: re.Match[str], usage: str, example: str, *, literal: bool
) -> _Time:
    digits = match["h"]
    hour = int(digits)
    minute = int(match.groupdict().get("m") or 0)
    if literal or digits.startswith("0") or hour == 0 or hour > 12:
        if hour > 23 or minute > 59:
            raise _bad(f"“{match.group(0).strip()}” is not a time of day.", usage, example)
        return _Time(time(hour, minute), _cut(text, match))
    reading, moved = _office(hour, minute)
    if reading is None:
        raise _bad(f"“{match.group(0).strip()}” is not a time of day.", usage, example)
    typed = digits if not match.groupdict().get("m") else f"{digits}.{match['m']}"
    notes = (_office_note(typed, reading),) if moved else ()
    return _Time(reading, _cut(text, match), notes)


# ---------------------------------------------------------------- days


@dataclass(frozen=True)
class _Frame:
    """Everything a reading depends on besides the text."""

    today: date
    now: datetime  # local
    tz: ZoneInfo
    order: DateOrder | None
    intent: Intent
    usage: str
    example: str
    typed: str = ""  # the whole date as the person typed it, for messages

    def bad(self, problem: str) -> BadInput:
        return BadInput(problem, self.usage, self.example)

    @property
    def future(self) -> bool:
        return self.intent is not Intent.INTERVIEW


def _short(day: date, today: date) -> str:
    label = f"{day:%a} {day.day} {day:%b}"
    return label if day.year == today.year else f"{label} {day.year}"


def _year(typed: str | None, frame: _Frame) -> int | None:
    if typed is None or typed == "":
        return None
    year = int(typed)
    if len(typed) == 2:
        year += 2000
    if not frame.today.year - 2 <= year <= frame.today.year + 2:
        raise frame.bad(
            f"{typed} is too far from today for me to store; "
            f"I take dates between {frame.today.year - 2} and {frame.today.year + 2}."
        )
    return year


def _calendar_day(year: int, month: int, day: int, frame: _Frame, typed: str) -> date:
    if not 1 <= month <= 12:
        raise frame.bad(f"“{typed}” has no month {month}.")
    if not 1 <= day <= monthrange(year, month)[1]:
        raise frame.bad(
            f"“{typed}” is not a day of the calendar ({datetime(year, month, 1):%B} has "
            f"{monthrange(year, month)[1]} days)."
        )
    return date(year, month, day)


def _occurrence(month: int, day: int, frame: _Frame, typed: str) -> _Day:
    """The occurrence of a day and month with no year that fits the intent: the nearest for an
    interview, the next one otherwise."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise frame.bad(f"“{typed}” is not a date I can read.")
    candidates = []
    for year in (frame.today.year - 1, frame.today.year, frame.today.year + 1):
        if day <= monthrange(year, month)[1]:
            candidates.append(date(year, month, day))
    if not candidates:
        raise frame.bad(f"“{typed}” is not a day of the calendar.")
    if frame.future:
        ahead = [d for d in candidates if d >= frame.today]
        chosen = ahead[0]
        if chosen - frame.today > NEAR:
            passed = max(d for d in candidates if d < frame.today)
            raise frame.bad(
                f"I read “{frame.typed or typed}” as {_short(passed, frame.today)}, which has "
                f"passed. If you mean {_short(chosen, frame.today)}, type the year too."
            )
    else:
        chosen = min(candidates, key=lambda d: (abs((d - frame.today).days), d > frame.today))
    return _Day(chosen, year_typed=False)


def _numeric(match: re.Match[str], frame: _Frame) -> _Day:
    typed = match.group(0)
    a, b = int(match["a"]), int(match["b"])
    dotted = match.groupdict().get("sep") == "."
    notes: list[str] = []
    if dotted:
        day, month = a, b
    elif a > 12 >= b:
        day, month = a, b
        if frame.order is DateOrder.MDY:
            notes.append(f"read {typed} as day/month, since {a} can't be a month")
    elif b > 12 >= a:
        day, month = b, a
        if frame.order is not DateOrder.MDY:
            notes.append(f"read {typed} as month/day, since {b} can't be a month")
    elif a == b:
        day, month = a, b
    elif frame.order is None:
        raise frame.bad(
            f"Is {typed} the {a} {_month_name(b)} or the {b} {_month_name(a)}? Your locale and "
            f"timezone disagree, so I won't guess: write the month as a word (“{a} "
            f"{_month_name(b)[:3]}”), or set your order with `settings dates dmy` or `settings "
            "dates mdy`."
        )
    elif frame.order is DateOrder.MDY:
        day, month = b, a
    else:
        day, month = a, b
    year = _year(match.groupdict().get("y"), frame)
    if year is None:
        found = _occurrence(month, day, frame, typed)
    else:
        found = _Day(_calendar_day(year, month, day, frame, typed), year_typed=True)
    return replace(found, notes=tuple(notes))


def _month_name(month: int) -> str:
    return datetime(2000, month, 1).strftime("%B") if 1 <= month <= 12 else str(month)


def _take_date(text: str, frame: _Frame) -> tuple[_Day | None, str]:
    """A calendar date written out (ISO, numeric, or with a month's name), and the rest."""
    match = _ISO.search(text)
    if match:
        year = _year(match["y"], frame)
        assert year is not None
        return _Day(
            _calendar_day(year, int(match["a"]), int(match["b"]), frame, match.group(0)),
            year_typed=True,
        ), _cut(text, match)
    for pattern in (_DASHED, _NUMERIC):
        match = pattern.search(text)
        if match and not _looks_like_clock(match, text):
            return _numeric(match, frame), _cut(text, match)
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        match = pattern.search(text)
        if match:
            month, day = _MONTHS[match["m"]], int(match["d"])
            year = _year(match["y"], frame)
            if year is None:
                return _occurrence(month, day, frame, match.group(0).strip()), _cut(text, match)
            return _Day(
                _calendar_day(year, month, day, frame, match.group(0).strip()), year_typed=True
            ), _cut(text, match)
    return None, text


def _looks_like_clock(match: re.Match[str], text: str) -> bool:
    """"10.30" after "at", before "am/pm", or that can't be a day and month, is a time."""
    if match.groupdict().get("sep") != "." or match.groupdict().get("y"):
        return False
    before = text[: match.start()].rstrip()
    after = text[match.end() :]
    return (
        before.endswith(("at", "@", "from", "between"))
        or after.lstrip().startswith(("am", "pm", "-", "to "))
        or int(match["b"]) > 12
    )


def _weekday(word: str) -> int:
    return WEEKDAYS.index(word)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _relative(text: str, frame: _Frame) -> _Day | None:
    """Days named relative to today: "tomorrow", "next friday", "in 2 weeks", "end of next week"."""
    today = frame.today
    words = text.split()
    phrase = " ".join(words)
    if phrase in {"today", "now", "tonight"}:
        return _Day(today)
    if phrase == "tomorrow":
        return _Day(today + timedelta(days=1))
    if phrase in {"day after tomorrow", "the day after tomorrow"}:
        return _Day(today + timedelta(days=2))
    if phrase == "yesterday":
        return _Day(today - timedelta(days=1))
    if phrase in {"day before yesterday", "the day before yesterday"}:
        return _Day(today - timedelta(days=2))
    match = re.fullmatch(
        rf"(?:(?P<mod>this|next|last|coming|past|previous)\s+)?(?P<wd>{_WEEKDAY_WORD})(?:\s+(?P<week>week))?",
        phrase,
    )
    if match:
        return _named_weekday(match["mod"], _weekday(match["wd"]), bool(match["week"]), frame)
    match = re.fullmatch(
        rf"(?:a\s+|one\s+)?week\s+(?:from|after|on)\s+(?P<base>today|tomorrow|{_WEEKDAY_WORD})|a\s+week\s+(?P<base2>today|tomorrow)",
        phrase,
    )
    if match:
        base = match["base"] or match["base2"]
        if base == "today":
            start = today
        elif base == "tomorrow":
            start = today + timedelta(days=1)
        else:
            ahead = (_weekday(base) - today.weekday()) % 7 or 7
            start = today + timedelta(days=ahead)
        day = start + timedelta(days=7)
        return _Day(day, (f"took “{phrase}” as {_short(day, today)}",))
    match = re.fullmatch(
        r"(?:(?P<end>end|start|beginning)\s+)?(?P<which>this|next|last)?\s*(?P<unit>week|weekend|month)",
        phrase,
    )
    if match and (match["end"] or match["which"] or match["unit"] == "weekend"):
        spoken = (
            f"{match['end']} of {match['which'] or 'the'} {match['unit']}"
            if match["end"]
            else phrase
        )
        return _period(match["end"], match["which"] or "this", match["unit"], spoken, frame)
    match = re.fullmatch(
        r"(?:(?P<in>in|after)\s+)?(?P<n>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
        r"(?P<unit>minute|hour|day|week|fortnight|month)s?(?:\s+(?P<tail>from now|from today|"
        r"later|ago|time))?",
        phrase,
    )
    if match and (match["in"] or match["tail"]):
        amount = _NUMBERS.get(match["n"]) or int(match["n"])
        sign = -1 if match["tail"] == "ago" else 1
        return _offset(sign * amount, match["unit"], frame)
    if phrase in {"in a fortnight", "fortnight"}:
        return _offset(14, "day", frame)
    return None


def _named_weekday(mod: str | None, weekday: int, week_after: bool, frame: _Frame) -> _Day:
    today = frame.today
    ahead = (weekday - today.weekday()) % 7
    behind = (today.weekday() - weekday) % 7
    name = WEEKDAYS[weekday].title()
    notes: tuple[str, ...] = ()
    if week_after:
        # "monday week": a week after the coming Monday.
        day = today + timedelta(days=(ahead or 7) + 7)
        return _Day(day, (f"took “{WEEKDAYS[weekday]} week” as {_short(day, today)}",))
    if mod in {"last", "past", "previous"}:
        day = today - timedelta(days=behind or 7)
    elif mod == "next":
        # "next friday" is the Friday of next week; the coming one is "friday" or "this friday".
        day = _week_start(today) + timedelta(days=7 + weekday)
        coming = today + timedelta(days=ahead or 7)
        if coming != day:
            notes = (
                f"took “next {WEEKDAYS[weekday]}” as the {name} of next week; for "
                f"{_short(coming, today)} say “{WEEKDAYS[weekday]}”",
            )
    elif mod == "this" and not frame.future:
        day = _week_start(today) + timedelta(days=weekday)
    elif mod in {"this", "coming"} or frame.future:
        day = today + timedelta(days=ahead)
        if not ahead:
            return _Day(day, rolls=True)  # today, unless the moment named has passed
    else:
        # For an interview, the nearest: three days back to three days ahead.
        day = today - timedelta(days=behind) if behind <= 3 else today + timedelta(days=ahead)
    return _Day(day, notes)


def _period(edge: str | None, which: str, unit: str, phrase: str, frame: _Frame) -> _Day:
    today = frame.today
    shift = {"this": 0, "next": 1, "last": -1}[which]
    if unit == "month":
        year, month = divmod(today.year * 12 + today.month - 1 + shift, 12)
        month += 1
        if edge == "end":
            day = date(year, month, monthrange(year, month)[1])
        elif edge in {"start", "beginning"} or shift:
            day = date(year, month, 1)
        else:
            raise frame.bad(
                f"Which day of “{phrase}”? Give a day, like “end of the month” or "
                f"“{_short(today + timedelta(days=7), today)}”."
            )
    else:
        monday = _week_start(today) + timedelta(days=7 * shift)
        if unit == "weekend":
            day = monday + timedelta(days=5)
        elif edge == "end":
            day = monday + timedelta(days=4)  # the end of a working week: Friday
        else:
            day = monday
    return _Day(day, (f"took “{phrase}” as {_short(day, today)}",))


def _offset(amount: int, unit: str, frame: _Frame) -> _Day:
    if abs(amount) > 999:
        raise frame.bad("That is too far away.")
    if unit in {"minute", "hour"}:
        span = timedelta(minutes=amount) if unit == "minute" else timedelta(hours=amount)
        if abs(span) > FARTHEST:
            raise frame.bad("That is more than a year away.")
        moment = (frame.now + span).replace(second=0, microsecond=0)
        return _Day(moment.date(), exact=moment)
    if unit == "month":
        if abs(amount) > 24:
            raise frame.bad("That is more than a year away.")
        year, month = divmod(frame.today.year * 12 + frame.today.month - 1 + amount, 12)
        month += 1
        return _Day(date(year, month, min(frame.today.day, monthrange(year, month)[1])))
    days = amount * {"day": 1, "week": 7, "fortnight": 14}[unit]
    if abs(days) > 999:
        raise frame.bad("That is too far away.")
    return _Day(frame.today + timedelta(days=days))


def _dateparser_day(text: str, frame: _Frame) -> _Day | None:
    """dateparser for the phrases our grammar doesn't know; trusted only for a whole day."""
    if len(text) > 40 or not _PLAIN.fullmatch(text) or not _DATE_WORDS.intersection(text.split()):
        return None  # nothing dateparser could read: spare it the work
    parser = DateDataParser(
        languages=_LANGUAGES,
        settings={
            "RELATIVE_BASE": frame.now.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future" if frame.future else "current_period",
            "DATE_ORDER": "MDY" if frame.order is DateOrder.MDY else "DMY",
            "RETURN_TIME_AS_PERIOD": True,
            "STRICT_PARSING": False,
        },
    )
    try:
        data = parser.get_date_data(text)
    except (ValueError, OverflowError, TypeError, KeyError):
        return None
    if data is None or data.date_obj is None or data.period not in {"day", "week"}:
        return None
    day = data.date_obj.date()
    return _Day(
        day,
        (f"read “{text}” as {_short(day, frame.today)}",),
        year_typed=bool(re.search(r"\d{4}", text)),
    )


def _take_day(text: str, frame: _Frame) -> tuple[_Day | None, str]:
    """The day in what is left after the time was taken out."""
    found, rest = _take_date(text, frame)
    residue = " ".join(_FILLER.sub(" ", rest).split())
    if found is not None:
        if not residue:
            return found, ""
        match = re.fullmatch(_WEEKDAY_WORD, residue)
        if match:
            return replace(found, weekday=_weekday(residue)), ""
        return found, residue
    if not residue:
        return None, ""
    relative = _relative(residue, frame)
    if relative is not None:
        return relative, ""
    return None, residue


# ---------------------------------------------------------------- reading


def read(
    text: str,
    intent: Intent,
    *,
    tz: ZoneInfo,
    now: datetime,
    order: DateOrder | None = DateOrder.DMY,
    usage: str,
    example: str,
    default_time: time | None = None,
    default_label: str = "",
) -> Reading:
    """What `text` means as a date for `intent`, read in `tz` relative to `now`, or BadInput
    saying what was understood and the right form. `order` is the person's numeric date order
    (None: unknown, so an ambiguous 3/12 is asked about). A bare day gets `default_time`, when
    given, with a note naming it as `default_label`."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise BadInput("A date is missing.", usage, example)
    if len(cleaned) > MAX_WHEN:
        raise BadInput(
            f"That date is too long to read (over {MAX_WHEN} characters).", usage, example
        )
    local_now = now.astimezone(tz)
    frame = _Frame(local_now.date(), local_now, tz, order, intent, usage, example, cleaned)
    if intent is Intent.SNOOZE:
        span = read_duration(cleaned)
        if span is not None:
            return _checked(
                Reading(start=(now + span).astimezone(tz)), frame, cleaned, year_typed=False
            )
    normal = _normalise(cleaned)
    clock = _take_time(normal, usage, example)
    rest = clock.rest if clock else normal
    day, residue = _take_day(" ".join(rest.split()), frame)
    if residue and clock is None:
        # "monday 10", "tomorrow 3": a lone hour after a day.
        match = re.fullmatch(r"(?P<head>.*\S)\s+(?P<h>\d{1,2})", residue)
        if match:
            head_day, head_rest = _take_day(match["head"], frame)
            if head_day is not None and not head_rest:
                clock = _bare_hour(match.group(0), match, usage, example, literal=False)
                day, residue = head_day, ""
    if residue:
        if re.fullmatch(r"[\d\s./:-]+", residue):
            raise frame.bad(
                f"I couldn't tell what “{residue}” is in “{cleaned}”: a day, a month or an hour?"
            )
        if day is None:
            day = _dateparser_day(residue, frame)
            residue = "" if day is not None else residue
    if residue:
        raise frame.bad(
            f"I couldn't read “{cleaned}” as a date (I don't understand “{residue[:30]}”)."
        )
    if day is None and clock is None:
        raise frame.bad(f"I couldn't read “{cleaned}” as a date.")
    return _combine(day, clock, frame, cleaned, default_time, default_label)


def _combine(
    day: _Day | None,
    clock: _Time | None,
    frame: _Frame,
    typed: str,
    default_time: time | None,
    default_label: str,
) -> Reading:
    notes: list[str] = list(day.notes if day else ()) + list(clock.notes if clock else ())
    if day is not None and day.exact is not None:
        if clock is not None:
            raise frame.bad(f"“{typed}” gives a time twice.")
        return _checked(
            Reading(start=day.exact, notes=tuple(notes)), frame, typed, year_typed=False
        )
    if day is not None and day.weekday is not None and day.day.weekday() != day.weekday:
        raise frame.bad(
            f"{_short(day.day, frame.today)} is a {day.day:%A}, not a "
            f"{WEEKDAYS[day.weekday].title()}: which did you mean?"
        )
    if clock is not None and clock.day_hint is not None:
        hinted = frame.today + timedelta(days=clock.day_hint)
        if day is not None and day.day != hinted:
            raise frame.bad(f"“{typed}” names two different days.")
        day = day or _Day(hinted)
    year_typed = day.year_typed if day else False
    if day is None:
        assert clock is not None
        start_day = frame.today
        if frame.future and datetime.combine(start_day, clock.start, tzinfo=frame.tz) <= frame.now:
            start_day += timedelta(days=1)
            notes.append(f"{clock.start:%H:%M} has passed today, so I took tomorrow")
        day = _Day(start_day)
    elif (
        clock is not None
        and day.rolls
        and datetime.combine(day.day, clock.start, tzinfo=frame.tz) <= frame.now
    ):
        # "friday 9am" typed on a Friday afternoon: the next Friday.
        day = replace(day, day=day.day + timedelta(days=7))
        notes.append(f"that time has passed today, so I took {_short(day.day, frame.today)}")
    if clock is None:
        if default_time is None:
            start = datetime.combine(day.day, time(0, 0), tzinfo=frame.tz)
            return _checked(
                Reading(start=start, has_time=False, notes=tuple(notes)), frame, typed, year_typed
            )
        if day.rolls and datetime.combine(day.day, default_time, tzinfo=frame.tz) <= frame.now:
            day = replace(day, day=day.day + timedelta(days=7))
        start = datetime.combine(day.day, default_time, tzinfo=frame.tz)
        notes.append(
            f"no time given, so I took {default_time:%H:%M}"
            + (f" ({default_label})" if default_label else "")
        )
        return _checked(
            Reading(start=start, has_time=False, notes=tuple(notes)), frame, typed, year_typed
        )
    start = datetime.combine(day.day, clock.start, tzinfo=frame.tz)
    end = datetime.combine(day.day, clock.range_end, tzinfo=frame.tz) if clock.range_end else None
    return _checked(Reading(start=start, end=end, notes=tuple(notes)), frame, typed, year_typed)


def _checked(reading: Reading, frame: _Frame, typed: str, year_typed: bool) -> Reading:
    """The intent's rules on a reading: the future where it is needed, nothing implausibly far."""
    if reading.end is not None and frame.intent is not Intent.INTERVIEW:
        raise frame.bad("A range of times only fits a round; give one moment.")
    start = reading.start
    shown = _short(start.date(), frame.today) + (f" {start:%H:%M}" if reading.has_time else "")
    if frame.intent is Intent.NEXT_CONTACT and start.date() < frame.today:
        raise frame.bad(
            f"I read “{typed}” as {shown}, which is in the past; the next contact must be today "
            "or later."
        )
    if frame.intent is Intent.SNOOZE and start <= frame.now:
        raise frame.bad(
            f"I read “{typed}” as {shown}, which is not in the future; give a later moment."
        )
    distance = abs(start - frame.now)
    limit = FARTHEST if year_typed else NEAR
    if distance > limit:
        span = "a year" if year_typed else "six months"
        raise frame.bad(
            f"I read “{typed}” as {shown}, more than {span} away, so I won't store it; "
            + ("check the date." if year_typed else "if that is what you mean, type the year too.")
        )
    return reading


def preview(
    text: str,
    intent: Intent,
    *,
    tz: ZoneInfo,
    now: datetime,
    order: DateOrder | None,
    default_time: time | None = None,
) -> str:
    """How the bot reads `text` so far, for autocomplete: "Fri 6 Nov 2026 15:00" or why not."""
    if intent is Intent.SNOOZE and read_duration(text) is not None:
        default_time = None
    try:
        reading = read(
            text,
            intent,
            tz=tz,
            now=now,
            order=order,
            usage="",
            example="",
            default_time=default_time,
        )
    except BadInput as problem:
        return f"? {problem.problem}"
    start = reading.start
    shown = f"{start:%a} {start.day} {start:%b} {start.year}"
    if reading.has_time or default_time is not None:
        shown += f" {start:%H:%M}"
    if reading.end is not None:
        shown += f"–{reading.end:%H:%M}"
    if reading.notes:
        shown += f" ({'; '.join(reading.notes)})"
    return shown


def warm_up() -> None:
    """Load dateparser's English data once, so the first user's command isn't the slow one."""
    frame_now = datetime(2026, 1, 1, tzinfo=UTC)
    read(
        "tomorrow 10:00", Intent.INTERVIEW, tz=ZoneInfo("UTC"), now=frame_now, usage="", example=""
    )
    _dateparser_day(
        "next month",
        _Frame(
            frame_now.date(), frame_now, ZoneInfo("UTC"), DateOrder.DMY, Intent.INTERVIEW, "", ""
        ),
    )
