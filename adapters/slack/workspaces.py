"""A Web API client for a workspace, outside any incoming request (nudges, Home refreshes).

With one `SLACK_BOT_TOKEN` every team uses that token; with OAuth each team's bot token
comes from the installation store. Every client shares one HTTP session and points at
`SLACK_API_URL`.
"""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import Sleep, web_client


class NotInstalled(LookupError):
    """No bot token for this workspace: the app was never installed there, or was removed."""


class Workspaces:
    def __init__(
        self,
        base_url: str | None,
        session: aiohttp.ClientSession | None,
        *,
        token: str | None = None,
        installations: AsyncInstallationStore | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._base_url = base_url
        self._session = session
        self._token = token
        self._installations = installations
        self._sleep = sleep
        self._single = web_client(base_url, token, session, sleep) if token and installations is None else None

    async def client(self, team_id: str) -> AsyncWebClient:
        if self._single is not None:
            return self._single
        if self._installations is None:
            raise NotInstalled("no Slack token is configured")
        bot = await self._installations.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"Followup is not installed in Slack workspace {team_id}")
        return web_client(self._base_url, bot.bot_token, self._session, self._sleep)
