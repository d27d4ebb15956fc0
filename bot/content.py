"""The coaching content: what each follow-up email must do, its checklist, and a draft.

The words live in `bot/copy/en.toml` (read once with `tomllib`); this module keeps the rules
for putting them together: which entry a step's variant reads, how a checklist's length item
is built from the step's word target, how a draft is filled with names, company, role and
when you met, and which gaps are left for the person to fill. Nothing is escaped (adapters
handle markup); whatever the user still has to supply is marked as a gap, ⟨like this⟩.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.domain import Interviewer, Step, Variant

GAP_OPEN, GAP_CLOSE = "⟨", "⟩"
COPY_DIR = Path(__file__).parent / "copy"
LANGUAGE = "en"


@cache
def copy_text(language: str = LANGUAGE) -> dict[str, Any]:
    """The copy file for `language`, parsed once."""
    with (COPY_DIR / f"{language}.toml").open("rb") as file:
        return tomllib.load(file)


def word(section: str, key: str, **fields: object) -> str:
    """One piece of user-facing text from the copy file's `[section]` (a label, a hint, a
    button), with its `{fields}` filled in; an adapter places it, the copy file words it."""
    text: str = copy_text()[section][key]
    return text.format(**fields) if fields else text


def variant_of(
    step: Step, *, after_rejection: bool = False, hiring_manager: bool = False
) -> Variant:
    """The variant a step with these flags stands for."""
    step = Step(step)
    if step is Step.CLOSE_LOOP:
        return Variant.CLOSE_LOOP_REJECTED if after_rejection else Variant.CLOSE_LOOP_SILENCE
    if step is Step.INSIGHT and hiring_manager:
        return Variant.THANK_YOU_INSIGHT
    return {
        Step.THANK_YOU: Variant.THANK_YOU,
        Step.VALUE_ADD: Variant.VALUE_ADD,
        Step.INSIGHT: Variant.INSIGHT,
        Step.CHECK_BACK: Variant.CHECK_BACK,
    }[step]


def _guide_entry(variant: Variant) -> dict[str, Any]:
    entry: dict[str, Any] = copy_text()["guide"][variant.value]
    return entry


def word_target(step: Step, *, after_rejection: bool = False) -> tuple[int, int]:
    """The length (in words) a finished email for this step should aim for."""
    low, high = _guide_entry(variant_of(step, after_rejection=after_rejection))["words"]
    return low, high


def word_limits(step: Step, *, after_rejection: bool = False) -> tuple[int, int]:
    """The length (in words) outside which a draft is flagged as too short or too long."""
    low, high = _guide_entry(variant_of(step, after_rejection=after_rejection))["limits"]
    return low, high


def gap(text: str) -> str:
    """Mark `text` as something the user must fill in: ⟨text⟩."""
    clean = text.replace(GAP_OPEN, "").replace(GAP_CLOSE, "").strip()
    return f"{GAP_OPEN}{clean}{GAP_CLOSE}"


def _agreed(no_agreed_date: bool) -> str:
    return "no-date" if no_agreed_date else "agreed"


# --------------------------------------------------------------------------- checklists


@dataclass(frozen=True)
class StepGuide:
    """What one follow-up email must do, as a title, a one-line purpose and a checklist."""

    step: Step
    title: str
    purpose: str
    checklist: tuple[str, ...]


@cache
def guide_for(variant: Variant, *, no_agreed_date: bool = False) -> StepGuide:
    """The guide for the variant of a step the method chose; `no_agreed_date` makes the
    value-add checklist insist on asking for a date (built once for each: the copy is read
    once)."""
    entry = _guide_entry(variant)
    low, high = entry["words"]
    fills = {"length": copy_text()["length"]["item"].format(low=low, high=high)}
    if "ask" in entry:
        fills["ask"] = entry["ask"][_agreed(no_agreed_date)]
    items = tuple(
        fills.get(item[1:-1], item) if item.startswith("{") else item for item in entry["checklist"]
    )
    return StepGuide(
        step=variant.step, title=entry["title"], purpose=entry["purpose"], checklist=items
    )


def guide(
    step: Step,
    *,
    after_rejection: bool = False,
    hiring_manager: bool = False,
    no_agreed_date: bool = False,
) -> StepGuide:
    """The guide for one step. `after_rejection` picks the close-loop after a no (otherwise the
    one after silence); `hiring_manager` makes the insight email the thank-you to the hiring
    manager."""
    variant = variant_of(step, after_rejection=after_rejection, hiring_manager=hiring_manager)
    return guide_for(variant, no_agreed_date=no_agreed_date)


# --------------------------------------------------------------------------- drafts


@dataclass(frozen=True)
class EmailDraft:
    """A draft email. `gaps` lists, in order of first appearance, the gap texts the user must
    still fill in (each appears as ⟨text⟩ in the subject or body)."""

    subject: str
    body: str
    gaps: tuple[str, ...]

    def as_text(self) -> str:
        return f"Subject: {self.subject}\n\n{self.body}"


_HONORIFICS = frozenset(
    {"dr", "dr.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "mx", "mx.", "prof", "prof."}
)


def first_name(name: str) -> str | None:
    """How to greet someone: their first name, or title and surname ("Dr. Okafor")."""
    tokens = name.split()
    if not tokens:
        return None
    if tokens[0].casefold() in _HONORIFICS:
        return f"{tokens[0]} {tokens[-1]}" if len(tokens) > 1 else None
    return tokens[0]


_TOKEN = re.compile(r"\{(name|company|role|sender|open|ask|met|insight)\}|⟨([^⟨⟩]*)⟩")


def _render(template: str, values: dict[str, str]) -> str:
    return _TOKEN.sub(lambda m: values[m.group(1)] if m.group(1) else m.group(0), template)


def _gaps_of(template: str, nested: dict[str, str], missing: dict[str, str]) -> list[str]:
    """The gap texts a template will show, in order: its literal gaps, the fields left
    unknown, and the gaps of the nested templates it includes."""
    found: list[str] = []
    for match in _TOKEN.finditer(template):
        field_name, literal = match.group(1), match.group(2)
        if field_name is None:
            found.append(literal)
        elif field_name in missing:
            found.append(missing[field_name])
        elif field_name in nested:
            found.extend(_gaps_of(nested[field_name], nested, missing))
    return found


def _value(text: str | None, fallback: str, missing: dict[str, str], key: str) -> str:
    text = (text or "").strip()
    if text:
        return text
    missing[key] = fallback
    return gap(fallback)


def draft_email(
    step: Step,
    *,
    company: str,
    role: str,
    interviewer: Interviewer | None,
    sender_name: str,
    after_rejection: bool = False,
    hiring_manager: bool = False,
    no_agreed_date: bool = False,
    met: str = "today",
) -> EmailDraft:
    """A draft for one step, filled with the interviewer's first name, company, role, sender
    name and when you met; anything unknown, and everything only the user can supply, is left
    as a ⟨gap⟩."""
    variant = variant_of(step, after_rejection=after_rejection, hiring_manager=hiring_manager)
    entry: dict[str, Any] = copy_text()["draft"][variant.value]
    subject_t, body_t = entry["subject"], entry["body"]

    missing: dict[str, str] = {}
    greet = first_name(interviewer.name) if interviewer else None
    values = {
        "name": _value(greet, "name", missing, "name"),
        "company": _value(company, "company", missing, "company"),
        "role": _value(role, "role", missing, "role"),
        "sender": _value(sender_name, "your name", missing, "sender"),
        "met": met,
    }
    # Fragments shared by several drafts, and the value-add's opening and ask (which depend on
    # whether a date was agreed), are templates too: filled before the body that includes them.
    nested: dict[str, str] = dict(copy_text()["fragments"])
    for key in ("open", "ask"):
        if key in entry:
            nested[key] = entry[key][_agreed(no_agreed_date)]
    for key, template in nested.items():
        values[key] = _render(template, values)

    gaps: list[str] = []
    for template in (subject_t, body_t):
        for item in _gaps_of(template, nested, missing):
            if item not in gaps:
                gaps.append(item)
    return EmailDraft(
        subject=_render(subject_t, values),
        body=_render(body_t, values),
        gaps=tuple(gaps),
    )


# --------------------------------------------------------------------------- by variant


def draft_for(
    variant: Variant,
    *,
    company: str,
    role: str,
    interviewer: Interviewer | None,
    sender_name: str,
    no_agreed_date: bool = False,
    met: str = "today",
) -> EmailDraft:
    """The draft for the variant of a step the method chose."""
    return draft_email(
        variant.step,
        company=company,
        role=role,
        interviewer=interviewer,
        sender_name=sender_name,
        no_agreed_date=no_agreed_date,
        met=met,
        after_rejection=variant is Variant.CLOSE_LOOP_REJECTED,
        hiring_manager=variant is Variant.THANK_YOU_INSIGHT,
    )
