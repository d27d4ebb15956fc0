"""`Wire`: the HTTP under the two requests a queued send makes — open a person's DM
(`POST /users/@me/channels`) and create a message (`POST /channels/{id}/messages`, JSON) — at a
fraction of what a request through discord.py's `HTTPClient` costs (aiohttp's request and
response objects, a `Route`, the body parsed into a dict nobody reads): about 0.1 ms of CPU
instead of 0.4 on this project's machine, which is most of a nudge.

It is HTTP/1.1 on kept-alive connections (TLS for `https` bases), one request at a time per
connection, as many connections as requests in flight (the dispatcher bounds those). What it
does not change is how Discord's rate limits are kept: it uses the logged-in client's own
buckets (`HTTPClient.get_ratelimit`, keyed as discord.py keys them, the bucket hash Discord
names learnt the same way), updated from the same `X-RateLimit-*` headers, and the same
global pause, so a limit met by either is honoured by both (but a route whose answers carry no
rate-limit headers, which Discord doesn't limit on its own, isn't queued one request at a time
behind a bucket of one as discord.py would). Like discord.py it waits out a 429
(`retry_after` from the body; a global one pauses every request), raises `discord.RateLimited`
for one longer than the client waits, retries 500/502/504/524 after 1, 3, 5, 7 s, and raises
discord.py's `HTTPException` family with Discord's JSON error for anything else.

A connection that could not be made raises `NotConnected` (nothing was sent); one that ended
before the whole answer came raises `NoAnswer` (the request may have been acted on) — except a
kept-alive connection that the server had already closed when it was reused: the request goes
again on a new one (it had no byte of answer, and both requests are safe to
repeat: a create carries an enforced nonce, a DM open returns the same channel). A request cut
short by a timeout or a cancellation closes its connection (its answer would come later).

A request cut short also leaves its bucket as a finished one would (`mend`): discord.py puts a
bucket right as a request leaves it (`Ratelimit.__aexit__` refreshes it once its last token is
used), and a cancellation landing right then left it with no request out and none allowed —
for good on a route Discord sent no rate-limit headers for, so that every later request on it
(every DM open of the process) waited past its timeout until a restart.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import discord
import orjson
from discord.http import HTTPClient, Ratelimit

IDLE_KEPT = 15.0  # seconds an idle connection is reused for (aiohttp keeps its own as long)
RETRIED_STATUSES = frozenset({500, 502, 504, 524})  # what discord.py retries, and how often
TRIES = 5
MESSAGES = "POST /channels/{channel_id}/messages"
OPEN_DM = "POST /users/@me/channels"


class NotConnected(ConnectionError):
    """No connection could be made: the request was not sent."""


class NoAnswer(ConnectionError):
    """The connection ended before the whole answer arrived: the request may have been acted
    on."""


class _Headers(dict[str, str]):
    """Response headers by lower-case name, looked up in any case (discord.py's `Ratelimit`
    reads `X-Ratelimit-Limit`)."""

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self, key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and dict.__contains__(self, key.lower())


@dataclass
class Answer:
    """What discord.py's `Ratelimit.update` and `HTTPException` read of a response."""

    status: int
    reason: str
    headers: _Headers
    body: bytes
    keeps: bool = True  # the connection may carry the next request

    def data(self) -> dict[str, Any] | str:
        """The body: JSON when Discord said it is (as discord.py decides), else its text."""
        if self.headers.get("content-type") == "application/json":
            try:
                parsed: dict[str, Any] = orjson.loads(self.body)
                return parsed
            except orjson.JSONDecodeError:
                pass
        return self.body.decode("utf-8", "replace")


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: a request is written, its answer read, then the next."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.answered = 0  # requests answered on it: a reused one may have been closed idle
        self.idle_since = 0.0
        self._buffer = bytearray()
        self._waiting: asyncio.Future[Answer] | None = None
        self._received = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a stream transport, whichever loop made it (uvloop's is no asyncio.Transport subclass)
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._received = True
        self._buffer += data
        if self._waiting is not None and not self._waiting.done():
            try:
                answer = self._read(final=False)
            except ValueError as problem:
                self._fail(NoAnswer(f"malformed answer from Discord: {problem}"))
                self.abort()
                return
            if answer is not None:
                self._waiting.set_result(answer)

    def eof_received(self) -> bool:
        if self._waiting is not None and not self._waiting.done():
            try:
                answer = self._read(final=True)  # an answer framed by the end of the stream
            except ValueError:
                answer = None
            if answer is not None:
                self._waiting.set_result(answer)
        self.closed = True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(
            NoAnswer(f"connection closed by Discord{f': {exc}' if exc else ''}")
            if self._received or not self.answered
            else _ClosedIdle()
        )

    def _fail(self, error: Exception) -> None:
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_exception(error)

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    async def exchange(self, request: bytes) -> Answer:
        assert self.transport is not None
        if self.closed or self.transport.is_closing() or self._buffer:
            self.abort()  # closing, or it said something unasked: not one to send on
            raise _ClosedIdle()
        self._waiting = asyncio.get_running_loop().create_future()
        self._received = False
        self.transport.write(request)
        try:
            answer = await self._waiting
        except BaseException:
            self.abort()  # a timeout or a cancellation: its answer would come on this one later
            raise
        finally:
            self._waiting = None
        self.answered += 1
        return answer

    def _read(self, final: bool) -> Answer | None:
        answer = read_answer(self._buffer, final)
        if answer is not None and not answer.keeps:
            self.closed = True
        return answer


def read_answer(buffer: bytearray, final: bool = False) -> Answer | None:
    """The HTTP/1.1 answer at the start of `buffer`, taken out of it once it is all there (None
    before: more is to come); `final`: the stream ended, so an answer without a length ends
    here. Bodies framed by `Content-Length`, chunked or by the end of the stream; gzip or
    deflate undone; interim (1xx) answers skipped. Raises ValueError for what isn't HTTP."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = buffer[:end].decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not code.isdigit():
        raise ValueError(f"not an HTTP status line: {lines[0][:80]!r}")
    status = int(code)
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip()
        fields[name] = f"{fields[name]}, {value}" if name in fields else value
    headers = _Headers(fields)
    start = end + 4
    if 100 <= status < 200:  # an interim answer: the real one follows
        del buffer[:start]
        return read_answer(buffer, final)
    if "chunked" in headers.get("transfer-encoding", ""):
        found = _dechunk(buffer, start)
        if found is None:
            return None
        body, used = found
    elif "content-length" in headers:
        used = start + int(headers["content-length"])
        if len(buffer) < used:
            return None
        body = bytes(buffer[start:used])
    elif status in (204, 304):
        body, used = b"", start
    elif final:
        body, used = bytes(buffer[start:]), len(buffer)
    else:
        return None  # framed by the end of the connection
    del buffer[:used]
    encoding = headers.get("content-encoding", "identity")
    if encoding in ("gzip", "deflate"):
        try:
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS if encoding == "gzip" else 15)
        except zlib.error as problem:
            raise ValueError(f"a {encoding} body that isn't: {problem}") from problem
    framed = "chunked" in headers.get("transfer-encoding", "") or "content-length" in headers
    keeps = (
        version == "HTTP/1.1"
        and "close" not in headers.get("connection", "").lower()
        and (framed or status in (204, 304))
    )
    return Answer(status, reason, headers, body, keeps)


class _ClosedIdle(ConnectionError):
    """A kept-alive connection the server had closed: nothing of the request was answered."""


def _dechunk(buffer: bytearray, start: int) -> tuple[bytes, int] | None:
    """A chunked body starting at `start`: (body, where it ends), or None while incomplete."""
    parts: list[bytes] = []
    at = start
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buffer[at:line_end]).split(b";", 1)[0].strip() or b"0", 16)
        at = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n", at)
            while trailer_end > at:  # trailer fields, each on its line, until an empty one
                at = trailer_end + 2
                trailer_end = buffer.find(b"\r\n", at)
            if trailer_end < 0:
                return None
            return b"".join(parts), trailer_end + 2
        if len(buffer) < at + size + 2:
            return None
        parts.append(bytes(buffer[at : at + size]))
        at += size + 2


class Wire:
    """Discord's REST API at `base` (discord.py's `Route.BASE` when the client logged in) for the
    logged-in client `http`: its token and user agent, its rate-limit buckets. `pace` is awaited
    before every request is written (the global pacer)."""

    def __init__(
        self,
        http: HTTPClient,
        base: str,
        pace: Callable[[], Awaitable[None]] | None = None,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`tls`: how an `https` base is verified (the system's trusted certificates unless
        given)."""
        url = urlsplit(base)
        self._http = http
        self._host = url.hostname or "discord.com"
        self._port = url.port or (443 if url.scheme == "https" else 80)
        https = url.scheme == "https"
        self._ssl = (tls or ssl.create_default_context()) if https else None
        self._prefix = url.path.rstrip("/")
        authority = url.netloc.rpartition("@")[2]
        self._head = (
            f"Host: {authority}\r\nUser-Agent: {http.user_agent}\r\n"
            f"Authorization: Bot {http.token}\r\nAccept-Encoding: identity\r\n"
            "Content-Type: application/json\r\n"
        )
        self._pace = pace
        self._idle: list[_Connection] = []
        self._open: set[_Connection] = set()
        self._unlimited: set[str] = set()  # routes answered without rate-limit headers

    async def create_message(self, channel_id: int, body: dict[str, Any]) -> None:
        """`POST /channels/{channel_id}/messages` with `body` as JSON; the message Discord
        answers with is not read."""
        await self._request(MESSAGES, str(channel_id), f"/channels/{channel_id}/messages", body)

    async def open_dm(self, user_id: int) -> dict[str, Any]:
        """`POST /users/@me/channels` for `user_id`: the DM channel (its `id` above all)."""
        data = await self._request(OPEN_DM, "", "/users/@me/channels", {"recipient_id": user_id})
        if not isinstance(data, dict):
            raise NoAnswer("Discord answered a DM open without JSON")
        return data

    def close(self) -> None:
        """Close every connection (requests in flight fail with `NoAnswer`)."""
        for connection in list(self._open):
            connection.abort()
        self._open.clear()
        self._idle.clear()

    async def _request(
        self, route_key: str, major: str, path: str, payload: dict[str, Any]
    ) -> dict[str, Any] | str | None:
        """One request through discord.py's rate limiting (as `HTTPClient.request` does it): the
        decoded body of a 2xx answer to an open, None for a create. A route whose answers
        carry no rate-limit headers has no limit of its own (the global one aside): its
        requests don't queue behind one another in a bucket of one, as discord.py's would."""
        http = self._http
        body = orjson.dumps(payload)  # (what discord.py itself sends with orjson installed)
        request = (
            f"POST {self._prefix}{path} HTTP/1.1\r\n{self._head}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        if not http._global_over.is_set():
            await http._global_over.wait()
        if route_key in self._unlimited:
            return await self._tries(request, route_key, major, None)
        ratelimit = http.get_ratelimit(_bucket_key(http, route_key, major))
        try:
            async with ratelimit:
                return await self._tries(request, route_key, major, ratelimit)
        except asyncio.CancelledError:
            mend(ratelimit)
            raise

    async def _tries(
        self, request: bytes, route_key: str, major: str, ratelimit: Ratelimit | None
    ) -> dict[str, Any] | str | None:
        """`request` sent until it is answered with success (its data), an error (raised), or
        the last try's retryable error (raised); 429s waited out, the bucket kept up to date."""
        http = self._http
        answer: Answer | None = None
        for tries in range(TRIES):
            answer = await self._send(request)
            headers = answer.headers
            limited = "x-ratelimit-remaining" in headers
            if ratelimit is not None:
                _learn_bucket(http, route_key, major, headers, ratelimit)
                if limited and answer.status != 429:
                    ratelimit.update(answer, use_clock=http.use_clock)  # type: ignore[arg-type]
            if 200 <= answer.status < 300:
                if limited:
                    self._unlimited.discard(route_key)
                else:
                    self._unlimited.add(route_key)
                return answer.data() if route_key == OPEN_DM else None
            data = answer.data()
            if answer.status == 429:
                self._unlimited.discard(route_key)  # (it has a limit after all)
                await self._wait_out(answer, data)
                continue
            if answer.status in RETRIED_STATUSES:
                await asyncio.sleep(1 + tries * 2)
                continue
            raise _error(answer, data)
        assert answer is not None
        raise _error(answer, answer.data())

    async def _wait_out(self, answer: Answer, data: dict[str, Any] | str) -> None:
        """A 429 waited out as discord.py does: a global one pauses every request meanwhile; one
        longer than the client waits is `discord.RateLimited`; one without Discord's `Via`
        header (or JSON) is Cloudflare's refusal, an error."""
        http = self._http
        if not answer.headers.get("via") or isinstance(data, str):
            raise discord.HTTPException(answer, data)
        retry_after = float(data["retry_after"])
        longest = http.max_ratelimit_timeout
        if longest and retry_after > longest:
            raise discord.RateLimited(retry_after)
        is_global = bool(data.get("global", False))
        if is_global:
            http._global_over.clear()
        try:
            await asyncio.sleep(retry_after)
        finally:
            if is_global:
                http._global_over.set()

    async def _send(self, request: bytes) -> Answer:
        """`request` written on a kept-alive connection (or a new one) once the pacer lets it
        go — with the connection at hand, so it is written the moment it is counted — and its
        answer read."""
        while True:
            connection, reused = await self._connection()
            if self._pace is not None:
                try:
                    await self._pace()
                except BaseException:
                    self._kept(connection)  # (not used: as good as before)
                    raise
            try:
                answer = await connection.exchange(request)
            except _ClosedIdle as closed:
                self._open.discard(connection)
                if reused:
                    continue  # closed by the server while idle: the request goes on a new one
                raise NoAnswer("connection closed by Discord") from closed
            except BaseException:
                self._open.discard(connection)
                raise
            self._kept(connection)
            return answer

    async def _connection(self) -> tuple[_Connection, bool]:
        """A kept-alive connection (and True), else a new one (and False)."""
        loop = asyncio.get_running_loop()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and loop.time() - connection.idle_since <= IDLE_KEPT:
                return connection, True
            connection.abort()
            self._open.discard(connection)
        try:
            _, connection = await loop.create_connection(
                _Connection,
                self._host,
                self._port,
                ssl=self._ssl,
                server_hostname=self._host if self._ssl else None,
            )
        except OSError as problem:
            raise NotConnected(f"couldn't connect to Discord: {problem}") from problem
        self._open.add(connection)
        return connection, False

    def _kept(self, connection: _Connection) -> None:
        """`connection` back among the idle ones, unless it is closing."""
        if connection.closed:
            connection.abort()
            self._open.discard(connection)
        else:
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle.append(connection)


def mend(ratelimit: Ratelimit | None) -> None:
    """Put right a bucket a cancelled request left stuck — no request out, none left, and no
    expiry to wait for — as its refresh would have (discord.py's `Ratelimit` as of 2.7)."""
    if (
        ratelimit is not None
        and ratelimit.expires is None
        and ratelimit.remaining <= 0
        and ratelimit.outgoing == 0
    ):
        ratelimit.reset()
        ratelimit._wake(ratelimit.remaining)


def bucket(http: HTTPClient, route_key: str, major: str) -> Ratelimit | None:
    """The client's bucket for the route and major parameter, if it has one yet."""
    return http._buckets.get(_bucket_key(http, route_key, major))


def _bucket_key(http: HTTPClient, route_key: str, major: str) -> str:
    """The key of the route's bucket for `major` in discord.py's `HTTPClient._buckets`."""
    return f"{http._bucket_hashes.get(route_key) or route_key}:{major}"


def _learn_bucket(
    http: HTTPClient, route_key: str, major: str, headers: _Headers, ratelimit: Ratelimit
) -> None:
    """The bucket Discord names for the route (`X-RateLimit-Bucket`), kept as discord.py keeps
    it: the route's hash, and this bucket under the hash and the major parameter."""
    bucket_hash = http._bucket_hashes.get(route_key)
    discord_hash = headers.get("x-ratelimit-bucket")
    if discord_hash is None or discord_hash == bucket_hash:
        return
    if bucket_hash is not None or route_key not in http._bucket_hashes:
        http._bucket_hashes[route_key] = discord_hash
        http._buckets[f"{discord_hash}:{major}"] = ratelimit
        if bucket_hash is not None:  # the hash changed: the old key goes
            http._buckets.pop(f"{bucket_hash}:{major}", None)


def _error(answer: Answer, data: dict[str, Any] | str) -> discord.HTTPException:
    """discord.py's exception for an error answer (its `code` and text from Discord's JSON)."""
    response: Any = answer
    if answer.status == 403:
        return discord.Forbidden(response, data)
    if answer.status == 404:
        return discord.NotFound(response, data)
    if answer.status >= 500:
        return discord.DiscordServerError(response, data)
    return discord.HTTPException(response, data)
