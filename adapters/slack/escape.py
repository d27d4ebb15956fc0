"""Making text safe for Slack: escape the three control characters and clip to Slack's limits.

Slack reads `<…>` as links and mentions (`<!channel>`, `<@U123>`), so every piece of text
the bot sends passes through `escape`: `&`, `<` and `>` become entities and nobody can be
pinged by a company name. `clip` shortens already-escaped text without cutting an entity.
"""

from __future__ import annotations

ELLIPSIS = "…"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
