"""The forms: `/followup add` with no text (or the Home tab's button) opens the add form, whose
submission becomes the core's `bot.commands.Add`; `/followup review <id>` with no draft opens
the review form, one multi-line field whose text (paragraphs and line breaks as typed) becomes
`bot.commands.Review`.

A field the core can't use comes back as an inline error under that field
(`response_action: errors`), so nothing the user typed is lost. Here the payload only
becomes field values: `bot.forms` checks them (the same limits and messages as typed text,
and as Discord's forms), and the core reads dates, so its errors belong to the date field.

The interview's day and times are Block Kit pickers (a date picker, a start and an optional
end time picker in the user's Slack timezone) rather than free text, so nothing has to be
guessed; the picked values reach the core as an ISO date with a time or range
("2026-11-06 14:00-15:30"), which it reads as written. A form opened before the pickers
existed still submits its free-text "when".

The add and round forms can open filled in (`Draft`, from `bot.extract`): from a message
through the message shortcut, or from an imported invitation through "Edit first". The values
become the inputs' initial values, a context line above says where they came from, and the
form's `Origin` carries the invitation it was filled from, so the round logged from it stays
linked to that invitation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
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
from bot import forms
from bot.content import word
from bot.domain import InvitationRef, RoundKind
from bot.extract import Draft
from bot.forms import FormErrors
from bot.limits import MAX_NAME, MAX_PEOPLE_TEXT
from bot.messages import Message

ADD_FORM = "followup-add"
REVIEW_FORM = "followup-review"
ROUND_FORM = "followup-round"
DRAFT = "draft"
MAX_DRAFT = 3000  # the most Slack lets a plain-text input hold
VALUE = "value"


@dataclass(frozen=True)
class Origin:
    """Where the form was opened, carried in `private_metadata` to answer in the same place:
    `replace` answers in place of the message the form came from (an invitation's proposal);
    `invitation` is the (key, SEQUENCE) of the invitation the form was filled in from, so the
    round it logs is found again when that invitation is updated or cancelled; `home`: opened
    from the Home tab, which then shows the answer."""

    response_url: str | None = None
    direct: bool = True
    number: int | None = None  # the application a review or round form is for
    invitation: InvitationRef | None = None
    replace: bool = False
    home: bool = False

    def dump(self) -> str:
        data: dict[str, Any] = {
            "response_url": self.response_url,
            "direct": self.direct,
            "number": self.number,
        }
        if self.invitation is not None:
            data["invitation"] = [self.invitation.key, self.invitation.sequence]
        if self.replace:
            data["replace"] = True
        if self.home:
            data["home"] = True
        return json.dumps(data)

    @staticmethod
    def load(text: str | None) -> Origin:
        try:
            data = json.loads(text or "{}")
            number = data.get("number")
            return Origin(
                data.get("response_url") or None,
                bool(data.get("direct", True)),
                number if isinstance(number, int) and not isinstance(number, bool) else None,
                _invitation(data.get("invitation")),
                data.get("replace") is True,
                data.get("home") is True,
            )
        except (ValueError, AttributeError):
            return Origin()


def _invitation(value: Any) -> InvitationRef | None:
    if not (isinstance(value, list) and len(value) == 2):
        return None
    key, sequence = value
    if not (
        isinstance(key, str)
        and 0 < len(key) <= 64
        and isinstance(sequence, int)
        and not isinstance(sequence, bool)
    ):
        return None
    return InvitationRef(key, sequence)


def _input(
    block_id: str,
    label: str,
    placeholder: str,
    max_length: int,
    *,
    optional: bool = False,
    multiline: bool = False,
    initial: str = "",
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        optional=optional,
        element=PlainTextInputElement(
            action_id=VALUE,
            placeholder=PlainTextObject(text=placeholder),
            max_length=max_length,
            multiline=multiline or None,
            initial_value=initial[:max_length] or None,
        ),
    )


def _picker(
    block_id: str,
    label: str,
    element: DatePickerElement | TimePickerElement | StaticSelectElement,
    *,
    optional: bool = False,
) -> InputBlock:
    return InputBlock(
        block_id=block_id, label=PlainTextObject(text=label), optional=optional, element=element
    )


def _when_pickers(timezone: str | None, draft: Draft) -> list[InputBlock]:
    day = draft.day.isoformat() if draft.day else None
    start = f"{draft.start:%H:%M}" if draft.start else "10:00"
    end = f"{draft.end:%H:%M}" if draft.end else None
    return [
        _picker(
            "day",
            word("interview_form", "day"),
            DatePickerElement(
                action_id=VALUE,
                placeholder=word("interview_form", "day-placeholder"),
                initial_date=day,
            ),
        ),
        _picker(
            "start",
            word("interview_form", "start"),
            TimePickerElement(action_id=VALUE, initial_time=start, timezone=timezone),
        ),
        _picker(
            "end",
            word("interview_form", "end"),
            TimePickerElement(action_id=VALUE, initial_time=end, timezone=timezone),
            optional=True,
        ),
    ]


def _kind_picker(kind: RoundKind = RoundKind.INTERVIEW) -> InputBlock:
    """The round's kind, "interview" until another is picked (or the draft's)."""
    kinds = [Option(value=k.value, label=k.value.replace("-", " ")) for k in RoundKind]
    default = next(o for o in kinds if o.value == kind.value)
    return _picker(
        "kind",
        word("interview_form", "kind"),
        StaticSelectElement(action_id=VALUE, options=kinds, initial_option=default),
    )


def _people(draft: Draft) -> str:
    """Interviewers one per line, "name, title", as the form reads them back."""
    return "\n".join(f"{p.name}, {p.title}" if p.title else p.name for p in draft.interviewers)


def _filled_note(draft: Draft, source: str) -> list[Block]:
    """Above a form filled in by the bot: where the values came from, and to check them."""
    if not source:
        return []
    text = word("interview_form", "filled", source=source)
    if not draft.found_anything and not draft.day:
        text = word("interview_form", "found-nothing", source=source)
    if draft.notes:
        text += " (" + "; ".join(draft.notes) + ")"
    return [
        ContextBlock(
            block_id="fu-filled", elements=[PlainTextObject(text=safe(text, 1900), emoji=True)]
        )
    ]


def round_form(
    origin: Origin, timezone: str | None = None, draft: Draft | None = None, source: str = ""
) -> View:
    """`round <id>` alone: a further round of application `origin.number`, with the same day
    and time pickers as the add form, and its kind; `draft` fills it in (from `source`)."""
    draft = draft or Draft()
    return View(
        type="modal",
        callback_id=ROUND_FORM,
        title=PlainTextObject(
            text=word("interview_form", "round-title", number=origin.number)[:24]
        ),
        submit=PlainTextObject(text=word("interview_form", "round-submit")),
        close=PlainTextObject(text=word("interview_form", "cancel")),
        private_metadata=origin.dump(),
        blocks=[
            *_filled_note(draft, source),
            *_when_pickers(timezone, draft),
            _kind_picker(draft.kind),
            _input(
                "interviewers",
                word("interview_form", "interviewers"),
                word("interview_form", "round-interviewers-placeholder"),
                MAX_PEOPLE_TEXT,
                optional=True,
                multiline=True,
                initial=_people(draft),
            ),
        ],
    )


def add_form(
    origin: Origin, timezone: str | None = None, draft: Draft | None = None, source: str = ""
) -> View:
    """The form; its time pickers are in `timezone` (the user's, as Slack reports it);
    `draft` fills it in (from `source`: a message, an invitation)."""
    draft = draft or Draft()
    return View(
        type="modal",
        callback_id=ADD_FORM,
        title=PlainTextObject(text=word("interview_form", "title")),
        submit=PlainTextObject(text=word("interview_form", "submit")),
        close=PlainTextObject(text=word("interview_form", "cancel")),
        private_metadata=origin.dump(),
        blocks=[
            *_filled_note(draft, source),
            _input(
                "company",
                word("interview_form", "company"),
                word("interview_form", "company-placeholder"),
                MAX_NAME,
                initial=draft.company,
            ),
            _input(
                "role",
                word("interview_form", "role"),
                word("interview_form", "role-placeholder"),
                MAX_NAME,
                initial=draft.role,
            ),
            *_when_pickers(timezone, draft),
            _kind_picker(draft.kind),
            _input(
                "interviewers",
                word("interview_form", "interviewers"),
                word("interview_form", "interviewers-placeholder"),
                MAX_PEOPLE_TEXT,
                optional=True,
                multiline=True,
                initial=_people(draft),
            ),
        ],
    )


def review_form(origin: Origin) -> View:
    return View(
        type="modal",
        callback_id=REVIEW_FORM,
        title=PlainTextObject(text=word("review_form", "title-for", number=origin.number)[:24]),
        submit=PlainTextObject(text=word("review_form", "submit")),
        close=PlainTextObject(text=word("review_form", "cancel")),
        private_metadata=origin.dump(),
        blocks=[
            _input(
                DRAFT,
                word("review_form", "draft"),
                word("review_form", "draft-placeholder"),
                MAX_DRAFT,
                multiline=True,
            ),
        ],
    )


def read_review(state_values: dict[str, Any], origin: Origin) -> c.Review | dict[str, str]:
    """The `Review` command from the review form, or errors by block id."""
    text = _value(state_values, DRAFT).strip()
    if origin.number is None:
        return {DRAFT: word("interview_form", "lost")}
    if not text:
        return {DRAFT: word("review_form", "empty")}
    return c.Review(origin.number, text)


def _value(state: dict[str, Any], block_id: str, key: str = "value") -> str:
    return str(((state.get(block_id) or {}).get(VALUE) or {}).get(key) or "")


def _picked_when(state: dict[str, Any], errors: dict[str, str]) -> str:
    """"2026-11-06 14:00-15:30" from the pickers (or the old free-text field's text)."""
    if "when" in state:
        return _value(state, "when")
    day, start, end = (
        _value(state, "day", "selected_date"),
        _value(state, "start", "selected_time"),
        _value(state, "end", "selected_time"),
    )
    if not day:
        errors["day"] = word("interview_form", "pick-day")
    if not start:
        errors["start"] = word("interview_form", "pick-start")
    return f"{day} {start}-{end}" if end else f"{day} {start}"


def _kind(state: dict[str, Any]) -> str | None:
    return (
        str(
            (((state.get("kind") or {}).get(VALUE) or {}).get("selected_option") or {}).get("value")
            or ""
        )
        or None
    )


def _errors(
    state: dict[str, Any], found: FormErrors | None, picked: dict[str, str]
) -> dict[str, str]:
    """The core reader's errors by block id (the date's go under the day picker when there is
    one), with the pickers' own."""
    by_block = dict(picked)
    for field, message in (found.by_field.items() if found else ()):
        if field == forms.WHEN and picked:
            continue  # an unpicked day or time: the pickers' own errors already say so
        block = "day" if field == forms.WHEN and "when" not in state else field
        by_block.setdefault(block, safe(message, 300))
    return by_block


def read_add(state_values: dict[str, Any], origin: Origin | None = None) -> c.Add | dict[str, str]:
    """The `Add` command from the form's `view.state.values` (with the invitation the form
    was filled in from, if any), or errors by block id."""
    picked: dict[str, str] = {}
    when = _picked_when(state_values, picked)
    command = forms.read_add(
        _value(state_values, "company"), _value(state_values, "role"), when,
        kind=_kind(state_values), interviewers=_value(state_values, "interviewers"),
    )
    if isinstance(command, FormErrors) or picked:
        return _errors(state_values, command if isinstance(command, FormErrors) else None, picked)
    return (
        replace(command, invitation=origin.invitation)
        if origin is not None and origin.invitation
        else command
    )


def read_round_form(state_values: dict[str, Any], origin: Origin) -> c.LogRound | dict[str, str]:
    """The `LogRound` command from the round form, or errors by block id."""
    picked: dict[str, str] = {}
    when = _picked_when(state_values, picked)
    command = forms.read_round(
        origin.number,
        when,
        kind=_kind(state_values),
        interviewers=_value(state_values, "interviewers"),
    )
    if isinstance(command, FormErrors) or picked:
        return _errors(state_values, command if isinstance(command, FormErrors) else None, picked)
    return replace(command, invitation=origin.invitation) if origin.invitation else command


def core_errors(reply: Message, state_values: dict[str, Any] | None = None) -> dict[str, str]:
    """The core's refusal of a form, placed under the field it concerns (the date's). A
    refusal that isn't about the input (something failed; nothing changed) goes under the
    first field, as the core worded it."""
    if "Form:" not in reply.body:
        first = next(iter(state_values), "company") if state_values else "company"
        return {first: safe(" ".join(filter(None, (reply.title, reply.body, reply.footer))), 300)}
    if state_values is not None and "when" not in state_values:
        return {"day": safe(reply.title, 300)}
    return {
        "when": safe(f"{reply.title} Try e.g. “tomorrow 10:00” or “2025-03-14 14:00-15:30”.", 300)
    }


def review_errors(reply: Message) -> dict[str, str]:
    """The core's refusal of a review (an unknown id, no step due), under the draft."""
    return {DRAFT: safe(reply.title, 300)}
