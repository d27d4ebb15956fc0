"""Button actions as short strings every platform can carry back: `fu:<verb>:<ref>[:<task>]`.

`ref` is the application's stored id (not the per-user number), so a press can be checked
against the presser: a button from someone else's message never reaches their data. `task` is
the key of the step the message was about (`r2:ty`), so a press acts on that step only: a
second press, or a press on an old message, finds it done and changes nothing. Every id stays
within Discord's 100-character limit for a custom id.

A button that destroys something (Delete, Skip, "Yes, delete everything") carries the
question to ask first (`Action.confirm`, from `[confirm]` in the copy file): the rule of which
presses confirm lives here, once, and every platform renders it its own way. A page button
(`fu:page:<ref>:<view>.<n>`) is read by `bot.paging`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from bot.content import copy_text
from bot.messages import Action, Confirm

PREFIX = "fu"
PATTERN = r"fu:(?P<verb>[a-z-]{1,20}):(?P<ref>\d{1,12})(?::(?P<task>[a-z0-9.:@-]{1,60}))?"
_PATTERN = re.compile(f"^{PATTERN}$")
MAX_ID = 100


class Verb(StrEnum):
    SENT = "sent"
    SENT_EARLY = "sent-early"
    SNOOZE = "snooze"
    CHECKLIST = "checklist"
    DRAFT = "draft"
    SKIP = "skip"
    HEARD = "heard"
    SHOW = "show"
    FORGET = "forget"
    FORGET_CANCEL = "forget-cancel"
    IMPORT = "import"
    IMPORT_CANCEL = "import-cancel"
    DELETE = "delete"
    PAGE = "page"


LABELS = {
    Verb.SENT: "Sent",
    Verb.SENT_EARLY: "Yes, I sent it",
    Verb.SNOOZE: "Snooze 1 day",
    Verb.CHECKLIST: "Checklist",
    Verb.DRAFT: "Draft",
    Verb.SKIP: "Skip",
    Verb.HEARD: "They replied",
    Verb.SHOW: "Show",
    Verb.FORGET: "Yes, delete everything",
    Verb.FORGET_CANCEL: "Cancel",
    Verb.IMPORT: "Yes, log it",
    Verb.IMPORT_CANCEL: "Cancel",
    Verb.DELETE: "Delete",
    Verb.PAGE: "Page",
}
STYLES = {
    Verb.SENT: "primary",
    Verb.SENT_EARLY: "primary",
    Verb.FORGET: "danger",
    Verb.IMPORT: "primary",
    Verb.DELETE: "danger",
}
# The presses that destroy something, and the entry of `[confirm]` in the copy each asks.
CONFIRMS = {Verb.DELETE: "delete", Verb.SKIP: "skip", Verb.FORGET: "forget"}
NUDGE_VERBS = (Verb.SENT, Verb.SNOOZE, Verb.CHECKLIST, Verb.DRAFT, Verb.SKIP)


@dataclass(frozen=True)
class ActionRef:
    verb: Verb
    ref: int
    task: str | None = None


@cache
def confirmation(verb: Verb) -> Confirm | None:
    """The question a press of `verb` asks first, or None when it destroys nothing (built once
    per verb: the copy is read once)."""
    key = CONFIRMS.get(verb)
    if key is None:
        return None
    entry = copy_text()["confirm"][key]
    return Confirm(
        title=entry["title"], text=entry["text"], confirm=entry["confirm"], deny=entry["deny"]
    )


def action(verb: Verb, ref: int, task: str | None = None, label: str | None = None) -> Action:
    suffix = f":{task}" if task else ""
    return Action(
        id=f"{PREFIX}:{verb}:{ref}{suffix}",
        label=label or LABELS[verb],
        style=STYLES.get(verb),
        confirm=confirmation(verb),
    )


def decode(action_id: str) -> ActionRef | None:
    """The action behind an id, or None for anything malformed or unknown."""
    match = _PATTERN.match(action_id.strip()) if len(action_id) <= MAX_ID else None
    if not match:
        return None
    try:
        return ActionRef(Verb(match["verb"]), int(match["ref"]), match["task"])
    except ValueError:
        return None


def task_actions(
    application_id: int, task: str | None, verbs: tuple[Verb, ...] = NUDGE_VERBS
) -> tuple[Action, ...]:
    return tuple(action(v, application_id, task) for v in verbs)


def nudge_actions(application_id: int, task: str | None = None) -> tuple[Action, ...]:
    return task_actions(application_id, task)
