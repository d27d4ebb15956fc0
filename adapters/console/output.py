"""Writing what the bot says to the terminal: readable text, or one JSON object per line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.messages import Message


@dataclass(frozen=True)
class Record:
    """One outgoing message, as SPEC §5 defines the console's `--json` lines."""

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


@dataclass
class Output:
    stream: TextIO
    json_lines: bool
    zone: ZoneInfo
    records: list[Record] = field(default_factory=list)

    def emit(self, record: Record) -> None:
        self.records.append(record)
        if self.json_lines:
            self.stream.write(record.as_json(self.zone) + "\n")
        else:
            self.stream.write(self._as_text(record) + "\n\n")
        self.stream.flush()

    def say(self, text: str) -> None:
        """Console chrome (banners, meta-command answers): never part of the JSON stream."""
        if not self.json_lines:
            self.stream.write(text + "\n")
            self.stream.flush()

    def _as_text(self, record: Record) -> str:
        text = record.message.as_text()
        if record.kind == "dm":
            stamp = record.at.astimezone(self.zone).strftime("%a %d %b %H:%M")
            return f"── direct message to {record.user} · {stamp} ──\n{text}"
        if record.kind == "channel":
            return f"── in {record.channel} ──\n{text}"
        return text
