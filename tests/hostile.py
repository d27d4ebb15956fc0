"""Hostile strings for the literal-text tests: markup of Slack and Discord, mentions, links,
spreadsheet formulas, and invisible characters, each short enough to be a company name."""

from __future__ import annotations

MARKUP = "*b* _i_ ~s~ `c` **B** ||sp|| [click me](https://evil.example)"
FENCE = "Eng ```x``` > q"  # a role that would close a code block
LINK = "https://evil.example/a_b"
FORMULA = '=HYPERLINK("https://evil.example","x")'
INVISIBLE = "\u202eevil\u200b\u200d\u2066\ufeff"
# A company name carrying all of it; what must arrive of it, as typed, is `VISIBLE_COMPANY`.
COMPANY = f"{MARKUP} {LINK} {INVISIBLE}"
VISIBLE_COMPANY = f"{MARKUP} {LINK} evil"
INVISIBLE_CHARS = set(INVISIBLE) - set("evil")
# fragments no platform may have turned into markup
MARKERS = ("click me", "evil.example", "```x```", "||sp||")
