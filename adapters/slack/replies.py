"""Delivering the core's answer to whoever asked: through the request's `response_url` when
there is one (ephemeral in channels, a normal message in the bot's DM, replacing the
original message after a button changed something), else as a DM with `chat.postMessage`.
An answer Slack refuses for its length is sent again as its short version (`blocks.shortened`).

An `export` carries a file: a small one is shown inline, as plain text (no code block that a
role containing three backticks could close); a bigger one is uploaded to the DM (files
upload v2) and the answer says where it is, or that the upload failed and to try again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import SECTION_TEXT, Block, payload, section, shortened
from adapters.slack.clients import Sleep, retry_handlers
from adapters.slack.directory import DirectChannels
from adapters.slack.escape import escape
from bot.messages import Attachment, Message

log = logging.getLogger(__name__)
INLINE_FILE = SECTION_TEXT - 200  # escaped characters of a file shown inline
TOO_LONG_ERRORS = frozenset({"msg_blocks_too_long", "msg_too_long"})


class TooLong(Exception):
    """Slack refused an answer for its length."""


@dataclass(frozen=True)
class _Where:
    """Where an answer goes: the request's response_url, a thread, or the person's DM."""

    team_id: str
    user_id: str
    response_url: str | None
    direct: bool
    replace_original: bool
    thread: tuple[str, str] | None


class Replies:
    def __init__(
        self,
        channels: DirectChannels,
        session: aiohttp.ClientSession | None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._channels = channels
        self._session = session
        self._sleep = sleep

    async def answer(
        self,
        client: AsyncWebClient,
        team_id: str,
        user_id: str,
        message: Message,
        *,
        response_url: str | None,
        direct: bool,
        replace_original: bool = False,
        thread: tuple[str, str] | None = None,
    ) -> None:
        """`thread` (channel, thread ts): answer in that thread instead, as a DM's console does.
        Should Slack refuse the answer as too long (`msg_blocks_too_long`, which the pages
        keep from happening), its short version goes instead, pointing to `export`."""
        message, extra = await self._with_file(client, team_id, user_id, message)
        where = _Where(team_id, user_id, response_url, direct, replace_original, thread)
        try:
            await self._send(client, where, payload(message, extra=extra))
        except TooLong as refusal:
            log.warning(
                "Slack refused the answer as too long (%s): sending its short version", refusal
            )
            await self._send(client, where, payload(shortened(message)))

    async def _send(self, client: AsyncWebClient, where: _Where, body: dict[str, Any]) -> None:
        try:
            if where.thread is not None:
                await client.chat_postMessage(
                    channel=where.thread[0], thread_ts=where.thread[1], **body
                )
                return
            if where.response_url and await self._to_url(
                where.response_url, body, where.direct, where.replace_original
            ):
                return
            channel = await self._channels.open(client, where.team_id, where.user_id)
            await client.chat_postMessage(channel=channel, **body)
        except SlackApiError as refusal:
            if refusal.response.get("error") in TOO_LONG_ERRORS:
                raise TooLong(str(refusal.response.get("error"))) from refusal
            raise

    async def _to_url(
        self, url: str, body: dict[str, Any], direct: bool, replace_original: bool
    ) -> bool:
        hook = AsyncWebhookClient(
            url, session=self._session, retry_handlers=retry_handlers(self._sleep)
        )
        full = dict(body, replace_original=replace_original)
        if not replace_original:
            full["response_type"] = "in_channel" if direct else "ephemeral"
        try:
            response = await hook.send_dict(full)
        except (TimeoutError, aiohttp.ClientError) as problem:
            log.warning("response_url failed (%s); answering by DM instead", problem)
            return False
        if response.status_code != 200 and str(response.body).strip() in TOO_LONG_ERRORS:
            raise TooLong(str(response.body).strip())
        if response.status_code != 200:
            log.warning(
                "response_url answered %s (%s); answering by DM instead",
                response.status_code,
                response.body,
            )
            return False
        return True

    async def _with_file(
        self, client: AsyncWebClient, team_id: str, user_id: str, message: Message
    ) -> tuple[Message, list[Block]]:
        file = message.attachment
        if file is None:
            return message, []
        shown = escape(file.content)
        if len(shown) <= INLINE_FILE:
            text = f"{escape(file.filename)}\n{shown}"
            return message, [section("fu-file", text)]
        note = await self._upload(client, team_id, user_id, file)
        footer = "\n".join(part for part in (message.footer, note) if part)
        return replace(message, footer=footer), []

    async def _upload(
        self, client: AsyncWebClient, team_id: str, user_id: str, file: Attachment
    ) -> str:
        try:
            channel = await self._channels.open(client, team_id, user_id)
            await client.files_upload_v2(
                channel=channel, content=file.content, filename=file.filename, title=file.filename
            )
        except (TimeoutError, SlackApiError, SlackClientError, aiohttp.ClientError) as problem:
            reason = (
                problem.response.get("error")
                if isinstance(problem, SlackApiError)
                else type(problem).__name__
            )
            log.warning("file upload failed: %s", reason)
            return f"I couldn't upload {file.filename} ({reason}). Try again in a minute."
        return f"📎 {file.filename} is in our direct messages."
