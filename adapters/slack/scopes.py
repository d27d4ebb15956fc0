"""The bot scopes and events Followup uses, and which Web API method or event needs which scope.

`manifest.yml` declares exactly `BOT_SCOPES` and subscribes to exactly the events in
`EVENT_SCOPES`; the OAuth install asks for `BOT_SCOPES`; a test checks that every Web API
method the adapter calls appears in `METHOD_SCOPES`.
"""

from __future__ import annotations

# AsyncWebClient method → the bot scopes it needs (none, e.g. views.* and auth.test).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth_test": (),
    "apps_connections_open": (),  # the app-level token's connections:write, not a bot scope
    "chat_postMessage": ("chat:write",),
    "conversations_open": ("im:write",),
    # Before re-posting a nudge or a weekly digest whose earlier attempt may have arrived, the
    # conversation's recent history is searched for its metadata: the DM's (im:history), a
    # public channel's (channels:history) or a private channel's (groups:history).
    "conversations_history": ("im:history", "channels:history", "groups:history"),
    "users_info": ("users:read",),
    "views_open": (),
    "views_publish": (),
    "files_upload_v2": ("files:write",),
    # A calendar invitation shared in the bot's DM is read through files.info and its
    # private download URL.
    "files_info": ("files:read",),
}

# Bot event → the scopes Slack wants before it sends it. `member_joined_channel` (the bot was
# added to a channel: post the group-mode intro) comes for public channels with
# `channels:read` and for private ones with `groups:read`.
# `app_uninstalled` and `tokens_revoked` need no scope: on either, the workspace's data is erased.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),
    "app_uninstalled": (),
    # A message typed in the bot's DM runs as a command (the Messages tab is a console); a
    # shared .ics file there (subtype `file_share`) is read as an invitation.
    "message.im": ("im:history",),
    "tokens_revoked": (),
    "member_joined_channel": ("channels:read", "groups:read"),
}

# `commands` is needed for the slash command itself.
BOT_SCOPES: tuple[str, ...] = tuple(
    sorted(
        {"commands"}
        | {scope for scopes in METHOD_SCOPES.values() for scope in scopes}
        | {scope for scopes in EVENT_SCOPES.values() for scope in scopes}
    )
)
