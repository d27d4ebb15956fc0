"""Slack shortcuts: "Log an interview" (global, from the lightning menu or the search bar)
opens the add form; "Log as an interview" (on a message's ⋯ menu) opens it filled in from the
message — its text, any attachments' text, a forwarded email's preview — read by the core
(`Followup.draft_from`, `bot.extract`). A message that carries a calendar invitation (`.ics`)
gets the invitation's proposal instead, as a file shared in the bot's DM does. Nothing is
stored until the person submits the form or presses "Yes, log it".

Slack sends a message shortcut with the message as the channel shows it (mrkdwn, links as
`<url|label>`): `message_text` turns that back into what was written (`escape.typed`).
"""

from __future__ import annotations

from typing import Any

from adapters.slack.escape import typed
from adapters.slack.invitations import is_calendar
from bot.messages import Message, Tone

LOG_INTERVIEW = "followup-log-interview"  # the global shortcut's callback id
LOG_FROM_MESSAGE = "followup-log-from-message"  # the message shortcut's
MAX_TEXT = 6000  # characters handed to the reader (it reads no more)


def message_text(message: dict[str, Any]) -> str:
    """Everything written in the message: its text, its legacy attachments' (a bot's
    notification), and the subject and preview of a forwarded email."""
    parts: list[str] = [str(message.get("text") or "")]
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict):
            parts += [
                str(attachment.get(k) or "") for k in ("pretext", "title", "text", "fallback")
            ]
    for file in message.get("files") or []:
        if isinstance(file, dict) and file.get("filetype") == "email":
            parts += [str(file.get(k) or "") for k in ("subject", "title", "plain_text", "preview")]
    text = "\n".join(p for p in parts if p.strip())
    return typed(text[: MAX_TEXT * 2])[:MAX_TEXT]


def calendar_files(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The calendar invitations a message carries (files with an id)."""
    return [
        f
        for f in message.get("files") or []
        if isinstance(f, dict) and f.get("id") and is_calendar(f)
    ]


def form_not_opened() -> Message:
    """Slack refused to open the form (its trigger lasts three seconds)."""
    return Message(
        title="I couldn't open the form in time.",
        body="Nothing was logged: use the shortcut again.",
        tone=Tone.ERROR,
    )
