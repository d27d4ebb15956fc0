"""A Web API client for a workspace, outside any incoming request (nudges, channel posts,
Home refreshes).

With one `SLACK_BOT_TOKEN` every team uses that token. With OAuth each team's bot token is
read the way bolt reads it for an incoming request: through the app's own
`AsyncInstallationStoreAuthorize` (`oauth.oauth_settings`), which finds the installation and,
when the app has token rotation on, refreshes a bot token that expires soon (`oauth.v2.access`
with the stored refresh token) and saves the new one before it is used. So a nudge sent hours
after the last request still goes out with a valid token. Every client shares one HTTP session
(its connections reused) and points at `SLACK_API_URL`; a token's client is made once and kept.
`SlackLink` lends the running adapter's `Workspaces` to the notifier and the channel poster, which
are built once, before the adapter starts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import aiohttp
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import Sleep, web_client
from bot.clock import Clock
from bot.ports import TransientDeliveryError

log = logging.getLogger(__name__)


CLIENTS_KEPT = 1000  # workspaces' clients kept for reuse (one per bot token)


class NotInstalled(LookupError):
    """No bot token for this workspace: the app was never installed there, or was removed."""


class WorkspaceClients(Protocol):
    """Where the notifier and the channel poster get a team's Web API client."""

    async def client(self, team_id: str) -> AsyncWebClient: ...


class TokenUnavailable(TransientDeliveryError):
    """The workspace is installed but no valid token could be had just now (a refresh that
    Slack refused or never answered): the nudge or post is retried later, not dropped."""


class Workspaces:
    def __init__(
        self,
        base_url: str | None,
        session: aiohttp.ClientSession | None,
        *,
        token: str | None = None,
        authorize: AsyncAuthorize | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
    ) -> None:
        self._base_url = base_url
        self._session = session
        self._authorize = authorize
        self._sleep = sleep
        self._clock = clock
        self._single = (
            web_client(base_url, token, session, sleep, clock)
            if token and authorize is None
            else None
        )
        # What authorize calls Slack with (auth.test for the token it found); no token of its own.
        self._clients: dict[str, AsyncWebClient] = {}
        self._context = AsyncBoltContext(
            client=web_client(base_url, None, session, sleep), is_enterprise_install=False
        )

    async def client(self, team_id: str) -> AsyncWebClient:
        if self._single is not None:
            return self._single
        if self._authorize is None:
            raise NotInstalled("no Slack token is configured")
        found = await self._authorize(
            context=self._context, enterprise_id=None, team_id=team_id, user_id=None
        )
        if found is None or not found.bot_token:
            if await self._installed(team_id):
                log.warning(
                    "Slack workspace %s is installed but its token couldn't be refreshed or "
                    "checked",
                    team_id,
                )
                raise TokenUnavailable(f"no valid Slack token for workspace {team_id} just now")
            raise NotInstalled(f"Followup is not installed in Slack workspace {team_id}")
        return self._client_for(found.bot_token)

    def _client_for(self, token: str) -> AsyncWebClient:
        """One client per bot token (a rotated token gets a new one), on the shared session."""
        client = self._clients.pop(token, None) or web_client(
            self._base_url, token, self._session, self._sleep, self._clock
        )
        self._clients[token] = client  # the most recently used last
        while len(self._clients) > CLIENTS_KEPT:
            del self._clients[next(iter(self._clients))]
        return client

    async def _installed(self, team_id: str) -> bool:
        store = getattr(self._authorize, "installation_store", None)
        if store is None:
            return False
        bot = await store.async_find_bot(enterprise_id=None, team_id=team_id)
        return bot is not None and bool(bot.bot_token)


class SlackLink:
    """The workspace clients of the running Slack adapter, lent to the notifier and the channel
    poster: they exist for the whole process, while the adapter opens the link when it starts and
    closes it when it stops. `live` says whether Slack can be sent to now."""

    def __init__(self) -> None:
        self._workspaces: Workspaces | None = None

    @property
    def live(self) -> bool:
        return self._workspaces is not None

    def open(self, workspaces: Workspaces) -> None:
        self._workspaces = workspaces

    def close(self) -> None:
        self._workspaces = None

    async def client(self, team_id: str) -> AsyncWebClient:
        if self._workspaces is None:
            raise TransientDeliveryError("Slack is not connected")
        return await self._workspaces.client(team_id)
