"""One reader for the add and round forms, whatever platform drew them.

The Slack modal, the Discord modal and Discord's slash-command options each turn their payload
into plain field values (company, role, when, kind, interviewers); this module checks those
values with the parser's limits and messages and builds the core's `Add` or `LogRound`. Every
field is checked, so a form can show all its problems at once, each under its own field:
`FormErrors` maps a field name to its message. Dates are left to the core, as for typed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from bot import commands as c
from bot import parser
from bot.content import word
from bot.domain import Interviewer, RoundKind
from bot.errors import BadInput
from bot.kinds import kind_of, spellings
from bot.limits import MAX_NAME, MAX_WHEN

COMPANY, ROLE, WHEN, KIND, INTERVIEWERS = "company", "role", "when", "kind", "interviewers"
_PEOPLE_SEPARATORS = re.compile(r"[;\n]")  # one per line (Slack) or "; " between them (Discord)
T = TypeVar("T")


@dataclass(frozen=True)
class FormErrors:
    """What is wrong with a submitted form, by field, in the form's own field order."""

    command: str
    by_field: dict[str, str]

    def bad_input(self) -> BadInput:
        """All of it as one error with the command's form and example, for a platform that
        can only answer with a message (Discord can't reopen a modal from a modal)."""
        return parser.bad(self.command, " ".join(self.by_field.values()))


class _Collector:
    def __init__(self, command: str) -> None:
        self.command = command
        self.errors: dict[str, str] = {}

    def text(self, field: str, what: str, value: str | None, limit: int) -> str:
        try:
            return parser.clean_text(self.command, what, value, limit)
        except BadInput as problem:
            self.errors[field] = problem.problem
            return ""

    def kind(self, value: str | None) -> RoundKind:
        if not (value and value.strip()):
            return RoundKind.INTERVIEW
        kind = kind_of(value)
        if kind is None:
            self.errors[KIND] = (
                f"“{value.strip()[:40]}” is not a kind of round (kinds are {spellings()})."
            )
            return RoundKind.INTERVIEW
        return kind

    def people(self, text: str | None, first: tuple[Interviewer, ...]) -> tuple[Interviewer, ...]:
        try:
            return parser.read_people(self.command, _PEOPLE_SEPARATORS.split(text or ""), first)
        except BadInput as problem:
            self.errors[INTERVIEWERS] = problem.problem
            return ()

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)


def first_person(command: str, name: str | None, title: str | None) -> tuple[Interviewer, ...]:
    """An interviewer given in fields of their own (Discord's options), or none; raises BadInput."""
    if not (name and name.strip()):
        if title and title.strip():
            raise parser.bad(command, "A title needs the interviewer's name too.")
        return ()
    return (parser.interviewer(command, name, title or ""),)


def read_add(
    company: str | None, role: str | None, when: str | None, *,
    kind: str | None = None, interviewers: str | None = None, first: tuple[Interviewer, ...] = (),
) -> c.Add | FormErrors:
    """The `Add` command from the add form's fields, or what is wrong with them."""
    form = _Collector("add")
    added = c.Add(
        company=form.text(COMPANY, "company name", company, MAX_NAME),
        role=form.text(ROLE, "role", role, MAX_NAME),
        when=form.text(WHEN, "interview date", when, MAX_WHEN),
        kind=form.kind(kind),
        interviewers=form.people(interviewers, first),
    )
    return FormErrors("add", form.errors) if form.errors else added


def read_round(
    number: int | None, when: str | None, *,
    kind: str | None = None, interviewers: str | None = None, first: tuple[Interviewer, ...] = (),
) -> c.LogRound | FormErrors:
    """The `LogRound` command from the round form's fields (`number`: the application it was
    opened for, None if the form lost it), or what is wrong with them."""
    form = _Collector("round")
    logged = c.LogRound(
        number=number or 0,
        when=form.text(WHEN, "round date", when, MAX_WHEN),
        kind=form.kind(kind),
        interviewers=form.people(interviewers, first),
    )
    if number is None:
        form.fail(WHEN, word("interview_form", "lost"))
    return FormErrors("round", form.errors) if form.errors else logged


def or_raise(read: T | FormErrors) -> T:
    """The command, or the form's problems raised as one BadInput."""
    if isinstance(read, FormErrors):
        raise read.bad_input()
    return read
