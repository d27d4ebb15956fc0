"""Button actions as short strings every platform can carry back: `fu:<verb>:<ref>`.

`ref` is the application's stored id (not the per-user number), so a press can be checked
against the presser: a button from someone else's message never reaches their data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.messages import Action

PREFIX = "fu"
_PATTERN = re.compile(r"^fu:(?P<verb>[a-z-]{1,20}):(?P<ref>\d{1,12})$")


class Verb(StrEnum):
    SENT = "sent"
    SNOOZE = "snooze"
    CHECKLIST = "checklist"
    DRAFT = "draft"
    SKIP = "skip"
    HEARD = "heard"
    FORGET = "forget"
    FORGET_CANCEL = "forget-cancel"


LABELS = {
    Verb.SENT: "Sent",
    Verb.SNOOZE: "Snooze 1 day",
    Verb.CHECKLIST: "Checklist",
    Verb.DRAFT: "Draft",
    Verb.SKIP: "Skip",
    Verb.HEARD: "They replied",
    Verb.FORGET: "Yes, delete everything",
    Verb.FORGET_CANCEL: "Cancel",
}
STYLES = {Verb.SENT: "primary", Verb.FORGET: "danger"}


@dataclass(frozen=True)
class ActionRef:
    verb: Verb
    ref: int


def action(verb: Verb, ref: int) -> Action:
    return Action(id=f"{PREFIX}:{verb}:{ref}", label=LABELS[verb], style=STYLES.get(verb))


def decode(action_id: str) -> ActionRef | None:
    """The action behind an id, or None for anything malformed or unknown."""
    match = _PATTERN.match(action_id.strip()) if len(action_id) <= 40 else None
    if not match:
        return None
    try:
        return ActionRef(Verb(match["verb"]), int(match["ref"]))
    except ValueError:
        return None


def nudge_actions(application_id: int) -> tuple[Action, ...]:
    verbs = (Verb.SENT, Verb.SNOOZE, Verb.CHECKLIST, Verb.DRAFT, Verb.SKIP)
    return tuple(action(v, application_id) for v in verbs)
