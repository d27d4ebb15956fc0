"""A fake Discord on 127.0.0.1: the REST API and the gateway, enough for real discord.py.

REST (under `/api/v10`): `GET /users/@me`, `GET /oauth2/applications/@me`, `GET /gateway/bot`,
command sync (`PUT /applications/{app}/commands` and the guild variant), interaction
callbacks (`POST /interactions/{id}/{token}/callback`), followup webhooks, DM channels
(`POST /users/@me/channels`), channel messages and their edits. Every request is recorded as a
`Call` (JSON bodies and multipart uploads alike). `fail_next` answers the next matching
request(s) with an error code or a 429 shaped like Discord's (JSON body with `retry_after`,
a `Via` header — without it discord.py takes a 429 for a Cloudflare ban).

Gateway (`/gateway`): HELLO, heartbeat ACKs, IDENTIFY → READY (with the shard given) and
GUILD_CREATE when the GUILDS intent is asked for, RESUME → RESUMED, and `dispatch` of any
event, INTERACTION_CREATE above all; builders make interaction payloads discord.py accepts,
with the member's and the bot's resolved permissions in the channel (`permissions`,
`app_permissions`: by default a member with none and a bot that may post, `BOT_CAN_POST`).
Interactions come in the shapes of both installs: a server's (`authorizing_integration_owners`
{"0": guild id}, context 0) and a person's own (`user_install=True`: {"1": user id}, with a
server that never added the bot, `FOREIGN_GUILD_ID`, and the narrower `USER_APP_PERMISSIONS`;
`private=True`: a group DM, context 2, no guild; no guild at all: the bot's DM, context 1).

Rate limits, when set (`rate_limits`, `global_limit`; none by default): answers to message
creates (a bucket per channel) and DM opens (one bucket) carry Discord's `X-RateLimit-*`
headers (limit, remaining, reset, reset-after, bucket hash) for a fixed window, and a request
beyond the limit is answered with Discord's 429 (`retry_after` the rest of the window, scope
`user`) instead of being acted on; beyond `global_limit` requests in a second (interaction
callbacks and webhooks not counted, as on Discord) a global 429 (`"global": true`,
`X-RateLimit-Global`, scope `global`). `limited` counts the 429s of each kind.

Messages are created as Discord does with a `nonce` and `enforce_nonce`: a second create with
the same nonce within `nonce_window` seconds returns the message made the first time and
creates nothing (`created` counts the messages really made). Creates can be slow: with
`post_delay` (seconds, or a callable giving them) the message is stored when the request
arrives and answered after the delay; `late(times, after)` does that for the next creates with
a delay longer than the client waits.

Two traps, handled here: discord.py parses a body as JSON only when `Content-Type` is exactly
`application/json` (aiohttp's `json_response` adds a charset), and an interaction payload
without `attachment_size_limit` makes discord.py fail.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

import orjson
from aiohttp import WSMsgType, web

APP_ID = 910000000000000001
GUILD_ID = 920000000000000001
CHANNEL_ID = 930000000000000001
EPHEMERAL = 64
GUILDS_INTENT = 1
HEARTBEAT_MS = 41_250
# Permission bits (https://discord.com/developers/docs/topics/permissions)
MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
# the bot's default in a channel
BOT_CAN_POST = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES
USE_EXTERNAL_EMOJIS = 1 << 18
# What an app used through a person's own (user) install may do where the bot isn't a member:
# answer the interaction, with embeds and files.
USER_APP_PERMISSIONS = EMBED_LINKS | ATTACH_FILES | USE_EXTERNAL_EMOJIS
FOREIGN_GUILD_ID = 920000000000000099  # a server that never added the bot
PRIVATE_CHANNEL_ID = 940000000000000001  # a group DM between people, the bot not among them
# Interaction contexts (https://discord.com/developers/docs/interactions/receiving-and-responding)
GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT = 0, 1, 2
GUILD_INSTALL, USER_INSTALL = "0", "1"


@dataclass
class Call:
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]]
    headers: dict[str, str]
    at: float  # the event loop's clock when the request arrived
    peer: int = 0  # the client's port: which connection it came on


@dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    code: int
    message: str
    retry_after: float | None
    times: int


@dataclass
class FakeUser:
    id: int
    name: str
    global_name: str | None = None
    locale: str = "en-US"  # the client language, sent with every interaction

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }


BOT = FakeUser(APP_ID, "Followup", None)


@dataclass
class _Socket:
    ws: web.WebSocketResponse
    shard: tuple[int, int] = (0, 1)
    identified: bool = False
    sequence: int = 0


@dataclass
class Sent:
    """What the fake received for one interaction: the callback call and its latency."""

    call: Call  # the interaction callback: the initial response
    latency: float  # INTERACTION_CREATE sent → callback received, in seconds
    message: dict[str, Any] | None = None  # the message the answer created or edited
    answer: Call | None = None  # after a deferral: the webhook call that carried the answer
    answer_latency: float = 0.0  # INTERACTION_CREATE sent → the answer received

    @property
    def type(self) -> int:
        return int(self.call.json["type"])

    @property
    def deferred(self) -> bool:
        return self.type in (5, 6)

    @property
    def data(self) -> dict[str, Any]:
        if self.answer is not None and self.answer is not self.call:
            return dict(self.answer.json or {})
        return dict(self.call.json.get("data") or {})

    @property
    def ephemeral(self) -> bool:
        flags = (
            self.call.json.get("data", {}).get("flags", 0)
            if self.type == 5
            else self.data.get("flags", 0)
        )
        return bool(int(flags or 0) & EPHEMERAL)

    @property
    def embed(self) -> dict[str, Any]:
        return dict(self.data["embeds"][0])

    @property
    def custom_ids(self) -> list[str]:
        return custom_ids(self.data)


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [
        c["custom_id"]
        for row in message.get("components", [])
        for c in row.get("components", [])
        if "custom_id" in c
    ]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # (orjson: a benchmark's fake must cost less than the bot it measures)
    return web.Response(
        body=orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class FakeDiscord:
    def __init__(self, *, shards: int = 1, guilds: tuple[int, ...] = (GUILD_ID,)) -> None:
        self.calls: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        # interaction id → the message its callback made
        self.responses: dict[int, dict[str, Any]] = {}
        self.identifies: list[dict[str, Any]] = []
        self.shards = shards
        self.guilds = guilds
        self._failures: list[_Failure] = []
        self._sockets: list[_Socket] = []
        self._ids = itertools.count(1_000_000_000_000_000_000)
        self._waiters: list[tuple[Callable[[Call], bool], asyncio.Future[Call]]] = []
        self._identify_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._sent_at: dict[int, float] = {}
        self._pressed_on: dict[int, int] = {}
        self._pressed_by: dict[int, dict[str, Any]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.nonce_window = 300.0
        self.post_delay: float | Callable[[], float] = 0.0
        # channel messages really created (not deduplicated)
        self.created: list[dict[str, Any]] = []
        self._nonces: dict[str, tuple[float, dict[str, Any]]] = {}
        self._late: deque[float] = deque()
        self.files: dict[str, bytes] = {}  # attachment id → content, served as Discord's CDN would
        # built once: the fake answers thousands a second in benchmarks
        self._route_table = self._routes()
        # route ("messages", "dm") → (requests, seconds) per bucket; see the module
        self.rate_limits: dict[str, tuple[int, float]] = {}
        self._global_limit: int | None = None  # requests a second, interactions not counted
        self.limited: Counter[str] = Counter()  # 429s answered: "user" (a bucket), "global"
        self._windows: dict[tuple[str, str], list[float]] = {}  # bucket → [resets at, used]
        self._global_window = [0.0, 0.0]

    @property
    def global_limit(self) -> int | None:
        return self._global_limit

    @global_limit.setter
    def global_limit(self, per_second: int | None) -> None:
        """A new limit counts from the next request on."""
        self._global_limit = per_second
        self._global_window = [0.0, 0.0]

    def host_file(self, content: bytes) -> tuple[str, str]:
        """(attachment id, CDN URL) of a file someone attached."""
        attachment_id = str(next(self._ids))
        self.files[attachment_id] = content
        return attachment_id, f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/file"

    async def _cdn(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["id"])
        return web.Response(body=content) if content is not None else web.Response(status=404)

    # ---- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{id}/{name}", self._cdn)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for sock in list(self._sockets):
            await sock.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def snowflake(self) -> int:
        return next(self._ids)

    # ---- control ------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int,
        code: int = 0,
        message: str = "",
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests matching `method` and the `path` regex with an error."""
        self._failures.append(
            _Failure(method, re.compile(path), status, code, message, retry_after, times)
        )

    def late(self, times: int, after: float) -> None:
        """Store each of the next `times` channel messages at once but
        answer `after` seconds later."""
        self._late.extend([after] * times)

    def rate_limit_next(
        self, method: str, path: str, *, retry_after: float = 0.01, times: int = 1
    ) -> None:
        self.fail_next(
            method,
            path,
            status=429,
            message="You are being rate limited.",
            retry_after=retry_after,
            times=times,
        )

    def calls_to(self, method: str, path: str) -> list[Call]:
        pattern = re.compile(path)
        return [c for c in self.calls if c.method == method and pattern.fullmatch(c.path)]

    async def wait_for_call(self, predicate: Callable[[Call], bool], within: float = 5.0) -> Call:
        for call in self.calls:
            if predicate(call):
                return call
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        try:
            return await asyncio.wait_for(future, within)
        finally:
            self._waiters = [(p, f) for p, f in self._waiters if f is not future]

    async def wait_identified(self, count: int = 1, within: float = 5.0) -> None:
        """Until `count` IDENTIFYs (in total, since the fake started) were answered."""
        if len(self.identifies) >= count:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._identify_waiters.append((count, future))
        await asyncio.wait_for(future, within)

    # ---- gateway ------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any], shard: int | None = None) -> None:
        targets = [
            s for s in self._sockets if s.identified and (shard is None or s.shard[0] == shard)
        ]
        if not targets:
            raise RuntimeError("no identified gateway connection to dispatch to")
        for sock in targets[:1] if shard is None else targets:
            await self._send_event(sock, event, data)

    async def create_channel(self, guild_id: int, channel_id: int = CHANNEL_ID) -> None:
        """A text channel appears in a server (CHANNEL_CREATE), so discord.py caches it."""
        channel = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id),
            "name": "job-search",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }
        await self.dispatch("CHANNEL_CREATE", channel)

    async def remove_guild(self, guild_id: int) -> None:
        """The bot is kicked from a server (or the server deleted): GUILD_DELETE without
        `unavailable`, as Discord sends it."""
        self.guilds = tuple(g for g in self.guilds if g != guild_id)
        await self.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    async def interact(self, payload: dict[str, Any], within: float = 5.0) -> Sent:
        """Send INTERACTION_CREATE and wait for the bot's callback to it."""
        interaction_id = int(payload["id"])
        if payload.get("message"):
            self._pressed_on[interaction_id] = int(payload["message"]["id"])
            presser = payload.get("user") or (payload.get("member") or {}).get("user")
            if presser:  # (a malformed press may name nobody)
                self._pressed_by[interaction_id] = presser
        shard = (int(payload["guild_id"]) >> 22) % self.shards if payload.get("guild_id") else 0
        self._sent_at[interaction_id] = asyncio.get_running_loop().time()
        waiting = asyncio.ensure_future(
            self.wait_for_call(
                lambda c: c.path.startswith(f"/interactions/{interaction_id}/"), within
            )
        )
        await self.dispatch("INTERACTION_CREATE", payload, shard=shard)
        call = await waiting
        started = self._sent_at.pop(interaction_id)
        answer = call
        if int(call.json["type"]) in (5, 6):
            hook = f"/webhooks/{APP_ID}/{payload['token']}"
            answer = await self.wait_for_call(lambda c: c.path.startswith(hook), within)
        return Sent(
            call, call.at - started, self.responses.get(interaction_id), answer, answer.at - started
        )

    async def _send_event(self, sock: _Socket, event: str, data: dict[str, Any]) -> None:
        sock.sequence += 1
        await sock.ws.send_str(json.dumps({"op": 0, "t": event, "s": sock.sequence, "d": data}))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        sock = _Socket(ws)
        self._sockets.append(sock)
        await ws.send_str(
            json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}, "s": None, "t": None})
        )
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                await self._on_frame(sock, frame)
        finally:
            self._sockets.remove(sock)
        return ws

    async def _on_frame(self, sock: _Socket, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d") or {}
        if op == 1:
            await sock.ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
        elif op == 2:
            self.identifies.append(data)
            shard = data.get("shard") or [0, 1]
            sock.shard = (int(shard[0]), int(shard[1]))
            sock.identified = True
            await self._send_event(sock, "READY", self._ready(sock))
            if int(data.get("intents", 0)) & GUILDS_INTENT:
                for guild in self.guilds:
                    if (guild >> 22) % sock.shard[1] == sock.shard[0]:
                        await self._send_event(sock, "GUILD_CREATE", guild_payload(guild))
            for count, future in self._identify_waiters:
                if len(self.identifies) >= count and not future.done():
                    future.set_result(None)
        elif op == 6:
            sock.identified = True
            await self._send_event(sock, "RESUMED", {})

    def _ready(self, sock: _Socket) -> dict[str, Any]:
        mine = [g for g in self.guilds if (g >> 22) % sock.shard[1] == sock.shard[0]]
        return {
            "v": 10,
            "user": {
                **BOT.payload(),
                "bot": True,
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
            },
            "guilds": [{"id": str(g), "unavailable": True} for g in mine],
            "session_id": f"session-{self.snowflake()}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APP_ID), "flags": 0},
            "shard": list(sock.shard),
        }

    # ---- REST ---------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        failure = self._failure_for(call)
        if failure is not None:
            return failure
        limited = self._over_global_limit(call)
        if limited is not None:
            return limited
        for method, pattern, handler in self._route_table:
            match = pattern.fullmatch(call.path) if method == call.method else None
            if match:
                bucket = self._bucket(call.method, pattern.pattern, match)
                limits = None if bucket is None else self._take(*bucket)
                if isinstance(limits, web.Response):
                    return limits
                answer = handler(call, *match.groups())
                if limits:
                    answer.headers.update(limits)
                if method == "POST" and pattern.pattern == r"/channels/(\d+)/messages":
                    delay = (
                        self._late.popleft()
                        if self._late
                        else (self.post_delay() if callable(self.post_delay) else self.post_delay)
                    )
                    if delay > 0:
                        await asyncio.sleep(delay)  # stands for Discord's own time to answer
                return answer
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _bucket(
        self, method: str, pattern: str, match: re.Match[str]
    ) -> tuple[str, str, int, float] | None:
        """(route, major parameter, limit, window) of a rate-limited request, else None."""
        if method != "POST":
            return None
        if pattern == r"/channels/(\d+)/messages" and "messages" in self.rate_limits:
            return ("messages", match.group(1), *self.rate_limits["messages"])
        if pattern == r"/users/@me/channels" and "dm" in self.rate_limits:
            return ("dm", "", *self.rate_limits["dm"])
        return None

    def _take(
        self, route: str, major: str, limit: int, window: float
    ) -> dict[str, str] | web.Response:
        """One request from its bucket's window: the headers that say what is left, or the 429
        once nothing is."""
        now = time.monotonic()
        held = self._windows.get((route, major))
        if held is None or now >= held[0]:
            held = self._windows[(route, major)] = [now + window, 0.0]
        reset_after = held[0] - now
        if held[1] >= limit:
            self.limited["user"] += 1
            body = {"message": "You are being rate limited.", "retry_after": round(reset_after, 3),
                    "global": False}
            headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(reset_after))),
                       "X-RateLimit-Scope": "user", **self._limit_headers(route, limit, 0, held[0])}
            return _json(body, 429, headers)
        held[1] += 1
        return self._limit_headers(route, limit, limit - int(held[1]), held[0])

    @staticmethod
    def _limit_headers(route: str, limit: int, remaining: int, resets: float) -> dict[str, str]:
        reset_after = max(0.0, resets - time.monotonic())
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"fake-{route}-bucket",
        }

    def _over_global_limit(self, call: Call) -> web.Response | None:
        """The global 429 for a request beyond `global_limit` in this second, else None."""
        if self._global_limit is None or call.path.startswith(("/interactions/", "/webhooks/")):
            return None
        now = time.monotonic()
        window = self._global_window
        if now >= window[0]:
            window[0], window[1] = now + 1.0, 0.0
        if window[1] < self._global_limit:
            window[1] += 1
            return None
        self.limited["global"] += 1
        retry = round(window[0] - now, 3)
        body = {"message": "You are being rate limited.", "retry_after": retry, "global": True}
        headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(retry))),
                   "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
        return _json(body, 429, headers)

    async def _record(self, request: web.Request) -> Call:
        body: Any = None
        files: list[tuple[str, bytes]] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part is None or not hasattr(part, "read"):
                    continue
                content = await part.read(decode=False)  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(content)
                else:
                    files.append((part.filename or "", bytes(content)))  # type: ignore[union-attr]
        elif request.can_read_body:
            raw = await request.read()
            body = orjson.loads(raw) if raw else None
        call = Call(
            method=request.method,
            path="/" + request.match_info["tail"],
            query=dict(request.query),
            json=body,
            files=files,
            headers=dict(request.headers),
            at=asyncio.get_running_loop().time(),
            peer=_peer_port(request),
        )
        self.calls.append(call)
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(call):
                future.set_result(call)
        return call

    def _failure_for(self, call: Call) -> web.Response | None:
        for failure in self._failures:
            if (
                failure.times > 0
                and failure.method == call.method
                and failure.pattern.fullmatch(call.path)
            ):
                failure.times -= 1
                if failure.status == 429:
                    retry = failure.retry_after or 0.01
                    body = {"message": failure.message, "retry_after": retry, "global": False}
                    headers = {
                        "Via": "1.1 google",
                        "Retry-After": str(max(1, round(retry))),
                        "X-RateLimit-Scope": "user",
                    }
                    return _json(body, 429, headers)
                return _json(
                    {"message": failure.message or "error", "code": failure.code}, failure.status
                )
        return None

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., web.Response]]]:
        r = re.compile
        return [  # (the two a burst of nudges makes first: looked up in this order)
            (
                "POST",
                r(r"/users/@me/channels"),
                lambda call: _json(self._dm_channel(int(call.json["recipient_id"]))),
            ),
            (
                "POST",
                r(r"/channels/(\d+)/messages"),
                lambda call, channel: _json(self._create(int(channel), call.json)),
            ),
            (
                "GET",
                r(r"/users/@me"),
                lambda call: _json({**BOT.payload(), "bot": True, "verified": True, "flags": 0}),
            ),
            ("GET", r(r"/oauth2/applications/@me"), lambda call: _json(self._application())),
            ("GET", r(r"/gateway/bot"), lambda call: _json(self._gateway_bot())),
            ("GET", r(r"/gateway"), lambda call: _json({"url": self.gateway_url})),
            ("PUT", r(r"/applications/(\d+)/commands"), lambda call, app: self._sync(call, None)),
            (
                "PUT",
                r(r"/applications/(\d+)/guilds/(\d+)/commands"),
                lambda call, app, guild: self._sync(call, int(guild)),
            ),
            ("POST", r(r"/interactions/(\d+)/([^/]+)/callback"), self._callback),
            (
                "POST",
                r(r"/webhooks/(\d+)/([^/]+)"),
                lambda call, app, token: _json(self._store(CHANNEL_ID, call.json)),
            ),
            ("PATCH", r(r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)"), self._edit_response),
            (
                "PATCH",
                r(r"/channels/(\d+)/messages/(\d+)"),
                lambda call, channel, mid: _json(self._store(int(channel), call.json, int(mid))),
            ),
        ]

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(APP_ID),
            "name": "Followup",
            "description": "Interview follow-up coach",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": FakeUser(APP_ID + 7, "owner").payload(),
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
        }

    def _gateway_bot(self) -> dict[str, Any]:
        return {
            "url": self.gateway_url,
            "shards": self.shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    def _sync(self, call: Call, guild: int | None) -> web.Response:
        key = "global" if guild is None else f"guild:{guild}"
        self.commands[key] = list(call.json or [])
        answer = []
        for command in self.commands[key]:
            answer.append(
                {
                    **command,
                    "id": str(self.snowflake()),
                    "application_id": str(APP_ID),
                    "version": str(self.snowflake()),
                    **({"guild_id": str(guild)} if guild else {}),
                }
            )
        return _json(answer)

    def _callback(self, call: Call, interaction_id: str, token: str) -> web.Response:
        kind = int(call.json["type"])
        data = call.json.get("data") or {}
        answer: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags", 0) or 0) & EPHEMERAL),
            },
            "resource": None,
        }
        if kind in (4, 7):
            edited = self._edited_message_id(call) if kind == 7 else None
            message = self._store(CHANNEL_ID, data, edited)
            pressed_on = self._pressed_on.get(int(interaction_id))
            presser = self._pressed_by.get(int(interaction_id))
            # a new message answering a button names the message it was on
            if kind == 4 and pressed_on is not None and presser:
                message["interaction_metadata"] = {
                    "id": interaction_id, "type": 3, "user": presser,
                    "authorizing_integration_owners": {}, "interacted_message_id": str(pressed_on),
                }
            self.responses[int(interaction_id)] = message
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": kind, "message": message}
        elif kind == 5:  # "thinking…": a loading message the answer replaces
            message = self._store(CHANNEL_ID, {"flags": data.get("flags", 0)})
            self.responses[int(interaction_id)] = message
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": kind, "message": message}
        elif kind in (6, 9):
            answer["resource"] = {"type": kind}
        return _json(answer)

    def _edit_response(self, call: Call, app: str, token: str, message_id: str) -> web.Response:
        """PATCH of a response message; `@original` is the deferred or pressed-on message."""
        interaction_id = int(token.removeprefix("token-")) if token.startswith("token-") else 0
        if message_id == "@original":
            known = self.responses.get(interaction_id)
            target = int(known["id"]) if known else self._pressed_on.get(interaction_id)
        else:
            target = int(message_id)
        message = self._store(CHANNEL_ID, call.json, target)
        self.responses[interaction_id] = message
        return _json(message)

    def _edited_message_id(self, call: Call) -> int | None:
        """The message an UPDATE_MESSAGE callback edits: the one the pressed button was on."""
        interaction_id = call.path.split("/")[2]
        return self._pressed_on.get(int(interaction_id))

    def _create(self, channel_id: int, body: dict[str, Any] | None) -> dict[str, Any]:
        """A new channel message, unless its enforced nonce was used recently (by the bot, the
        only author here): then the earlier message comes back and nothing is created."""
        body = body or {}
        nonce = body.get("nonce")
        now = time.monotonic()
        if nonce is not None and body.get("enforce_nonce"):
            known = self._nonces.get(str(nonce))
            if known is not None and now - known[0] <= self.nonce_window:
                return {**known[1], "nonce": nonce}
        message = self._store(channel_id, body)
        if nonce is not None:
            message = {**message, "nonce": nonce}
            self._nonces[str(nonce)] = (now, message)
        self.created.append(message)
        return message

    def _dm_channel(self, user_id: int) -> dict[str, Any]:
        return {
            "id": str(dm_channel_id(user_id)),
            "type": 1,
            "recipients": [FakeUser(user_id, f"user{user_id}").payload()],
            "last_message_id": None,
        }

    def _store(
        self, channel_id: int, body: dict[str, Any] | None, message_id: int | None = None
    ) -> dict[str, Any]:
        body = body or {}
        mid = message_id or self.snowflake()
        previous = self.messages.get(mid, {})
        message = message_payload(
            mid,
            int(previous.get("channel_id", channel_id)),
            content=body.get("content", previous.get("content", "")) or "",
            embeds=body.get("embeds", previous.get("embeds", [])) or [],
            components=body.get("components", previous.get("components", [])) or [],
            flags=int(body.get("flags", 0) or 0),
        )
        # an edit keeps what the message was made in answer to
        if "interaction_metadata" in previous:
            message["interaction_metadata"] = previous["interaction_metadata"]
        self.messages[mid] = message
        return message


def _peer_port(request: web.Request) -> int:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return int(peer[1]) if peer else 0


def dm_channel_id(user_id: int) -> int:
    return user_id + 1


def guild_payload(guild_id: int) -> dict[str, Any]:
    return {
        "id": str(guild_id),
        "name": "Job seekers",
        "icon": None,
        "owner_id": str(APP_ID + 7),
        "roles": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "channels": [],
        "threads": [],
        "members": [],
        "member_count": 2,
        "unavailable": False,
        "large": False,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
    }


def message_payload(
    message_id: int,
    channel_id: int,
    *,
    content: str = "",
    embeds: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    flags: int = 0,
    author: FakeUser = BOT,
) -> dict[str, Any]:
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": 0,
        "content": content,
        "author": {**author.payload(), "bot": True},
        "attachments": [],
        "embeds": embeds or [],
        "components": components or [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": _now(),
        "edited_timestamp": None,
        "flags": flags,
    }


# ---- interaction payloads -------------------------------------------------------------------


@dataclass
class Interactions:
    """Builds INTERACTION_CREATE payloads as Discord sends them."""

    fake: FakeDiscord
    command_id: int = field(default=APP_ID + 100)

    def _base(
        self,
        kind: int,
        user: FakeUser,
        guild_id: int | None,
        data: dict[str, Any],
        *,
        permissions: int = 0,
        app_permissions: int | None = None,
        user_install: bool = False,
        private: bool = False,
        channel_id: int = CHANNEL_ID,
    ) -> dict[str, Any]:
        interaction_id = self.fake.snowflake()
        if app_permissions is None:
            app_permissions = USER_APP_PERMISSIONS if user_install or private else BOT_CAN_POST
        if guild_id is not None and user_install:
            owners = {USER_INSTALL: str(user.id)}
        elif guild_id is not None:
            owners = {GUILD_INSTALL: str(guild_id)}
        else:
            owners = {USER_INSTALL: str(user.id)}
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "token": f"token-{interaction_id}",
            "version": 1,
            "data": data,
            "locale": user.locale,
            "app_permissions": str(app_permissions),
            "entitlements": [],
            "authorizing_integration_owners": owners,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if guild_id is not None:
            payload |= {
                "guild_id": str(guild_id),
                "guild_locale": "en-US",
                "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
                "context": GUILD_CONTEXT,
                "channel_id": str(channel_id),
                "channel": {
                    "id": str(channel_id),
                    "type": 0,
                    "guild_id": str(guild_id),
                    "name": "job-search",
                    "position": 0,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                },
                "member": {
                    "user": user.payload(),
                    "roles": [],
                    "joined_at": _now(),
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                    "permissions": str(permissions),
                    "nick": None,
                },
            }
        elif private:
            friend = FakeUser(user.id + 17, "friend")
            payload |= {
                "context": PRIVATE_CHANNEL_CONTEXT,
                "channel_id": str(PRIVATE_CHANNEL_ID),
                "channel": {
                    "id": str(PRIVATE_CHANNEL_ID),
                    "type": 3,
                    "recipients": [user.payload(), friend.payload()],
                    "name": None,
                    "icon": None,
                    "owner_id": str(user.id),
                },
                "user": user.payload(),
            }
        else:
            channel = dm_channel_id(user.id)
            payload |= {
                "context": BOT_DM_CONTEXT,
                "channel_id": str(channel),
                "channel": {"id": str(channel), "type": 1, "recipients": [user.payload()]},
                "user": user.payload(),
            }
        return payload

    def slash(
        self,
        sub: str,
        options: dict[str, Any] | None = None,
        *,
        user: FakeUser,
        guild_id: int | None = GUILD_ID,
        focused: str | None = None,
        focused_type: int = 3,
        permissions: int = 0,
        app_permissions: int | None = None,
        command: str = "followup",
        user_install: bool = False,
        private: bool = False,
        channel_id: int = CHANNEL_ID,
    ) -> dict[str, Any]:
        """`/<command> <sub> name:value …` (in `channel_id` of the server); with `focused`,
        the autocomplete request for that option (Discord sends the partial text as a
        string, with the option's declared type). `permissions` / `app_permissions`: the
        member's and the bot's in the channel; `user_install` / `private`: through the
        person's own install (see the module)."""
        kinds = {bool: 5, int: 4, float: 10, str: 3}
        opts = []
        for name, value in (options or {}).items():
            option: dict[str, Any] = {"name": name, "type": kinds[type(value)], "value": value}
            if name == focused:
                option |= {"focused": True, "type": focused_type}
            opts.append(option)
        data = {
            "id": str(self.command_id),
            "name": command,
            "type": 1,
            "options": [{"name": sub, "type": 1, "options": opts}],
        }
        # a server's command; a user install's are global
        if guild_id is not None and not user_install:
            data["guild_id"] = str(guild_id)
        shape = {
            "permissions": permissions,
            "app_permissions": app_permissions,
            "user_install": user_install,
            "private": private,
        }
        return self._base(4 if focused else 2, user, guild_id, data, channel_id=channel_id, **shape)

    def slash_file(
        self,
        sub: str,
        option: str,
        filename: str,
        content: bytes,
        *,
        user: FakeUser,
        guild_id: int | None = None,
        content_type: str = "text/calendar",
        size: int | None = None,
    ) -> dict[str, Any]:
        """`/followup <sub> <option>:<an attached file>`: an attachment option (type 11) whose
        value is the attachment's id, described in `data.resolved.attachments`."""
        attachment_id, url = self.fake.host_file(content)
        payload = self.slash(sub, {}, user=user, guild_id=guild_id)
        data = payload["data"]
        data["options"][0]["options"] = [{"name": option, "type": 11, "value": attachment_id}]
        data["resolved"] = {
            "attachments": {
                attachment_id: {
                    "id": attachment_id,
                    "filename": filename,
                    "size": len(content) if size is None else size,
                    "url": url,
                    "proxy_url": url,
                    "content_type": content_type,
                }
            }
        }
        return payload

    def press(
        self,
        custom_id: str,
        message: dict[str, Any],
        *,
        user: FakeUser,
        guild_id: int | None = None,
        user_install: bool = False,
        private: bool = False,
    ) -> dict[str, Any]:
        """A button press on `message` (as stored by the fake)."""
        payload = self._base(
            3,
            user,
            guild_id,
            {"custom_id": custom_id, "component_type": 2},
            user_install=user_install,
            private=private,
        )
        payload["message"] = message
        return payload

    def submit(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user: FakeUser,
        guild_id: int | None = GUILD_ID,
    ) -> dict[str, Any]:
        """A modal submission with text-input values by custom_id."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for key, value in values.items()
        ]
        return self._base(5, user, guild_id, {"custom_id": custom_id, "components": rows})
