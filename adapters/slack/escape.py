"""Making text safe for Slack: escape the three control characters and clip to Slack's limits.

Slack reads `<…>` as links and mentions (`<!channel>`, `<@U123>`), so every piece of text
the bot sends passes through `escape`: `&`, `<` and `>` become entities and nobody can be
pinged by a company name. `clip` shortens already-escaped text without cutting an entity.
`typed` goes the other way, for a message someone typed: Slack sends it with those entities
and with links as `<url|label>`; the person meant the plain text.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")

ELLIPSIS = "…"


def escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:  # most text has none: looking is cheaper
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def typed(text: str) -> str:
    """What the person typed: `<mailto:a@b.c|a@b.c>` → `a@b.c`, `<https://x>` → `https://x`,
    entities back to `&`, `<`, `>`. Mentions (`<@U1>`) keep their raw form."""
    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "!", "#")):
            return match.group(0)
        return label if label else target.removeprefix("mailto:")

    return _LINK.sub(plain, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its head and an ellipsis; an entity
    (`&amp;`) cut in half is dropped whole."""
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - len(ELLIPSIS))]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head + ELLIPSIS


def safe(text: str, limit: int) -> str:
    """Escaped and clipped: the one way user-visible text enters a block."""
    return clip(escape(text), limit)
