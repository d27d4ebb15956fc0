"""Calendar invitations in Slack: a `.ics` file shared in the bot's direct messages.

The file arrives as a `message` event of subtype `file_share` (in the bot's DM: `channel_type`
`im`). Its bytes are fetched the way Slack asks: `files.info` for the private download URL,
then a GET with the bot token, refused beyond the size the core accepts (before downloading
when Slack's `size` says so, and while reading otherwise). The core reads the invitation and
answers with a proposal; nothing is stored until the person presses "Yes, log it".

A press carries the proposal back in the button's `value` (Slack keeps up to 2,000
characters there), so any process can run it with no state kept between the two requests.
"Edit first" (a new application or a further round; the only button when the company or the
role couldn't be found) carries it the same way and opens the add or round form filled in
from it (`edit_form`); the form remembers the invitation, so the round it logs is found again
when the invitation is updated or cancelled.
The value holds only what the person could type themselves and is run as them: a forged one
(impossible without Slack's signature anyway) could do nothing they couldn't.
"""

from __future__ import annotations

import json
import logging
from dataclasses import fields, replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.modal import Origin, add_form, round_form
from bot import commands as c
from bot.content import word
from bot.domain import Interviewer, InvitationRef, RoundKind
from bot.extract import of_proposal
from bot.invitation import MAX_BYTES, oversized
from bot.messages import Message, Tone
from bot.views import error

log = logging.getLogger(__name__)
MAX_VALUE = 2000
CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
PROPOSED = {
    cls.__name__: cls for cls in (c.Add, c.LogRound, c.ChangeRound, c.RemoveRound, c.Delete)
}
EDIT_PROPOSAL = "followup:import-edit"  # the proposal's "Edit first" button
EDIT_LABEL = word("interview_form", "edit-first")


def is_calendar(file: dict[str, Any]) -> bool:
    name = str(file.get("name") or "").lower()
    return (
        str(file.get("mimetype") or "").lower() in CALENDAR_TYPES
        or name.endswith(".ics")
        or file.get("filetype") == "ics"
    )


class FileTooBig(Exception):
    pass


async def download(
    client: AsyncWebClient, session: aiohttp.ClientSession, file_id: str
) -> tuple[str, bytes]:
    """(name, bytes) of a file shared with the bot, read no further than MAX_BYTES + 1."""
    info = await client.files_info(file=file_id)
    file = info.get("file") or {}
    size = int(file.get("size") or 0)
    if size > MAX_BYTES:
        raise FileTooBig(size)
    url = str(file.get("url_private_download") or file.get("url_private") or "")
    if not url:
        raise FileTooBig(0)
    headers = {"Authorization": f"Bearer {client.token}"}
    async with session.get(url, headers=headers, allow_redirects=False) as response:
        response.raise_for_status()
        data = await response.content.read(MAX_BYTES + 1)
    return str(file.get("name") or "invite.ics"), data


def too_big(size: int) -> Message:
    return error(oversized(size))


def unreadable() -> Message:
    return Message(
        title="I couldn't fetch that file from Slack.",
        body="Nothing was logged: share it again in a moment.",
        tone=Tone.ERROR,
    )


def encode(command: c.Command) -> str | None:
    """The proposal as a button value, or None when it doesn't fit (then it is typed)."""
    values: dict[str, Any] = {}
    for field in fields(command):
        value = getattr(command, field.name)
        if field.name == "interviewers":
            value = [[p.name, p.title] for p in value]
        elif field.name == "invitation":
            value = [value.key, value.sequence] if value is not None else None
        elif isinstance(value, RoundKind):
            value = value.value
        values[field.name] = value
    text = json.dumps(
        {"t": type(command).__name__, "f": values}, ensure_ascii=False, separators=(",", ":")
    )
    return text if len(text) <= MAX_VALUE else None


def decode(text: str | None) -> c.Command | None:
    """The proposal a button carried back, or None for anything else."""
    if not text or len(text) > MAX_VALUE:
        return None
    try:
        data = json.loads(text)
        cls = PROPOSED[data["t"]]
        raw = dict(data["f"])
        if "interviewers" in raw:
            raw["interviewers"] = tuple(Interviewer(str(n), str(t)) for n, t in raw["interviewers"])
        if "kind" in raw:
            raw["kind"] = RoundKind(raw["kind"])
        if raw.get("invitation") is not None:
            key, sequence = raw["invitation"]
            raw["invitation"] = InvitationRef(str(key), int(sequence))
        names = {f.name for f in fields(cls)}
        if set(raw) - names:
            return None
        command = cls(**raw)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    for field in fields(command):  # typed as declared: text is text, numbers are numbers
        value = getattr(command, field.name)
        if field.name in ("number", "seq") and not (
            isinstance(value, int) and not isinstance(value, bool)
        ):
            return None
        if field.name in ("company", "role", "when") and not isinstance(value, str):
            return None
    return command


async def share_failed(problem: Exception) -> Message:
    if isinstance(problem, FileTooBig):
        return too_big(int(problem.args[0]) if problem.args else 0)
    if isinstance(problem, SlackApiError):
        log.warning("files.info refused: %s", problem.response.get("error"))
    else:
        log.warning("file download failed: %s", type(problem).__name__)
    return unreadable()


def editable(command: c.Command) -> bool:
    """Whether a proposal can be opened as a form first: a new application or a round."""
    return isinstance(command, c.Add | c.LogRound)


def edit_form(command: c.Command | None, origin: Origin, timezone: str | None) -> View | None:
    """The add or round form filled in from a proposal (answering in place of it), or None
    for a proposal that has no form (a change, a removal) or a value that isn't one."""
    if isinstance(command, c.Add):
        return add_form(
            replace(origin, invitation=command.invitation, replace=True),
            timezone,
            of_proposal(command),
            source="the invitation",
        )
    if isinstance(command, c.LogRound):
        where = replace(origin, number=command.number, invitation=command.invitation, replace=True)
        return round_form(where, timezone, of_proposal(command), source="the invitation")
    return None


def no_form() -> Message:
    return Message(
        title="That question has expired.",
        body="Nothing was logged: share the invitation again.",
        tone=Tone.ERROR,
    )
