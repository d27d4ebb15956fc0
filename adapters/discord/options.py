"""Typed slash-command options → the core's commands.

The text parser (`bot.parser`) reads one line; here the options arrive already split, so
only what the parser would check about the *shape* of each value is checked again, with the
parser's own limits and the catalogue's form and example in the error. Dates, ids and
ownership are the core's business, exactly as for typed text.
"""

from __future__ import annotations

from bot import commands as c
from bot.catalogue import BY_NAME
from bot.domain import Interviewer
from bot.errors import BadInput
from bot.parser import MAX_NAME, MAX_NOTE, MAX_PERSON

MAX_WHEN = 100
MAX_PEOPLE = 10


def bad(command: str, problem: str) -> BadInput:
    spec = BY_NAME[command]
    return BadInput(problem, spec.usage, spec.example)


def text(command: str, what: str, value: str | None, limit: int) -> str:
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise bad(command, f"The {what} is missing.")
    if len(cleaned) > limit:
        raise bad(command, f"The {what} is too long ({len(cleaned)} characters; at most {limit}).")
    return cleaned


def optional_text(command: str, what: str, value: str | None, limit: int) -> str | None:
    return text(command, what, value, limit) if value and value.strip() else None


def people(command: str, name: str | None = None, title: str | None = None, others: str | None = None) -> tuple[Interviewer, ...]:
    """The first interviewer from their own options, more as "Name, Title; Name, Title"."""
    found: list[Interviewer] = []
    if name and name.strip():
        found.append(Interviewer(text(command, "interviewer's name", name, MAX_PERSON), " ".join((title or "").split())[:MAX_PERSON]))
    elif title and title.strip():
        raise bad(command, "A title needs the interviewer's name too.")
    for part in (others or "").split(";"):
        person, _, role = part.partition(",")
        if person.strip():
            found.append(Interviewer(text(command, "interviewer's name", person, MAX_PERSON), " ".join(role.split())[:MAX_PERSON]))
    if len(found) > MAX_PEOPLE:
        raise bad(command, f"That is more than {MAX_PEOPLE} interviewers for one round.")
    return tuple(found)


def add(company: str | None, role: str | None, when: str | None, interviewers: tuple[Interviewer, ...]) -> c.Add:
    return c.Add(
        company=text("add", "company name", company, MAX_NAME),
        role=text("add", "role", role, MAX_NAME),
        when=text("add", "interview date", when, MAX_WHEN),
        interviewers=interviewers,
    )


def note(value: str | None) -> str:
    cleaned = (value or "").strip()
    if len(cleaned) > MAX_NOTE:
        raise bad("heard", f"The note is too long (at most {MAX_NOTE} characters).")
    return cleaned
