"""The settings modal, opened from the Home tab's "Settings" button: the same settings as
`/followup settings …`, with Slack's own controls.

- Timezone: an `external_select` whose options Slack asks for as the person types
  (`block_suggestion`, answered from the tz database's names, at most 100, Slack's limit);
  a static select can't hold the ~600 zones.
- Nudge hour and quiet hours: `timepicker`s; "No quiet hours" is a checkbox (a time picker
  can't be emptied once set).
- Weekends: a checkbox. Date order: a select (from my locale and timezone, day first, month
  first).

The submission becomes the core's `Settings` command and is checked there, by the very rules
(and words) that check a typed `settings` line; a refusal comes back under the field it is
about (`response_action: errors`) and nothing is saved. The timezone is sent only when it was
changed, so saving the other settings doesn't pin a timezone that follows the Slack profile.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from adapters.slack.escape import safe
from bot import commands as c
from bot.content import word
from bot.domain import DeliverySettings
from bot.messages import Message

SETTINGS_FORM = "followup-settings"
TIMEZONE_ACTION = "followup:settings-timezone"  # the select whose options Slack asks for
TIMEZONE, HOUR, QUIET_START, QUIET_END, QUIET_OFF, WEEKENDS, DATES = (
    "timezone", "hour", "quiet_start", "quiet_end", "quiet_off", "weekends", "dates",
)
VALUE = "value"
OPTIONS_LIMIT = 100  # the most options Slack takes in one answer
OPTION_TEXT = 75
ORDERS = {
    "auto": word("settings_form", "dates-auto"),
    "dmy": word("settings_form", "dates-dmy"),
    "mdy": word("settings_form", "dates-mdy"),
}
# Which block shows a refusal about which of the core's settings.
FIELD_BLOCKS = {
    "timezone": TIMEZONE,
    "hour": HOUR,
    "quiet": QUIET_START,
    "weekends": WEEKENDS,
    "dates": DATES,
}


def _option(value: str, text: str) -> Option:
    return Option(value=value, text=PlainTextObject(text=safe(text, OPTION_TEXT)))


def _input(
    block_id: str, label: str, element: Any, hint: str | None = None, *, optional: bool = False
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        element=element,
        hint=PlainTextObject(text=hint) if hint else None,
        optional=optional,
    )


def _checkbox(value: str, text: str, checked: bool) -> CheckboxesElement:
    option = _option(value, text)
    return CheckboxesElement(
        action_id=VALUE, options=[option], initial_options=[option] if checked else None
    )


def settings_form(current: DeliverySettings) -> View:
    """The modal, filled with the person's settings as they are."""
    quiet_off = current.quiet_start == current.quiet_end
    quiet = (
        {}
        if quiet_off
        else {"start": f"{current.quiet_start:%H:%M}", "end": f"{current.quiet_end:%H:%M}"}
    )
    order = current.date_order.value if current.date_order else "auto"
    blocks = [
        _input(
            TIMEZONE,
            word("settings_form", "timezone"),
            ExternalDataSelectElement(
                action_id=TIMEZONE_ACTION,
                placeholder=PlainTextObject(text=word("settings_form", "timezone-placeholder")),
                initial_option=_option(current.timezone, current.timezone),
                min_query_length=2,
            ),
            word("settings_form", "timezone-hint"),
        ),
        _input(
            HOUR,
            word("settings_form", "hour"),
            TimePickerElement(action_id=VALUE, initial_time=f"{current.nudge_hour:%H:%M}"),
            word("settings_form", "hour-hint"),
        ),
        _input(
            QUIET_START,
            word("settings_form", "quiet-start"),
            TimePickerElement(action_id=VALUE, initial_time=quiet.get("start")),
            optional=True,
        ),
        _input(
            QUIET_END,
            word("settings_form", "quiet-end"),
            TimePickerElement(action_id=VALUE, initial_time=quiet.get("end")),
            word("settings_form", "quiet-hint"),
            optional=True,
        ),
        _input(
            QUIET_OFF,
            word("settings_form", "quiet-off"),
            _checkbox("off", word("settings_form", "quiet-off-choice"), quiet_off),
            optional=True,
        ),
        _input(
            WEEKENDS,
            word("settings_form", "weekends"),
            _checkbox("on", word("settings_form", "weekends-choice"), current.weekends),
            word("settings_form", "weekends-hint"),
            optional=True,
        ),
        _input(
            DATES,
            word("settings_form", "dates"),
            StaticSelectElement(
                action_id=VALUE,
                options=[_option(v, t) for v, t in ORDERS.items()],
                initial_option=_option(order, ORDERS[order]),
            ),
            word("settings_form", "dates-hint"),
        ),
    ]
    return View(
        type="modal",
        callback_id=SETTINGS_FORM,
        title=PlainTextObject(text=word("settings_form", "title")),
        submit=PlainTextObject(text=word("settings_form", "save")),
        close=PlainTextObject(text=word("settings_form", "cancel")),
        blocks=blocks,
        private_metadata=json.dumps({"timezone": current.timezone}),
    )


def _state(values: dict[str, Any], block: str) -> dict[str, Any]:
    entry = (values.get(block) or {}).values()
    first = next(iter(entry), None)
    return first if isinstance(first, dict) else {}


def _selected(values: dict[str, Any], block: str) -> str:
    option = _state(values, block).get("selected_option")
    return str(option.get("value") or "") if isinstance(option, dict) else ""


def _time(values: dict[str, Any], block: str) -> str:
    return str(_state(values, block).get("selected_time") or "")


def _checked(values: dict[str, Any], block: str) -> set[str]:
    options = _state(values, block).get("selected_options")
    return (
        {str(o.get("value")) for o in options if isinstance(o, dict)}
        if isinstance(options, list)
        else set()
    )


def read_settings(values: dict[str, Any], metadata: str | None) -> c.Settings:
    """The core's `Settings` command for what the form holds (checked by the core)."""
    try:
        opened_with = json.loads(metadata or "{}").get("timezone")
    except (ValueError, AttributeError):
        opened_with = None
    timezone = _selected(values, TIMEZONE)
    start, end = _time(values, QUIET_START), _time(values, QUIET_END)
    quiet = (
        "off" if "off" in _checked(values, QUIET_OFF) or not (start or end) else f"{start}-{end}"
    )
    return c.Settings(
        timezone=timezone if timezone != opened_with else None,
        hour=_time(values, HOUR),
        quiet=quiet,
        weekends="on" in _checked(values, WEEKENDS),
        dates=_selected(values, DATES) or "auto",
    )


def settings_errors(reply: Message) -> dict[str, str]:
    """The core's refusal under the field it is about; anything else (something failed, and
    nothing changed) under the first field, as the core worded it."""
    block = FIELD_BLOCKS.get(reply.about or "")
    if block is None:
        return {
            TIMEZONE: safe(" ".join(filter(None, (reply.title, reply.body, reply.footer))), 300)
        }
    return {block: safe(reply.title, 300)}


def timezone_options(names: list[str]) -> list[dict[str, Any]]:
    """The answer to Slack's request for the timezone select's options."""
    return [_option(name, name).to_dict() for name in names[:OPTIONS_LIMIT]]
