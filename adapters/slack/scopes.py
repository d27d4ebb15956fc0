"""The bot scopes Followup uses, and which Web API method needs which.

`manifest.yml` declares exactly `BOT_SCOPES`; the OAuth install asks for them; a test checks
that every Web API method the adapter calls appears in `METHOD_SCOPES`.
"""

from __future__ import annotations

# AsyncWebClient method → the bot scope it needs (None: no scope, e.g. views.* and auth.test).
METHOD_SCOPES: dict[str, str | None] = {
    "auth_test": None,
    "chat_postMessage": "chat:write",
    "conversations_open": "im:write",
    "users_info": "users:read",
    "views_open": None,
    "views_publish": None,
    "files_upload_v2": "files:write",
}

# `commands` is needed for the slash command itself.
BOT_SCOPES: tuple[str, ...] = tuple(
    sorted({"commands"} | {scope for scope in METHOD_SCOPES.values() if scope})
)
