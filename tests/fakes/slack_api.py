"""A fake Slack on 127.0.0.1 for protocol-level tests: the Web API, `response_url` hooks, file
uploads and the Socket Mode websocket, in one aiohttp server.

It records every call (`calls`, `hooks`, `uploads`, `acks`), answers the methods the adapter
uses like Slack does (shape, not every field), and fails on demand: `fail("chat.postMessage",
status=429, retry_after=30)`, `fail(..., status=500)`, `fail(..., error="account_inactive")`.
Tests wait on conditions (`wait_for`, `wait_for_call`, `wait_for_hook`), never on the clock.

Each person's Home tab is kept as last published (`home`), and open modals by view id
(`modals`, replaced by `views.update`). Posted messages are kept per channel (`posted`) with their
`metadata`, and `conversations.history` serves them as Slack does: newest first, after `oldest`,
paged with `cursor`, and with `metadata` only when `include_all_metadata` is true. A post can be
slow: with `post_delay` (seconds, or a callable giving them) the message is stored when the request
arrives and answered only after the delay; `late(times, after)` does that for the next posts with a
delay longer than the client waits, as Slack does when it accepts a message and answers too late.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import orjson
from aiohttp import WSMsgType, web

JSON_FIELDS = ("blocks", "view", "attachments", "files", "metadata")
DEFAULT_TOKEN = "xoxb-test"
DEFAULT_TEAM = "T1"
BOT_USER = "UBOT"
SURFACE_BLOCKS = 100  # the most blocks a Home tab or a modal may have


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    status: int = 200
    error: str | None = None  # the `error` of a refusal (`fail`), None when the call succeeded


@dataclass(frozen=True)
class Hook:
    name: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Failure:
    status: int = 200
    error: str = "internal_error"
    retry_after: float | None = None


@dataclass
class FakeSlack:
    """Start with `async with FakeSlack() as fake:` (or `start()` and `close()`); point clients
    at `fake.api_url`."""

    default_tz: str = "Europe/Berlin"
    calls: list[Call] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=lambda: {DEFAULT_TOKEN: DEFAULT_TEAM})
    installs: dict[str, str] = field(default_factory=dict)  # OAuth code → team id
    # Token rotation on (the app's setting): installs and refreshes hand out bot tokens that
    # expire after `token_lifetime` seconds, each with a one-time refresh token.
    rotating: bool = False
    token_lifetime: int = 43200
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token → team id
    # channel → messages, oldest first
    posted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    post_delay: float | Callable[[], float] = 0.0
    # file id → (files.info's file, content)
    shared: dict[str, tuple[dict[str, Any], bytes]] = field(default_factory=dict)
    # Slack refuses a message whose blocks hold more text than this, all texts together
    # (`msg_blocks_too_long`; about 12,000 characters for chat.postMessage). `hook_text_limit`:
    # the same for response_url answers, which Slack refuses with HTTP 400 (None: no limit).
    block_text_limit: int = 12000
    hook_text_limit: int | None = None
    refused_hooks: list[Hook] = field(default_factory=list)
    # user id → their Home tab as last published
    home: dict[str, dict[str, Any]] = field(default_factory=dict)
    # view id → an open modal, as last updated
    modals: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The DM `conversations.open` gives for a user (by default "D" + their id), and channels
    # that no longer take posts (`chat.postMessage` answers `channel_not_found`), as an id
    # kept from long ago may be.
    dms: dict[str, str] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._late: deque[float] = deque()
        self._last_ts = 0.0
        self.port = 0

    def share_file(
        self,
        name: str,
        content: bytes,
        *,
        mimetype: str = "text/calendar",
        size: int | None = None,
        user: str = "U1",
    ) -> dict[str, Any]:
        """A file someone shared: its entry as a `file_share` message event lists it."""
        file_id = f"F{next(self._ids)}"
        url = f"{self.base}/files-pri/{file_id}/{name}"
        info = {
            "id": file_id,
            "name": name,
            "mimetype": mimetype,
            "filetype": name.rpartition(".")[2],
            "size": len(content) if size is None else size,
            "user": user,
            "url_private": url,
            "url_private_download": url,
        }
        self.shared[file_id] = (info, content)
        return {k: info[k] for k in ("id", "name", "mimetype", "filetype", "size")}

    async def _download(self, request: web.Request) -> web.Response:
        """Slack serves private files only with a valid bot token."""
        found = self.shared.get(request.match_info["file_id"])
        if found is None or self.tokens.get(_bearer(request) or "") is None:
            return web.Response(status=404)
        return web.Response(body=found[1])

    # --- lifecycle -----------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._socket)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}/hooks/{name}"

    # --- test controls ------------------------------------------------------------------
    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str = "internal_error",
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self._failures[method].append(Failure(status, error, retry_after))

    def late(self, times: int, after: float) -> None:
        """Store each of the next `times` posts at once but answer it only `after` seconds later."""
        self._late.extend([after] * times)

    def messages(self) -> list[dict[str, Any]]:
        """Every message posted, in every channel."""
        return [m for channel in self.posted.values() for m in channel]

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def everything_sent(self) -> str:
        """Every request body the fake received, as one string (for leak checks)."""
        parts = [json.dumps(c.params, ensure_ascii=False) for c in self.calls]
        parts += [json.dumps(h.body, ensure_ascii=False) for h in self.hooks]
        parts += [b.decode("utf-8", "replace") for b in self.uploads.values()]
        return "\n".join(parts)

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    async def wait_for_call(self, method: str, count: int = 1, within: float = 5.0) -> Call:
        await self.wait_for(lambda: len(self.calls_to(method)) >= count, within)
        return self.calls_to(method)[count - 1]

    async def wait_for_hook(self, name: str, within: float = 5.0) -> Hook:
        await self.wait_for(lambda: any(h.name == name for h in self.hooks), within)
        return next(h for h in self.hooks if h.name == name)

    async def wait_for_socket(self, within: float = 5.0) -> None:
        await self.wait_for(lambda: bool(self._sockets), within)

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Push a Socket Mode envelope to the connected app; returns its envelope id."""
        envelope_id = f"env-{next(self._ids)}"
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self._sockets[-1].send_str(json.dumps(message))
        return envelope_id

    async def wait_for_ack(self, envelope_id: str, within: float = 5.0) -> dict[str, Any]:
        await self.wait_for(lambda: envelope_id in self.acks, within)
        return self.acks[envelope_id]

    # --- handlers -----------------------------------------------------------------------
    async def _record(self, item: Any) -> None:
        async with self._changed:
            if isinstance(item, Call):
                self.calls.append(item)
            elif isinstance(item, Hook):
                self.hooks.append(item)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        params.update(_client_credentials(request))
        token = params.pop("token", None) or _bearer(request)
        failures = self._failures.get(method)
        if failures:
            failure = failures.popleft()
            error = "ratelimited" if failure.status == 429 else failure.error
            await self._record(Call(method, params, token, status=failure.status, error=error))
            headers = (
                {"Retry-After": str(int(failure.retry_after))}
                if failure.retry_after is not None
                else {}
            )
            return web.json_response(
                {"ok": False, "error": error}, status=failure.status, headers=headers, dumps=_text
            )
        answer = self._answer(method, params, token)
        await self._record(Call(method, params, token))
        if method == "chat.postMessage" and answer.get("ok"):
            delay = (
                self._late.popleft()
                if self._late
                else (self.post_delay() if callable(self.post_delay) else self.post_delay)
            )
            if delay > 0:
                await asyncio.sleep(delay)  # stands for Slack's own time to answer
        return web.json_response(answer, dumps=_text)

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "oauth.v2.access":
            return self._oauth(params)
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link?ticket={next(self._ids)}"}
        team = self.tokens.get(token or "")
        if team is None:
            return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        n = next(self._ids)
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": f"Team {team}",
                "user": "followup",
                "team_id": team,
                "user_id": BOT_USER,
                "bot_id": "B1",
                "is_enterprise_install": False,
            }
        if method == "users.info":
            user = self._user(str(params.get("user")))
            if str(params.get("include_locale", "")).lower() in {"1", "true"}:
                user["locale"] = self.users.get(str(params.get("user")), {}).get("locale", "en-US")
            return {"ok": True, "user": user}
        if method == "conversations.open":
            user = str(params.get("users"))
            return {"ok": True, "channel": {"id": self.dms.get(user, f"D{user}")}}
        if method == "chat.postMessage":
            return self._post(params)
        if method == "conversations.history":
            return self._history(params)
        if method in ("chat.postEphemeral", "chat.update"):
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": f"1700000000.{n:06d}",
                "message": {"text": params.get("text"), "blocks": params.get("blocks")},
            }
        if method in ("views.open", "views.publish", "views.update"):
            return self._view(method, params, n)
        if method == "files.info":
            found = self.shared.get(str(params.get("file")))
            return (
                {"ok": True, "file": found[0]}
                if found
                else {"ok": False, "error": "file_not_found"}
            )
        if method == "files.getUploadURLExternal":
            file_id = f"F{n}"
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {
                "ok": True,
                "files": [
                    {"id": f["id"], "title": f.get("title", "")} for f in params.get("files") or []
                ],
            }
        return {"ok": False, "error": "unknown_method"}

    def _view(self, method: str, params: dict[str, Any], n: int) -> dict[str, Any]:
        """Home tabs (the latest per user, in `home`) and modals (by view id, in `modals`) as
        Slack keeps them; a view over Slack's 100 blocks is refused as Slack does."""
        view = params.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        if len(view.get("blocks") or []) > SURFACE_BLOCKS:
            return {"ok": False, "error": "invalid_blocks"}
        if method == "views.publish":
            user = str(params.get("user_id") or "")
            if not user:
                return {"ok": False, "error": "invalid_arguments"}
            stored = {**view, "id": self.home.get(user, {}).get("id", f"VH{n}")}
            self.home[user] = stored
            return {"ok": True, "view": stored}
        if method == "views.update":
            view_id = str(params.get("view_id") or "")
            if view_id not in self.modals:
                return {"ok": False, "error": "not_found"}
            self.modals[view_id] = {**view, "id": view_id}
            return {"ok": True, "view": self.modals[view_id]}
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        self.modals[f"V{n}"] = {**view, "id": f"V{n}"}
        return {"ok": True, "view": self.modals[f"V{n}"]}

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel or channel in self.gone:
            return {"ok": False, "error": "channel_not_found"}
        if block_text(params.get("blocks")) > self.block_text_limit:
            return {"ok": False, "error": "msg_blocks_too_long"}
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        message: dict[str, Any] = {
            "type": "message", "user": BOT_USER, "bot_id": "B1", "ts": f"{self._last_ts:.6f}",
            "text": params.get("text"), "blocks": params.get("blocks"),
        }
        if isinstance(params.get("metadata"), dict):
            message["metadata"] = params["metadata"]
        self.posted.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if channel not in self.posted and not channel.startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        limit = min(int(params.get("limit") or 100), 999)
        start = int(params.get("cursor") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("true", "1")
        newest_first = [
            m for m in reversed(self.posted.get(channel, [])) if float(m["ts"]) > oldest
        ]
        page = newest_first[start : start + limit]
        shown = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page
        ]
        more = start + limit < len(newest_first)
        return {
            "ok": True, "messages": shown, "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _user(self, user_id: str) -> dict[str, Any]:
        known = self.users.get(user_id, {})
        return {
            "id": user_id,
            "name": user_id.lower(),
            "real_name": known.get("real_name", f"User {user_id}"),
            "tz": known.get("tz", self.default_tz),
            "is_admin": bool(known.get("is_admin", False)),
            "is_owner": bool(known.get("is_owner", False)),
            "profile": {"display_name": known.get("display_name", "")},
        }

    def _oauth(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("grant_type") == "refresh_token":
            return self._refresh(params)
        team = self.installs.get(str(params.get("code")))
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        token = f"xoxb-{team.lower()}"
        self.tokens[token] = team
        answer = {
            "ok": True,
            "app_id": "A1",
            "access_token": token,
            "token_type": "bot",
            "bot_user_id": BOT_USER,
            "scope": "commands,chat:write",
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "UINSTALLER"},
        }
        return {**answer, **self._rotation(team)} if self.rotating else answer

    def _rotation(self, team: str) -> dict[str, Any]:
        refresh = f"xoxe-1-{team.lower()}-{next(self._ids)}"
        self.refresh_tokens[refresh] = team
        return {"refresh_token": refresh, "expires_in": self.token_lifetime}

    def _refresh(self, params: dict[str, Any]) -> dict[str, Any]:
        """A rotating token refreshed, as Slack does: a new access token and a new refresh
        token (the old refresh token is spent)."""
        team = self.refresh_tokens.pop(str(params.get("refresh_token")), None)
        if team is None or not params.get("client_id") or not params.get("client_secret"):
            return {"ok": False, "error": "invalid_refresh_token"}
        token = f"xoxe.xoxb-{team.lower()}-{next(self._ids)}"
        self.tokens[token] = team
        return {
            "ok": True,
            "app_id": "A1",
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": BOT_USER,
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
            **self._rotation(team),
        }

    def expire(self, token: str) -> None:
        """A token's 12 hours are over: Slack refuses it from now on."""
        self.tokens.pop(token, None)

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (
            self.hook_text_limit is not None
            and block_text(body.get("blocks")) > self.hook_text_limit
        ):
            self.refused_hooks.append(Hook(request.match_info["name"], body))
            return web.Response(status=400, text="msg_blocks_too_long")
        await self._record(Hook(request.match_info["name"], body))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        await self._record(None)
        return web.Response(text="OK - 1")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A1"},
                    "debug_info": {"approximate_connection_time": 3600},
                }
            )
        )
        async with self._changed:
            self._sockets.append(ws)
            self._changed.notify_all()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    async with self._changed:
                        self.acks[data["envelope_id"]] = data
                        self._changed.notify_all()
        self._sockets.remove(ws)
        return ws


def block_text(blocks: Any) -> int:
    """All the text in a message's blocks, counted as Slack counts it against its limit: every
    string under a `text` key, however deep. A loop over a stack rather than a recursion of
    generators: it runs for every post, and was most of the fake's CPU per message."""
    total, stack = 0, [blocks]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if key == "text":
                        total += len(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return total


def _client_credentials(request: web.Request) -> dict[str, str]:
    """An app's client id and secret sent as HTTP Basic auth (as slack-sdk sends them to
    `oauth.v2.access`), as if they were form fields."""
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Basic "):
        return {}
    try:
        client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return {}
    return {"client_id": client_id, "client_secret": secret}


def _text(answer: Any) -> str:
    """An answer as JSON text: the JSON `json.dumps` writes, for less of the fake's CPU."""
    return orjson.dumps(answer).decode()


def _bearer(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else None


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json(loads=orjson.loads))
    else:
        params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params
