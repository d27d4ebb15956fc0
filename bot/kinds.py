"""Round kinds as people type them ("hiring manager", "HM", "phone screen", "on-site") and as
free text mentions them (an invitation's title and description, a recruiter's message).

Typed, the whole input is one of `SPELLINGS` (`kind_of`). A word that is close to a kind but
not one of its spellings ("hiring manger") is reported as such, so the parser can ask about it
instead of taking it for an interviewer's name. In free text, a kind is one of its `MENTIONS`
found anywhere, the first kind in `PRECEDENCE` winning ("final onsite" is a final round), and
an interview when none is mentioned (`kind_mentioned`).
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
    "recruiter call": RoundKind.PHONE,
    "call": RoundKind.PHONE,
    "interview": RoundKind.INTERVIEW,
    "technical": RoundKind.INTERVIEW,
    "technical interview": RoundKind.INTERVIEW,
    "tech": RoundKind.INTERVIEW,
    "video": RoundKind.INTERVIEW,
    "video call": RoundKind.INTERVIEW,
    "hiring manager": RoundKind.HIRING_MANAGER,
    "hiring manager interview": RoundKind.HIRING_MANAGER,
    "hiring manager round": RoundKind.HIRING_MANAGER,
    "hm": RoundKind.HIRING_MANAGER,
    "manager": RoundKind.HIRING_MANAGER,
    "panel": RoundKind.PANEL,
    "panel interview": RoundKind.PANEL,
    "onsite": RoundKind.PANEL,
    "super day": RoundKind.PANEL,
    "loop": RoundKind.PANEL,
    "final": RoundKind.FINAL,
    "final round": RoundKind.FINAL,
    "final interview": RoundKind.FINAL,
}
_UNSPACED = {spelling.replace(" ", ""): kind for spelling, kind in SPELLINGS.items()}
KIND_WORDS = frozenset(
    {"interview", "round", "screen", "manager", "hiring", "panel", "phone", "final"}
)
_SEPARATORS = re.compile(r"[\s_\-]+")
CLOSE_ENOUGH = 0.8

# The spellings that name a kind inside free text: only those that can't mean anything else
# there ("call" or "manager" alone name no kind in "video call", "Engineering Manager").
# Each is also a typed spelling of the same kind.
MENTIONS: dict[RoundKind, tuple[str, ...]] = {
    RoundKind.HIRING_MANAGER: ("hiring manager", "hm"),
    RoundKind.FINAL: ("final",),
    RoundKind.PANEL: ("panel", "onsite", "on site", "super day", "loop"),
    RoundKind.PHONE: ("phone", "screen", "screening", "recruiter call"),
}
# Which kind a text mentioning several is: the first of these it mentions.
PRECEDENCE: tuple[RoundKind, ...] = (
    RoundKind.HIRING_MANAGER,
    RoundKind.FINAL,
    RoundKind.PANEL,
    RoundKind.PHONE,
)


def _mention(spelling: str) -> str:
    """A whole-word pattern for `spelling`, its words run together or apart ("on-site",
    "on site", "onsite")."""
    return r"\b" + r"[\s-]*".join(re.escape(word) for word in spelling.split()) + r"\b"


_MENTIONED = tuple(
    (re.compile("|".join(_mention(s) for s in MENTIONS[kind]), re.IGNORECASE), kind)
    for kind in PRECEDENCE
)


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


def kind_mentioned(text: str) -> RoundKind:
    """The kind free text mentions (the first in `PRECEDENCE`), or an interview."""
    return next((kind for pattern, kind in _MENTIONED if pattern.search(text)), RoundKind.INTERVIEW)


def spellings() -> str:
    return ", ".join(k.value for k in RoundKind)
