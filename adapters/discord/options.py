"""Typed slash-command options → the core's commands.

The text parser (`bot.parser`) reads one line; here the options arrive already split, so
they go through the core's form reader (`bot.forms`, shared with the Slack and Discord forms)
or, for the other commands, the parser's own checks and limits, with the catalogue's form and
example in the error. Dates, ids and
ownership are the core's business, exactly as for typed text.
"""

from __future__ import annotations

from bot import commands as c
from bot import forms, parser
from bot.content import word
from bot.groups import WEEKDAYS
from bot.limits import MAX_NOTE, MAX_WHEN

MAX_DRAFT = 4000  # the most a Discord text option or a modal's paragraph field can hold

bad = parser.bad
text = parser.clean_text


def optional_text(command: str, what: str, value: str | None, limit: int) -> str | None:
    return text(command, what, value, limit) if value and value.strip() else None


def add(
    company: str | None,
    role: str | None,
    when: str | None,
    *,
    kind: str | None = None,
    name: str | None = None,
    title: str | None = None,
    others: str | None = None,
) -> c.Add:
    """`add`, from its options or the add form: the first interviewer may come in options of
    their own, more as "Name, Title; Name, Title". Checked by the core's form reader."""
    return forms.or_raise(
        forms.read_add(
            company,
            role,
            when,
            kind=kind,
            interviewers=others,
            first=forms.first_person("add", name, title),
        )
    )


def log_round(
    number: int,
    when: str | None,
    *,
    kind: str | None = None,
    name: str | None = None,
    title: str | None = None,
    others: str | None = None,
) -> c.LogRound:
    """`round <id> <when>` from its options, read like the add form."""
    first = forms.first_person("round", name, title)
    return forms.or_raise(
        forms.read_round(number, when, kind=kind, interviewers=others, first=first)
    )


def draft(number: int, value: str | None, *, form_if_empty: bool = True) -> c.Review | c.ReviewForm:
    """`review <id> [text]`: the draft as typed, line breaks kept (wherever Discord passes them
    on); without one, the review form (or, from the form itself, a request to paste it)."""
    cleaned = (value or "").strip()
    if not cleaned and form_if_empty:
        return c.ReviewForm(number)
    if not cleaned:
        raise bad("review", word("review_form", "empty"))
    if len(cleaned) > MAX_DRAFT:
        raise bad(
            "review", f"The draft is too long ({len(cleaned)} characters; at most {MAX_DRAFT})."
        )
    return c.Review(number, cleaned)


def note(value: str | None) -> str:
    cleaned = (value or "").strip()
    if len(cleaned) > MAX_NOTE:
        raise bad("heard", f"The note is too long (at most {MAX_NOTE} characters).")
    return cleaned


def digest(weekday: str, at: str, timezone: str | None) -> c.ScheduleDigest:
    """`digest <weekday> <HH:MM> [tz]`. The weekday is one of Discord's fixed choices; the time
    and zone are read by the core, as for typed text."""
    day = weekday.strip().lower()
    if day not in WEEKDAYS:
        raise bad("digest", f"“{weekday.strip()[:20]}” is not a day of the week (monday … sunday).")
    return c.ScheduleDigest(
        WEEKDAYS.index(day),
        text("digest", "time", at, MAX_WHEN),
        optional_text("digest", "timezone", timezone, MAX_WHEN),
    )
