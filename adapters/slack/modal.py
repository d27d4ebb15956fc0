"""The forms: `/followup add` with no text (or the Home tab's button) opens the add form, whose
submission becomes the core's `bot.commands.Add`; `/followup review <id>` with no draft opens
the review form, one multi-line field whose text (paragraphs and line breaks as typed) becomes
`bot.commands.Review`.

A field the core can't use comes back as an inline error under that field
(`response_action: errors`), so nothing the user typed is lost. The core reads dates, so
its errors belong to the date field; length and count limits are checked here first.

The interview's day and times are Block Kit pickers (a date picker, a start and an optional
end time picker in the user's Slack timezone) rather than free text, so nothing has to be
guessed; the picked values reach the core as an ISO date with a time or range
("2026-11-06 14:00-15:30"), which it reads as written. A form opened before the pickers
existed still submits its free-text "when".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from adapters.slack.escape import safe
from bot import commands as c
from bot.domain import Interviewer, RoundKind
from bot.messages import Message
from bot.parser import MAX_NAME, MAX_PERSON

ADD_FORM = "followup-add"
REVIEW_FORM = "followup-review"
ROUND_FORM = "followup-round"
DRAFT = "draft"
MAX_DRAFT = 3000  # the most Slack lets a plain-text input hold
VALUE = "value"
MAX_WHEN = 100
MAX_PEOPLE = 10


@dataclass(frozen=True)
class Origin:
    """Where the form was opened, carried in `private_metadata` to answer in the same place."""

    response_url: str | None = None
    direct: bool = True
    number: int | None = None  # the application a review form is for

    def dump(self) -> str:
        return json.dumps({"response_url": self.response_url, "direct": self.direct, "number": self.number})

    @staticmethod
    def load(text: str | None) -> Origin:
        try:
            data = json.loads(text or "{}")
            number = data.get("number")
            return Origin(
                data.get("response_url") or None,
                bool(data.get("direct", True)),
                number if isinstance(number, int) and not isinstance(number, bool) else None,
            )
        except (ValueError, AttributeError):
            return Origin()


def _input(block_id: str, label: str, placeholder: str, max_length: int, *, optional: bool = False, multiline: bool = False) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        optional=optional,
        element=PlainTextInputElement(
            action_id=VALUE,
            placeholder=PlainTextObject(text=placeholder),
            max_length=max_length,
            multiline=multiline or None,
        ),
    )


def _picker(
    block_id: str, label: str, element: DatePickerElement | TimePickerElement | StaticSelectElement, *, optional: bool = False
) -> InputBlock:
    return InputBlock(block_id=block_id, label=PlainTextObject(text=label), optional=optional, element=element)


def _when_pickers(timezone: str | None) -> list[InputBlock]:
    return [
        _picker("day", "Day of the interview (past or coming)", DatePickerElement(action_id=VALUE, placeholder="Pick the day")),
        _picker("start", "Starts at", TimePickerElement(action_id=VALUE, initial_time="10:00", timezone=timezone)),
        _picker("end", "Ends at (an hour later if left empty)", TimePickerElement(action_id=VALUE, timezone=timezone), optional=True),
    ]


def round_form(origin: Origin, timezone: str | None = None) -> View:
    """`round <id>` alone: a further round of application `origin.number`, with the same day
    and time pickers as the add form, and its kind."""
    kinds = [Option(value=k.value, label=k.value.replace("-", " ")) for k in RoundKind]
    return View(
        type="modal",
        callback_id=ROUND_FORM,
        title=PlainTextObject(text=f"Round for #{origin.number}"[:24]),
        submit=PlainTextObject(text="Log it"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=origin.dump(),
        blocks=[
            *_when_pickers(timezone),
            _picker("kind", "Kind of round", StaticSelectElement(action_id=VALUE, options=kinds, initial_option=kinds[1])),
            _input("interviewers", "Interviewers (one per line: name, title)", "Sam Lee, Head of Data", 1000, optional=True, multiline=True),
        ],
    )


def add_form(origin: Origin, timezone: str | None = None) -> View:
    """The form; its time pickers are in `timezone` (the user's, as Slack reports it)."""
    return View(
        type="modal",
        callback_id=ADD_FORM,
        title=PlainTextObject(text="Log an interview"),
        submit=PlainTextObject(text="Plan follow-ups"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=origin.dump(),
        blocks=[
            _input("company", "Company", "Acme Corp", MAX_NAME),
            _input("role", "Role", "Data Engineer", MAX_NAME),
            *_when_pickers(timezone),
            _input("interviewers", "Interviewers (one per line: name, title)", "Jane Doe, Engineering Manager", 1000, optional=True, multiline=True),
        ],
    )


def review_form(origin: Origin) -> View:
    return View(
        type="modal",
        callback_id=REVIEW_FORM,
        title=PlainTextObject(text=f"Review draft #{origin.number}"[:24]),
        submit=PlainTextObject(text="Check it"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=origin.dump(),
        blocks=[
            _input(DRAFT, "Paste your email, paragraphs and signature included", "Hi Jane,\n\nThank you for …", MAX_DRAFT, multiline=True),
        ],
    )


def read_review(state_values: dict[str, Any], origin: Origin) -> c.Review | dict[str, str]:
    """The `Review` command from the review form, or errors by block id."""
    text = _value(state_values, DRAFT).strip()
    if origin.number is None:
        return {DRAFT: "This form has lost track of its application; run the command again."}
    if not text:
        return {DRAFT: "Paste the email you want me to check."}
    return c.Review(origin.number, text)


def _value(state: dict[str, Any], block_id: str, key: str = "value") -> str:
    return str(((state.get(block_id) or {}).get(VALUE) or {}).get(key) or "")


def _picked_when(state: dict[str, Any], errors: dict[str, str]) -> str:
    """"2026-11-06 14:00-15:30" from the pickers (or the old free-text field's text)."""
    if "when" in state:
        return " ".join(_value(state, "when").split())
    day, start, end = _value(state, "day", "selected_date"), _value(state, "start", "selected_time"), _value(state, "end", "selected_time")
    if not day:
        errors["day"] = "Pick the day of the interview."
    if not start:
        errors["start"] = "Pick the time it starts."
    return f"{day} {start}-{end}" if end else f"{day} {start}"


def read_add(state_values: dict[str, Any]) -> c.Add | dict[str, str]:
    """The `Add` command from the form's `view.state.values`, or errors by block id."""
    errors: dict[str, str] = {}
    fields = {}
    fields["when"] = _picked_when(state_values, errors)
    if "when" in state_values and not fields["when"]:
        errors["when"] = "The date is missing."
    for block_id, label, limit in (("company", "company", MAX_NAME), ("role", "role", MAX_NAME)):
        text = " ".join(_value(state_values, block_id).split())
        if not text:
            errors[block_id] = f"The {label} is missing."
        elif len(text) > limit:
            errors[block_id] = f"At most {limit} characters, please."
        fields[block_id] = text
    people = _people(state_values, errors)
    if errors:
        return errors
    return c.Add(company=fields["company"], role=fields["role"], when=fields["when"], interviewers=people)


def _people(state_values: dict[str, Any], errors: dict[str, str]) -> tuple[Interviewer, ...]:
    people = []
    for line in _value(state_values, "interviewers").splitlines():
        name, _, title = line.partition(",")
        name, title = " ".join(name.split()), " ".join(title.split())
        if name:
            people.append(Interviewer(name[:MAX_PERSON], title[:MAX_PERSON]))
    if len(people) > MAX_PEOPLE:
        errors["interviewers"] = f"At most {MAX_PEOPLE} interviewers for one round."
    return tuple(people)


def read_round_form(state_values: dict[str, Any], origin: Origin) -> c.LogRound | dict[str, str]:
    """The `LogRound` command from the round form, or errors by block id."""
    errors: dict[str, str] = {}
    when = _picked_when(state_values, errors)
    kind = str((((state_values.get("kind") or {}).get(VALUE) or {}).get("selected_option") or {}).get("value") or "interview")
    if kind not in {k.value for k in RoundKind}:
        errors["kind"] = "Pick one of the kinds offered."
    people = _people(state_values, errors)
    if origin.number is None:
        errors["day"] = "This form has lost track of its application; run the command again."
    if errors or origin.number is None:
        return errors
    return c.LogRound(number=origin.number, when=when, kind=RoundKind(kind), interviewers=people)


def core_errors(reply: Message, state_values: dict[str, Any] | None = None) -> dict[str, str]:
    """The core's refusal of a form, placed under the field it concerns (the date's)."""
    if state_values is not None and "when" not in state_values:
        return {"day": safe(reply.title, 300)}
    return {"when": safe(f"{reply.title} Try e.g. “tomorrow 10:00” or “2025-03-14 14:00-15:30”.", 300)}


def review_errors(reply: Message) -> dict[str, str]:
    """The core's refusal of a review (an unknown id, no step due), under the draft."""
    return {DRAFT: safe(reply.title, 300)}
