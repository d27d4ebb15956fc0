"""`SlackAdapter`: puts the core on Slack, connected the way the environment says.

- Socket Mode when `SLACK_APP_TOKEN` is set: no public URL needed.
- Otherwise HTTP: bolt's aiohttp app on `FOLLOWUP_HTTP_PORT` at `/slack/events`, every
  request checked against `SLACK_SIGNING_SECRET`.
- With `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET`: multi-workspace OAuth
  (`/slack/install`, `/slack/oauth_redirect`, served over HTTP in either mode); otherwise the
  single workspace of `SLACK_BOT_TOKEN`.

Built by `adapters.bootstrap` with what it uses: the core's facade, the settings and the clock,
the `SlackLink` and DM channel cache its notifier and channel poster (built there too) send
through, the receipts store that drops replayed requests, and, for OAuth, how to open the
installation store. `start` opens the link, so the dispatcher can send nudges and the core can
post in group channels; `stop` closes it. `start` also subscribes the group-mode intro to
`member_joined_channel`.
Routes passed as `http_routes` (the health check) are served by the same aiohttp app and port
as `/slack/events` whenever Slack serves HTTP (`serves_http`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.config import Config
from adapters.slack import webapi
from adapters.slack.app import build_app, request_gate
from adapters.slack.clients import Sleep, http_session, web_client
from adapters.slack.directory import DirectChannels, People
from adapters.slack.home import HomeTab
from adapters.slack.listeners import Listeners
from adapters.slack.replies import Replies
from adapters.slack.workspaces import SlackLink, Workspaces
from bot.clock import Clock
from bot.service import Followup
from storage.receipts import Receipts

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
# aiohttp listens with a backlog of 128: a burst of more simultaneous connections (Slack
# delivering 200 slash commands at once) overflows it, and the dropped SYNs are retried by the
# client's TCP stack only after a second — a second lost from Slack's 3-second budget.
LISTEN_BACKLOG = 1024


# Opens the OAuth installation and state stores (in the bot's database), given a Web API client
# without a token (for token refreshes); called at start when the settings ask for
# multi-workspace installs.
OAuthOpener = Callable[[AsyncWebClient], Awaitable[AsyncOAuthSettings]]


class SlackConfigError(RuntimeError):
    """The environment doesn't describe a Slack connection that can work."""


# Slack's answers to a token it doesn't take: ending the process beats retrying.
REFUSED_TOKEN = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
}


def settings_problem(config: Config) -> str | None:
    """What is missing for Slack to start with these settings, naming the variables; None
    when they describe a connection that can work."""
    multi = bool(config.slack_client_id and config.slack_client_secret)
    if not (config.slack_bot_token or multi):
        return (
            "Slack needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for "
            "multi-workspace installs."
        )
    if not config.slack_app_token and not config.slack_signing_secret:
        return (
            "Slack needs SLACK_SIGNING_SECRET (HTTP mode, Slack calls /slack/events) or "
            "SLACK_APP_TOKEN (Socket Mode, no public URL): set one of them (Basic Information "
            "page of your Slack app)."
        )
    return None


class SlackAdapter:
    def __init__(
        self,
        followup: Followup,
        config: Config,
        clock: Clock,
        *,
        link: SlackLink,
        channels: DirectChannels,
        receipts: Receipts,
        oauth: OAuthOpener,
        host: str = "0.0.0.0",
        sleep: Sleep = asyncio.sleep,
        http_routes: Sequence[web.RouteDef] = (),
    ) -> None:
        self._followup = followup
        self._config = config
        self._clock = clock
        self._link = link
        self._channels = channels
        self._receipts = receipts
        self._oauth = oauth
        self._host = host
        self._sleep = sleep
        self._http_routes = list(http_routes)
        self._session: aiohttp.ClientSession | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.app: AsyncApp | None = None
        self.http_port: int | None = None

    @property
    def mode(self) -> str:
        return "socket" if self._config.slack_app_token else "http"

    @property
    def serves_http(self) -> bool:
        """Whether Slack listens on FOLLOWUP_HTTP_PORT (HTTP mode, or OAuth install pages)."""
        config = self._config
        return self.mode == "http" or bool(config.slack_client_id and config.slack_client_secret)

    @property
    def connected(self) -> bool:
        """HTTP mode: the server is listening. Socket Mode: the websocket is up."""
        if self.mode == "socket":
            client = getattr(self._socket, "client", None)
            session = getattr(client, "current_session", None)
            return bool(
                client is not None
                and not client.closed
                and not getattr(client, "stale", False)
                and session is not None
                and not session.closed
            )
        return self._runner is not None and self.http_port is not None

    async def start(self) -> None:
        config = self._config
        multi = bool(config.slack_client_id and config.slack_client_secret)
        problem = settings_problem(config)
        if problem is not None:
            raise SlackConfigError(problem)
        try:
            await self._connect(multi)
        except BaseException:
            await self.stop()
            raise

    async def _connect(self, multi: bool) -> None:
        config = self._config
        self._session = http_session()
        oauth = (
            await self._oauth(web_client(config.slack_api_url, None, self._session, self._sleep))
            if multi
            else None
        )
        token = None if multi else config.slack_bot_token
        client = web_client(config.slack_api_url, token, self._session, self._sleep, self._clock)
        if token is not None:
            await _check_token(
                client.auth_test(),
                "SLACK_BOT_TOKEN",
                "the Bot User OAuth Token (xoxb-…) from OAuth & Permissions",
            )
        channels = self._channels
        installations = oauth.installation_store if oauth else None
        workspaces = Workspaces(
            config.slack_api_url,
            self._session,
            token=token,
            authorize=oauth.authorize if oauth else None,
            sleep=self._sleep,
            clock=self._clock,
        )
        home = HomeTab(self._followup)
        listeners = Listeners(
            self._followup,
            People(),
            channels,
            Replies(channels, self._session, self._sleep),
            home,
            installations,
            self._session,
        )
        self.app = build_app(
            client,
            listeners,
            signing_secret=config.slack_signing_secret,
            oauth=oauth,
            receipts=self._receipts,
            clock=self._clock,
        )
        self.app.event("member_joined_channel")(listeners.on_member_joined)
        self._link.open(workspaces)
        if self.mode == "socket":
            connector = web_client(config.slack_api_url, None, self._session, self._sleep)
            await _check_token(
                connector.apps_connections_open(app_token=config.slack_app_token or ""),
                "SLACK_APP_TOKEN",
                "an app-level token (xapp-…) with connections:write, from Basic Information",
            )
            self._socket = AsyncSocketModeHandler(
                self.app, app_token=config.slack_app_token, web_client=connector
            )
            await self._socket.connect_async()
            log.info("Slack: connected over Socket Mode")
        if self.mode == "http" or oauth is not None:
            await self._serve(self.app, config.http_port, oauth)

    async def _serve(self, app: AsyncApp, port: int, oauth: AsyncOAuthSettings | None) -> None:
        server = AsyncSlackAppServer(port=port, path=EVENTS_PATH, app=app, host=self._host)
        server.web_app.router.add_routes(self._http_routes)
        server.web_app.middlewares.append(
            request_gate(self._config.slack_signing_secret, EVENTS_PATH)
        )
        self._runner = web.AppRunner(server.web_app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, port, backlog=LISTEN_BACKLOG).start()
        self.http_port = int(self._runner.addresses[0][1])
        paths = [EVENTS_PATH] if self.mode == "http" else []
        paths += [route.path for route in self._http_routes if isinstance(route, web.RouteDef)]
        if oauth is not None:
            paths += [oauth.install_path, oauth.redirect_uri_path]
        log.info("Slack: HTTP on %s:%s (%s)", self._host, self.http_port, ", ".join(paths))

    async def stop(self) -> None:
        self._link.close()
        await self._channels.flush()  # the DM ids found while running, stored before we go
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.http_port = None
        if self._session is not None:
            webapi.close(self._session)
            await self._session.close()
            self._session = None


async def _check_token(call: Awaitable[Any], setting: str, fix: str) -> None:
    """Make `call` once at start: a token Slack refuses ends start-up, naming the variable."""
    try:
        await call
    except SlackApiError as refusal:
        error = str(refusal.response.get("error") or "")
        if error in REFUSED_TOKEN:
            raise SlackConfigError(
                f"{setting} was refused by Slack ({error}): set it to {fix}."
            ) from None
        raise
