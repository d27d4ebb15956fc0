"""Multi-workspace install: bolt's OAuth flow with slack-sdk's SQLAlchemy stores kept in the
bot's own database (tables `slack_installations`, `slack_bots`, `slack_oauth_states`).

The stores' tables are created at start when missing (`CREATE TABLE IF NOT EXISTS`): they
belong to slack-sdk, which defines them itself, so they are not part of our migrations.
"""

from __future__ import annotations

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.clients import api_base
from adapters.slack.scopes import BOT_SCOPES

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_TTL_SECONDS = 600


def authorization_url(api_url: str | None) -> str:
    """Slack's consent page on the same host as the Web API (slack.com, GovSlack, a proxy)."""
    base = api_base(api_url)
    root = base[: -len("api/")] if base.endswith("/api/") else base
    return f"{root}oauth/v2/authorize"


async def oauth_settings(client_id: str, client_secret: str, engine: AsyncEngine, api_url: str | None) -> AsyncOAuthSettings:
    installations = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_TTL_SECONDS, engine=engine)
    await installations.create_tables()
    await states.create_tables()
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=states,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url(api_url),
    )
