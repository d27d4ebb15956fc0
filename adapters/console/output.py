"""Writing what the bot says to the terminal: readable text, or one JSON object per line.

In text, a message's buttons are numbered (`[1 Sent] [2 Snooze 1 day]`) so `:press 1` can
name them. Colour (bold headings, red errors, cyan buttons) is for a terminal only: it is off
when output is piped, with `--json`, under `NO_COLOR`, or on a `TERM=dumb` terminal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.messages import Action, Message, Tone


@dataclass(frozen=True)
class Record:
    """One outgoing message, as the console's `--json` lines carry it."""

    kind: str  # "reply" | "dm" | "channel"
    user: str
    channel: str | None
    at: datetime
    message: Message

    def as_json(self, zone: ZoneInfo) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "user": self.user,
                "channel": self.channel,
                "at": self.at.astimezone(zone).isoformat(),
                "text": self.message.as_text(),
                "actions": [{"id": a.id, "label": a.label} for a in self.message.actions],
            },
            ensure_ascii=False,
        )


def buttons_line(actions: tuple[Action, ...]) -> str:
    return " ".join(f"[{number} {a.label}]" for number, a in enumerate(actions, start=1))


def colour_wanted(stream: TextIO, json_lines: bool) -> bool:
    """Colour only for a person at a capable terminal."""
    if json_lines or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Paint:
    """ANSI colour, or nothing at all when `enabled` is False."""

    CODES = {
        "bold": "1",
        "dim": "2",
        "red": "1;31",
        "green": "32",
        "yellow": "33",
        "cyan": "36",
        "magenta": "35",
    }

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{self.CODES[style]}m{text}\x1b[0m"


TONE_STYLE = {Tone.ERROR: "red", Tone.SUCCESS: "green", Tone.WARNING: "yellow", Tone.INFO: "bold"}


@dataclass
class Output:
    stream: TextIO
    json_lines: bool
    zone: ZoneInfo
    colour: bool = False
    records: list[Record] = field(default_factory=list)

    @property
    def paint(self) -> Paint:
        return Paint(self.colour)

    def emit(self, record: Record) -> None:
        self.records.append(record)
        if self.json_lines:
            self.stream.write(record.as_json(self.zone) + "\n")
        else:
            self.stream.write(self._as_text(record) + "\n\n")
        self.stream.flush()

    def say(self, text: str, style: str | None = None) -> None:
        """Console chrome (banners, meta-command answers): never part of the JSON stream."""
        if not self.json_lines:
            self.stream.write((self.paint(style, text) if style else text) + "\n")
            self.stream.flush()

    def _as_text(self, record: Record) -> str:
        message = record.message
        paint = self.paint
        body = replace(message, title="", actions=()).as_text()
        lines = [paint(TONE_STYLE[message.tone], message.title)] if message.title else []
        if body:
            lines.append(body)
        if message.actions:
            lines.append(paint("cyan", buttons_line(message.actions)))
        text = "\n".join(lines)
        if record.kind == "dm":
            stamp = record.at.astimezone(self.zone).strftime("%a %d %b %H:%M")
            return (
                paint("magenta", f"── direct message to {record.user} · {stamp} ──") + "\n" + text
            )
        if record.kind == "channel":
            return paint("magenta", f"── in {record.channel} ──") + "\n" + text
        return text
