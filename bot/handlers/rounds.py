"""Reading an interview round from what the user typed: a day, a time or a range of times."""

from __future__ import annotations

from datetime import time, timedelta

from bot.dates import Intent
from bot.domain import Interviewer, NewRound, RoundKind
from bot.handlers.context import Context

DEFAULT_LENGTH = timedelta(hours=1)
ASSUMED_START = time(10, 0)


def read_round(
    when: str, kind: RoundKind, interviewers: tuple[Interviewer, ...], ctx: Context, command: str
) -> tuple[NewRound, tuple[str, ...]]:
    """The round (the nearest occurrence of what was typed, past or future; an hour long unless
    a range was given), and what had to be assumed to read it."""
    reading = ctx.read_date(
        when,
        Intent.INTERVIEW,
        command,
        default_time=ASSUMED_START,
        default_label="log it again with a time if that's off",
    )
    end = reading.end or reading.start + DEFAULT_LENGTH
    return NewRound(
        kind=kind, starts_at=reading.start, ends_at=end, interviewers=interviewers
    ), reading.notes
