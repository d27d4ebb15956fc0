"""Round kinds as people type them: "hiring manager", "HM", "phone screen", "on-site".

A word that is close to a kind but not one of its spellings ("hiring manger") is reported as
such, so the parser can ask about it instead of taking it for an interviewer's name.
"""

from __future__ import annotations

import difflib
import re

from bot.domain import RoundKind

SPELLINGS: dict[str, RoundKind] = {
    "phone": RoundKind.PHONE,
    "phone screen": RoundKind.PHONE,
    "phone call": RoundKind.PHONE,
    "phone interview": RoundKind.PHONE,
    "screen": RoundKind.PHONE,
    "screening": RoundKind.PHONE,
    "recruiter screen": RoundKind.PHONE,
    "call": RoundKind.PHONE,
    "interview": RoundKind.INTERVIEW,
    "technical": RoundKind.INTERVIEW,
    "technical interview": RoundKind.INTERVIEW,
    "tech": RoundKind.INTERVIEW,
    "onsite": RoundKind.INTERVIEW,
    "video": RoundKind.INTERVIEW,
    "video call": RoundKind.INTERVIEW,
    "hiring manager": RoundKind.HIRING_MANAGER,
    "hiring manager interview": RoundKind.HIRING_MANAGER,
    "hiring manager round": RoundKind.HIRING_MANAGER,
    "hm": RoundKind.HIRING_MANAGER,
    "manager": RoundKind.HIRING_MANAGER,
    "panel": RoundKind.PANEL,
    "panel interview": RoundKind.PANEL,
    "final": RoundKind.FINAL,
    "final round": RoundKind.FINAL,
    "final interview": RoundKind.FINAL,
}
_UNSPACED = {spelling.replace(" ", ""): kind for spelling, kind in SPELLINGS.items()}
KIND_WORDS = frozenset({"interview", "round", "screen", "manager", "hiring", "panel", "phone", "final"})
_SEPARATORS = re.compile(r"[\s_\-]+")
CLOSE_ENOUGH = 0.8


def _normal(text: str) -> str:
    return _SEPARATORS.sub(" ", text.strip().casefold().replace("-", " ")).strip()


def kind_of(text: str) -> RoundKind | None:
    """The kind `text` spells, or None."""
    folded = _normal(text)
    return SPELLINGS.get(folded) or _UNSPACED.get(folded.replace(" ", ""))


def near_kind(text: str) -> RoundKind | None:
    """The kind `text` looks like a misspelling of (never for an exact spelling), or None."""
    folded = _normal(text)
    if not folded or "," in text:
        return None
    close = difflib.get_close_matches(folded, list(SPELLINGS), n=1, cutoff=CLOSE_ENOUGH)
    if close:
        return SPELLINGS[close[0]]
    if set(folded.split()) & KIND_WORDS:
        return RoundKind.INTERVIEW
    return None


def spellings() -> str:
    return ", ".join(k.value for k in RoundKind)
