"""The generated drafts the content and review tests share: every (step, flags) combination
the content distinguishes, a draft for one of them, and a draft with its gaps filled in."""

from __future__ import annotations

from typing import Any

from bot.content import EmailDraft, draft_email, gap
from bot.domain import Interviewer, Step

VARIANTS: list[tuple[Step, dict[str, bool]]] = [
    (Step.THANK_YOU, {}),
    (Step.VALUE_ADD, {}),
    (Step.VALUE_ADD, {"no_agreed_date": True}),
    (Step.INSIGHT, {}),
    (Step.INSIGHT, {"hiring_manager": True}),
    (Step.CLOSE_LOOP, {"after_rejection": True}),
    (Step.CLOSE_LOOP, {}),
    (Step.CHECK_BACK, {}),
]
IDS = [f"{step.value}-{'-'.join(sorted(flags)) or 'plain'}" for step, flags in VARIANTS]

JANE = Interviewer("Jane Doe", "Engineering Manager")


def make_draft(step: Step, flags: dict[str, bool], **overrides: Any) -> EmailDraft:
    """The draft for Acme Corp's Data Engineer role, from Sam Lee to Jane (`overrides`: any
    other argument of `draft_email`)."""
    kwargs: dict[str, Any] = {
        "company": "Acme Corp",
        "role": "Data Engineer",
        "interviewer": JANE,
        "sender_name": "Sam Lee",
    }
    kwargs.update(flags)
    kwargs.update(overrides)
    return draft_email(step, **kwargs)


def fill(draft: EmailDraft, filler: str = "a 12% rise in repeat orders") -> str:
    """The draft's text with every gap filled in with `filler`."""
    text = draft.as_text()
    for item in draft.gaps:
        text = text.replace(gap(item), filler)
    return text
