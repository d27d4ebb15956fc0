"""Building the bolt `AsyncApp` and attaching the listeners to it.

Nothing is read from the environment here: the caller passes the client (already pointing
at `SLACK_API_URL`), the signing secret and, for multi-workspace installs, the OAuth settings.
"""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.home import OPEN_ADD_FORM
from adapters.slack.listeners import Listeners
from adapters.slack.modal import ADD_FORM

COMMAND = "/followup"
CORE_ACTIONS = re.compile(r"^fu:")


def build_app(
    client: AsyncWebClient,
    listeners: Listeners,
    *,
    signing_secret: str | None,
    oauth: AsyncOAuthSettings | None = None,
) -> AsyncApp:
    app = AsyncApp(
        name="followup",
        client=client,
        signing_secret=signing_secret or "",
        oauth_settings=oauth,
        installation_store_bot_only=True if oauth else None,
    )
    app.command(COMMAND)(listeners.on_command)
    app.action(CORE_ACTIONS)(listeners.on_action)
    app.action(OPEN_ADD_FORM)(listeners.on_open_form)
    app.view(ADD_FORM)(listeners.on_submit)
    app.event("app_home_opened")(listeners.on_home_opened)
    return app
