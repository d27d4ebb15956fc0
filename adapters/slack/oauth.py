"""Multi-workspace install: bolt's OAuth flow with slack-sdk's SQLAlchemy stores kept in the
bot's own database (tables `slack_installations`, `slack_bots`, `slack_oauth_states`).

Tokens are read back through one `AsyncInstallationStoreAuthorize`, the settings' own, which
bolt uses for every incoming request and `workspaces.Workspaces` for what the bot sends on its
own (nudges, channel posts). When the app has token rotation on (Slack then hands out bot
tokens that expire after 12 hours, with a refresh token), it refreshes a token that expires
within `ROTATE_BEFORE_MINUTES` and saves the new one. Its calls (the refresh, `auth.test`) go
to `SLACK_API_URL`, through `client`. What `auth.test` says about a token is cached by token:
a refreshed token is a new entry, and an uninstalled team has no token to look up.

The stores' tables are created at start when missing (`CREATE TABLE IF NOT EXISTS`): they
belong to slack-sdk, which defines them itself, so they are not part of our migrations.
"""

from __future__ import annotations

import logging

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.clients import api_base
from adapters.slack.scopes import BOT_SCOPES

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_TTL_SECONDS = 600
# A rotating token lives 12 hours; one that expires within this is refreshed before use, so a
# request (or a nudge) never starts with a token that dies while it runs.
ROTATE_BEFORE_MINUTES = 120


def authorization_url(api_url: str | None) -> str:
    """Slack's consent page on the same host as the Web API (slack.com, GovSlack, a proxy)."""
    base = api_base(api_url)
    root = base[: -len("api/")] if base.endswith("/api/") else base
    return f"{root}oauth/v2/authorize"


async def oauth_settings(
    client_id: str,
    client_secret: str,
    engine: AsyncEngine,
    api_url: str | None,
    client: AsyncWebClient,
) -> AsyncOAuthSettings:
    """`client`: a Web API client without a token, for the token refreshes and checks."""
    installations = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_TTL_SECONDS, engine=engine)
    await installations.create_tables()
    await states.create_tables()
    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=states,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url(api_url),
        token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
    )
    # The settings build their own authorize, whose refreshes would go to slack.com whatever
    # SLACK_API_URL says: this one is the same but for its client (and the auth.test cache).
    settings.authorize = AsyncInstallationStoreAuthorize(
        logger=logging.getLogger("slack_bolt.authorize"),
        installation_store=installations,
        client_id=client_id,
        client_secret=client_secret,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    return settings
