"""The neutral `Message` as Discord shows it: one embed, buttons, and files.

The embed and the buttons are built as the plain JSON Discord takes (`embed_payload`,
`components`); a queued send (a nudge, a digest) posts those dicts as they are (`outgoing`),
and an interaction's answer gets the same embed as a `discord.Embed` and the buttons as a
persistent `discord.ui.View` of the same rows.

Within Discord's limits: title 256, description 4096, 25 fields (name 256, value 1024),
footer 2048, 6000 characters per embed; 5 buttons a row, 5 rows, custom_id ≤ 100. Nothing
is lost when a message is too big for an embed (a long draft, a big `today`): the embed is
shortened and the whole text comes along as a `.txt` file. An export's file is attached as is.

Every text of the embed is escaped with discord.py's `escape_markdown` before it is placed, so
what someone typed (`**bold**`, `||spoiler||`, backticks, a `[masked](link)`) shows as typed;
mentions are never parsed (`allowed_mentions` none, where messages are sent).
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.buttons import STYLES, TEMPLATE, button_for
from bot.messages import Action, Message, Tone

TITLE, DESCRIPTION, FOOTER, EMBED_TOTAL = 256, 4096, 2048, 6000
FIELDS, FIELD_NAME, FIELD_VALUE = 25, 256, 1024
BUTTONS, PER_ROW, CUSTOM_ID = 25, 5, 100
FULL_TEXT = "followup-message.txt"

COLOURS = {
    Tone.INFO: 0x5865F2,
    Tone.SUCCESS: 0x57F287,
    Tone.WARNING: 0xFEE75C,
    Tone.ERROR: 0xED4245,
}
BUTTON, ACTION_ROW = 2, 1  # component types
SECONDARY = discord.ButtonStyle.secondary.value
_STYLE_VALUES: dict[str | None, int] = {name: style.value for name, style in STYLES.items()}


@dataclass
class Outgoing:
    """A message to create: the JSON body (embed, buttons, no mentions parsed) and its files."""

    body: dict[str, Any]
    files: list[discord.File] = field(default_factory=list)


@dataclass
class Rendered:
    embed: discord.Embed
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    truncated: bool = False


def _cut(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "…", True


_NOT_A_HEADING = re.compile(r"^\\(#{1,3})(?![# ])", re.MULTILINE)
# What `escape_markdown` can act on: a markdown character, a quote, a masked link's bracket,
# or a heading or list mark at the start of a line (its patterns, each one cut to what it
# needs to begin). Text with none of them is already literal.
_MARKDOWN = re.compile(r"[_\\~|*`>\[]|^\s*[-#]", re.MULTILINE)


@functools.lru_cache(maxsize=8192)
def literal(text: str) -> str:
    """`text` shown as typed in Discord: every markdown character escaped. A `#` at the start
    of a line is a heading only when a space follows, so `#1 Acme` keeps its `#` unescaped.
    (Remembered for the most recent texts: a nudge's labels, checklist and footer repeat.
    Text with nothing markdown could act on is returned as it is, without escaping it.)"""
    if _MARKDOWN.search(text) is None:
        return text
    return _NOT_A_HEADING.sub(r"\1", discord.utils.escape_markdown(text))


@functools.lru_cache(maxsize=256)
def _checklist(items: tuple[str, ...]) -> str:
    """A checklist as the description shows it (remembered: a step's checklist is the same in
    every nudge of that step)."""
    return "**Checklist**\n" + "\n".join(f"☐ {literal(item)}" for item in items)


def _description(message: Message) -> str:
    if not message.checklist:
        return literal(message.body) if message.body else ""
    checklist = _checklist(tuple(message.checklist))
    return f"{literal(message.body)}\n\n{checklist}" if message.body else checklist


def embed_payload(message: Message) -> tuple[dict[str, Any], bool]:
    """The embed as Discord's JSON, and whether anything had to be shortened to fit."""
    title, cut_title = _cut(literal(message.title) or "Followup", TITLE)
    budget = EMBED_TOTAL - len(title)
    footer, cut_footer = (
        _cut(literal(message.footer), min(FOOTER, budget // 3)) if message.footer else ("", False)
    )
    budget -= len(footer)
    fields = []
    cut_fields = len(message.fields) > FIELDS
    for item in message.fields[:FIELDS]:
        name, a = _cut(literal(item.label) or "—", FIELD_NAME)
        value, b = _cut(literal(item.value) or "—", FIELD_VALUE)
        if len(name) + len(value) > budget - 1:
            cut_fields = True
            break
        budget -= len(name) + len(value)
        fields.append({"name": name, "value": value, "inline": len(value) <= 40})
        cut_fields = cut_fields or a or b
    description, cut_description = _cut(_description(message), min(DESCRIPTION, max(budget, 1)))
    embed: dict[str, Any] = {"type": "rich", "title": title, "color": COLOURS[message.tone]}
    if description:
        embed["description"] = description
    if fields:
        embed["fields"] = fields
    if footer:
        embed["footer"] = {"text": footer}
    return embed, cut_title or cut_footer or cut_fields or cut_description


def embed_for(message: Message) -> tuple[discord.Embed, bool]:
    """The embed as discord.py's object (for an interaction's answer),
    and whether it was shortened."""
    embed, truncated = embed_payload(message)
    return discord.Embed.from_dict(embed), truncated


def _buttons(message: Message) -> list[list[Action]]:
    """The message's usable actions (a valid custom id), in rows of five."""
    usable = [a for a in message.actions if len(a.id) <= CUSTOM_ID and TEMPLATE.fullmatch(a.id)][
        :BUTTONS
    ]
    return [usable[start : start + PER_ROW] for start in range(0, len(usable), PER_ROW)]


def components(message: Message) -> list[dict[str, Any]]:
    """The buttons as Discord's JSON: action rows of buttons whose custom id is the action's."""
    return [
        {
            "type": ACTION_ROW,
            "components": [
                {
                    "type": BUTTON,
                    "style": _STYLE_VALUES.get(a.style, SECONDARY),
                    "disabled": False,
                    "label": a.label[:80],
                    "custom_id": a.id,
                }
                for a in row
            ],
        }
        for row in _buttons(message)
    ]


def view_for(message: Message) -> discord.ui.View | None:
    """A persistent view (no timeout) of the message's buttons, or None when it has none."""
    rows = _buttons(message)
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows):
        for act in row:
            item = button_for(act.id, act.label, act.style)
            item.row = number
            view.add_item(item)
    return view


def _file(name: str, content: str) -> discord.File:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:64] or "followup.txt"
    return discord.File(io.BytesIO(content.encode("utf-8")), filename=safe)


def _files(message: Message, truncated: bool) -> list[discord.File]:
    files = []
    if message.attachment is not None:
        files.append(_file(message.attachment.filename, message.attachment.content))
    if truncated:
        files.append(_file(FULL_TEXT, message.as_text()))
    return files


def render(message: Message) -> Rendered:
    embed, truncated = embed_for(message)
    return Rendered(
        embed=embed, view=view_for(message), files=_files(message, truncated), truncated=truncated
    )


def outgoing(message: Message, *, buttons: bool = True) -> Outgoing:
    """The message as the body of a message create: plain dicts, mentions never parsed;
    without its buttons when `buttons` is False (a channel post)."""
    embed, truncated = embed_payload(message)
    body: dict[str, Any] = {"embeds": [embed], "allowed_mentions": {"parse": []}}
    rows = components(message) if buttons else []
    if rows:
        body["components"] = rows
    return Outgoing(body, _files(message, truncated))
