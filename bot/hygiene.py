"""Text hygiene at the core's entry: the one place that decides which characters a user's
text may carry into the bot, whether it came as a typed line, a form or a slash-command option.

Invisible characters are *removed*, not refused: they arrive unseen (pasted from a web page or
a PDF) and the person could not find them to delete them. Removed are

- control characters (Unicode category Cc: NUL, escape, backspace, DEL, the C1 set), except
  tab and line breaks, which the parser folds like any other whitespace; a carriage return
  becomes a line break;
- format characters (category Cf): zero-width space, joiner and non-joiner, word joiner, the
  byte-order mark, soft hyphen, and every bidirectional override, embedding and isolate
  (U+202A–U+202E, U+2066–U+2069), so no text can reverse what is shown after it;
- lone surrogates (category Cs), which no database or platform can store or send.

What is left is printable text, stored and shown as typed. Making it *literal* on a platform
(no markup, no links) is each adapter's job, at rendering.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from enum import Enum
from typing import Any, TypeVar

from bot.domain import Identity

T = TypeVar("T")
_KEPT = {"\t", "\n"}
_REMOVED_CATEGORIES = {"Cc", "Cf", "Cs"}


def _removed(char: str) -> bool:
    return char not in _KEPT and unicodedata.category(char) in _REMOVED_CATEGORIES


def clean(text: str) -> str:
    """`text` without the invisible characters above (a carriage return read as a line break)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isprintable():  # the common case: nothing to look at character by character
        return text
    return "".join(char for char in text if not _removed(char))


def is_clean(text: str) -> bool:
    return clean(text) == text


def clean_fields(value: T) -> T:
    """A copy of a frozen dataclass (a command, an identity) with every text in it cleaned,
    including the texts inside nested dataclasses and tuples (a round's interviewers)."""
    return _clean_any(value)


def _clean_any(value: Any) -> Any:
    if isinstance(value, Enum):  # a StrEnum is a str, but one of ours: nothing typed
        return value
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, tuple):
        return tuple(_clean_any(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in dataclasses.fields(value):
            current = getattr(value, field.name)
            cleaned = _clean_any(current)
            if cleaned is not current and cleaned != current:
                changes[field.name] = cleaned
        return dataclasses.replace(value, **changes) if changes else value
    return value


def clean_identity(who: Identity) -> Identity:
    """The platform's view of the speaker, with its display name (shown on the board and in
    digests) cleaned like anything the person typed."""
    return clean_fields(who)
