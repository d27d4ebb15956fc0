"""Reading an interview round from what the user typed: a date, a time or a range."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.catalogue import BY_NAME
from bot.dates import read_time_range, read_when
from bot.domain import Interviewer, NewRound, RoundKind
from bot.errors import BadInput
from bot.handlers.context import Context

DEFAULT_LENGTH = timedelta(hours=1)
ASSUMED_START = time(10, 0)
FARTHEST = timedelta(days=366)


def read_round(
    when: str, kind: RoundKind, interviewers: tuple[Interviewer, ...], ctx: Context, command: str
) -> tuple[NewRound, str]:
    """The round, and a note for the reply when something had to be assumed."""
    spec = BY_NAME[command]
    tz = ctx.settings.zone
    note = ""
    ranged = read_time_range(when)
    if ranged is not None:
        head, start_time, end_time = ranged
        day = read_when(head or "today", tz, ctx.now, usage=spec.usage, example=spec.example).day
        start = datetime.combine(day, start_time, tzinfo=tz)
        end = datetime.combine(day, end_time, tzinfo=tz)
        if end <= start:
            raise BadInput("The round ends before it starts.", spec.usage, spec.example)
    else:
        moment = read_when(when, tz, ctx.now, usage=spec.usage, example=spec.example)
        start = moment.at
        if not moment.has_time:
            start = datetime.combine(moment.day, ASSUMED_START, tzinfo=tz)
            note = f"No time given, so I assumed {ASSUMED_START:%H:%M}; log it again with a time if that's off."
        end = start + DEFAULT_LENGTH
    if abs(start - ctx.now) > FARTHEST:
        raise BadInput("That date is more than a year away; check it.", spec.usage, spec.example)
    return NewRound(kind=kind, starts_at=start, ends_at=end, interviewers=interviewers), note
