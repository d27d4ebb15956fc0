"""The neutral `Message` as Discord shows it: one embed, buttons, and files.

Within Discord's limits: title 256, description 4096, 25 fields (name 256, value 1024),
footer 2048, 6000 characters per embed; 5 buttons a row, 5 rows, custom_id ≤ 100. Nothing
is lost when a message is too big for an embed (a long draft, a big `today`): the embed is
shortened and the whole text comes along as a `.txt` file. An export's file is attached as is.

Every text of the embed is escaped with discord.py's `escape_markdown` before it is placed, so
what someone typed (`**bold**`, `||spoiler||`, backticks, a `[masked](link)`) shows as typed;
mentions are never parsed (`allowed_mentions` none, where messages are sent).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import discord

from adapters.discord.buttons import TEMPLATE, button_for
from bot.messages import Message, Tone

TITLE, DESCRIPTION, FOOTER, EMBED_TOTAL = 256, 4096, 2048, 6000
FIELDS, FIELD_NAME, FIELD_VALUE = 25, 256, 1024
BUTTONS, PER_ROW, CUSTOM_ID = 25, 5, 100
FULL_TEXT = "followup-message.txt"

COLOURS = {
    Tone.INFO: discord.Colour(0x5865F2),
    Tone.SUCCESS: discord.Colour(0x57F287),
    Tone.WARNING: discord.Colour(0xFEE75C),
    Tone.ERROR: discord.Colour(0xED4245),
}


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


def literal(text: str) -> str:
    """`text` shown as typed in Discord: every markdown character escaped. A `#` at the start
    of a line is a heading only when a space follows, so `#1 Acme` keeps its `#` unescaped."""
    return _NOT_A_HEADING.sub(r"\1", discord.utils.escape_markdown(text))


def _description(message: Message) -> str:
    parts = [literal(message.body)] if message.body else []
    if message.checklist:
        parts.append("**Checklist**\n" + "\n".join(f"☐ {literal(item)}" for item in message.checklist))
    return "\n\n".join(parts)


def embed_for(message: Message) -> tuple[discord.Embed, bool]:
    """The embed, and whether anything had to be shortened to fit."""
    title, cut_title = _cut(literal(message.title) or "Followup", TITLE)
    budget = EMBED_TOTAL - len(title)
    footer, cut_footer = _cut(literal(message.footer), min(FOOTER, budget // 3)) if message.footer else ("", False)
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
        fields.append((name, value, len(value) <= 40))
        cut_fields = cut_fields or a or b
    description, cut_description = _cut(_description(message), min(DESCRIPTION, max(budget, 1)))
    embed = discord.Embed(title=title, description=description or None, colour=COLOURS[message.tone])
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)
    if footer:
        embed.set_footer(text=footer)
    return embed, cut_title or cut_footer or cut_fields or cut_description


def view_for(message: Message) -> discord.ui.View | None:
    """A persistent view (no timeout) of the message's buttons, or None when it has none."""
    usable = [a for a in message.actions if len(a.id) <= CUSTOM_ID and TEMPLATE.fullmatch(a.id)]
    if not usable:
        return None
    view = discord.ui.View(timeout=None)
    for index, act in enumerate(usable[:BUTTONS]):
        item = button_for(act.id, act.label, act.style)
        item.row = index // PER_ROW
        view.add_item(item)
    return view


def _file(name: str, content: str) -> discord.File:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:64] or "followup.txt"
    return discord.File(io.BytesIO(content.encode("utf-8")), filename=safe)


def render(message: Message) -> Rendered:
    embed, truncated = embed_for(message)
    files = []
    if message.attachment is not None:
        files.append(_file(message.attachment.filename, message.attachment.content))
    if truncated:
        files.append(_file(FULL_TEXT, message.as_text()))
    return Rendered(embed=embed, view=view_for(message), files=files, truncated=truncated)
