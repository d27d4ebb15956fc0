"""The neutral `Message` as Block Kit: plain dicts, the JSON Slack takes, built to fit Slack's
limits (every text clipped to its field's length, at most ten fields or checklist items to a
section, 25 buttons to an actions block, 50 blocks to a message). They are built straight as
JSON because slack_sdk's model objects cost more than posting the message; a table and a
hypothesis test parse every layout back through slack_sdk's models (which check each limit) to
the same JSON.

Layout: a header (the title, with an emoji for the tone), the body in sections of at most
3000 characters, the checklist in sections of at most ten items, the fields side by side,
the footer as a context line, and the buttons (a destructive one — delete, skip, forget-me —
with a Block Kit `confirm` dialog holding the core's question, so Slack asks before the press
reaches us). Every string is escaped (`escape.safe`), and every message also carries the
plain-text fallback `text`. A long `list`, `today` or `show` comes from the core in pages
(`bot.paging`), with "‹ Previous" / "Next ›" among its buttons.

Every text object that can hold user text is `plain_text`, never `mrkdwn`: Slack's mrkdwn
has no escape for `*`, `_`, `~` or backticks, so a company name typed as `*Acme*` would be
bold, and a URL a link. In `plain_text` only emoji are rendered, so everything arrives as
typed. Links in a message are not unfurled either (`unfurl_links`, `unfurl_media`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import lru_cache
from typing import Any

from adapters.slack.escape import clip, escape, safe
from adapters.slack.invitations import EDIT_LABEL, EDIT_PROPOSAL, editable, encode
from bot.actions import Verb
from bot.actions import decode as decode_action
from bot.messages import Action, Confirm, Message, Tone

log = logging.getLogger(__name__)
Block = dict[str, Any]  # one Block Kit block (or element, or text object) as JSON


class Unfit(ValueError):
    """Something no clipping can make fit Block Kit (an action id or button value too long)."""

MESSAGE_BLOCKS = 50  # Slack's limit for a message; surfaces (home, modal) allow 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
CONFIRM_TITLE, CONFIRM_TEXT, CONFIRM_LABEL = 100, 300, 30
FALLBACK_TEXT = 3900
ACTION_ID, BUTTON_VALUE = 255, 2000
CHECKLIST_ITEMS = 10
TONE_EMOJI = {Tone.SUCCESS: "✅ ", Tone.WARNING: "⏰ ", Tone.ERROR: "⚠️ ", Tone.INFO: ""}


def fallback_text(message: Message) -> str:
    """The whole message as escaped plain text: notifications, screen readers, old clients."""
    return safe(message.as_text(), FALLBACK_TEXT)


def chunks(lines: Iterable[str], limit: int, max_lines: int | None = None) -> Iterator[str]:
    """Join escaped lines into pieces of at most `limit` characters (and `max_lines` lines);
    a single line longer than `limit` is clipped."""
    piece: list[str] = []
    size = 0
    for line in lines:
        line = clip(line, limit)
        full = max_lines is not None and len(piece) >= max_lines
        if piece and (size + 1 + len(line) > limit or full):
            yield "\n".join(piece)
            piece, size = [], 0
        piece.append(line)
        size += len(line) + (1 if size else 0)
    if piece:
        yield "\n".join(piece)


def plain(text: str) -> Block:
    """Literal text: no formatting, no links, no mentions; emoji shown."""
    return {"type": "plain_text", "text": text, "emoji": True}


def section(block_id: str, text: str) -> Block:
    """A section of literal text (already escaped and clipped)."""
    return {"type": "section", "block_id": block_id, "text": plain(text)}


def context(block_id: str, text: str) -> Block:
    """A context line of literal text (already escaped and clipped)."""
    return {"type": "context", "block_id": block_id, "elements": [plain(text)]}


@lru_cache(maxsize=4096)
def _pieces(text: str, max_lines: int | None) -> tuple[str, ...]:
    """`text` escaped, in the pieces its sections hold (none blank). Remembered for the most
    recent texts: a step's checklist is the same in every nudge of that step."""
    lines = [escape(line) for line in text.splitlines()]
    return tuple(piece for piece in chunks(lines, SECTION_TEXT, max_lines) if piece.strip())


def _sections(text: str, prefix: str, max_lines: int | None = None) -> list[Block]:
    return [section(f"{prefix}-{i}", piece) for i, piece in enumerate(_pieces(text, max_lines))]


@lru_cache(maxsize=512)
def _safe_words(text: str, limit: int) -> str:
    """`safe` for the bot's own words (button labels, confirm questions): a few, repeated."""
    return safe(text, limit)


def confirm_dialog(question: Confirm) -> Block:
    """The core's question before a destructive press, as Slack's own dialog (red button)."""
    return {
        "title": plain(_safe_words(question.title, CONFIRM_TITLE)),
        "text": plain(_safe_words(question.text, CONFIRM_TEXT)),
        "confirm": plain(_safe_words(question.confirm, CONFIRM_LABEL)),
        "deny": plain(_safe_words(question.deny, CONFIRM_LABEL)),
        "style": "danger",
    }


def button(action: Action, value: str | None = None) -> Block:
    value = value or action.id
    if len(action.id) > ACTION_ID or len(value) > BUTTON_VALUE:
        raise Unfit(
            f"a button's action id ({len(action.id)}) or value ({len(value)}) is longer than "
            "Slack takes"
        )
    element: Block = {
        "type": "button",
        "text": plain(_safe_words(action.label, BUTTON_TEXT)),
        "action_id": action.id,
        "value": value,
    }
    if action.style in ("primary", "danger"):
        element["style"] = action.style
    if action.confirm is not None:
        element["confirm"] = confirm_dialog(action.confirm)
    return element


def action_blocks(
    actions: Iterable[Action], prefix: str = "fu-actions", values: dict[str, str] | None = None
) -> list[Block]:
    """Buttons, 25 to a block. `values`: what a button carries back instead of its id (an
    imported invitation's proposal, on its "Yes" button)."""
    unique = list({a.id: a for a in actions}.values())  # Slack rejects repeated action ids
    values = values or {}
    return [
        {
            "type": "actions",
            "block_id": f"{prefix}-{i // 25}",
            "elements": [button(a, values.get(a.id)) for a in unique[i : i + 25]],
        }
        for i in range(0, len(unique), 25)
    ]


def proposal_values(message: Message) -> dict[str, str]:
    """What an invitation's proposal buttons carry back (see invitations.py): the proposal,
    on "Yes, log it" (when it is complete) and on "Edit first"."""
    if message.proposal is None:
        return {}
    encoded = encode(message.proposal.command)
    if not encoded:
        return {}
    confirm = next(
        (
            a.id
            for a in message.actions
            if (ref := decode_action(a.id)) is not None and ref.verb is Verb.IMPORT
        ),
        None,
    )
    values = {confirm: encoded} if confirm and message.proposal.complete else {}
    if editable(message.proposal.command):
        values[EDIT_PROPOSAL] = encoded
    return values


def proposal_actions(message: Message, values: dict[str, str]) -> list[Action]:
    """The message's buttons, with "Edit first" after "Yes, log it" for a proposal that can
    be opened as a form (and carried in a button)."""
    actions = list(message.actions)
    if EDIT_PROPOSAL in values:
        at = 1 if actions and decode_action(actions[0].id) is not None else 0
        actions.insert(at, Action(id=EDIT_PROPOSAL, label=EDIT_LABEL))
    return actions


def content_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    if message.title:
        title = TONE_EMOJI.get(message.tone, "") + message.title
        blocks.append(
            {"type": "header", "block_id": "fu-title", "text": plain(safe(title, HEADER_TEXT))}
        )
    if message.body:
        blocks.extend(_sections(message.body, "fu-body"))
    if message.checklist:
        items = "\n".join(f"☐ {item}" for item in message.checklist)
        blocks.extend(_sections(items, "fu-check", CHECKLIST_ITEMS))
    for i in range(0, len(message.fields), 10):
        fields = [
            plain(safe(f"{f.label}\n{f.value}", FIELD_TEXT)) for f in message.fields[i : i + 10]
        ]
        blocks.append({"type": "section", "block_id": f"fu-fields-{i // 10}", "fields": fields})
    if message.footer:
        blocks.append(context("fu-footer", safe(message.footer, SECTION_TEXT)))
    return blocks


def render(
    message: Message, *, extra: Iterable[Block] = (), max_blocks: int = MESSAGE_BLOCKS
) -> list[Block]:
    """Blocks for the message (plus `extra` ones before the buttons), shortened to fit."""
    content = content_blocks(message) + list(extra)
    values = proposal_values(message)
    buttons = action_blocks(proposal_actions(message, values), values=values)
    room = max_blocks - len(buttons)
    if len(content) > room:
        note = {
            "type": "context",
            "block_id": "fu-cut",
            "elements": [{"type": "mrkdwn", "text": CUT_NOTE}],
        }
        content = content[: room - 1] + [note]
    return content + buttons


CUT_NOTE = "…shortened to fit Slack; the command shows the rest."
SHORT_BODY = 1500
TOO_LONG_NOTE = "That was too long for one Slack message: type export to get all of it in one file."


def shortened(message: Message) -> Message:
    """The message cut to a size Slack always takes: the start of its body, its first
    checklist items and fields, its buttons, and a note that `export` has the rest."""
    body = message.body
    if len(body) > SHORT_BODY:
        body = body[:SHORT_BODY].rsplit("\n", 1)[0].rstrip() + "\n…"
    footer = "\n".join(part for part in (message.footer[:SHORT_BODY], TOO_LONG_NOTE) if part)
    return replace(
        message,
        body=body,
        checklist=message.checklist[:CHECKLIST_ITEMS],
        fields=message.fields[:4],
        footer=footer,
        attachment=None,
    )


def payload(message: Message, *, extra: Iterable[Block] = ()) -> dict[str, Any]:
    """`text` and `blocks` for chat.postMessage and response_url. Should a button still break
    one of Slack's rules, the plain text goes alone rather than nothing at all."""
    text = fallback_text(message)
    literal = {"unfurl_links": False, "unfurl_media": False}
    try:
        return {"text": text, "blocks": render(message, extra=extra), **literal}
    except Unfit:
        log.exception("message didn't fit Block Kit; sending plain text")
        return {"text": text, **literal}
