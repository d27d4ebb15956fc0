"""HTTP/1.1 on kept-alive connections: the wire under the few requests every queued send makes
(Slack's `chat.postMessage` and `conversations.open`, Discord's message create and DM open),
at a fraction of what a request through aiohttp's client costs (its request and response
objects, its connector, a timer per request): on this project's machine nearly half the CPU
a nudge took on Slack, and most of one on Discord.

A `Pool` sends one request at a time per connection, on as many connections as requests in
flight (up to `limit`, as aiohttp's connector bounds its own), TLS for `https` bases. What it
reads of an answer is the status, the headers and the whole body (`Answer`), framed by
`Content-Length`, chunked, or by the end of the stream, gzip or deflate undone.

What went wrong is told apart the way the callers need it, since a message create or post may
not be safe to send twice:
- `NotConnected`: no connection could be made (refused, unreachable, TLS not verified), or none
  was made or came free within the connect timeout — nothing was sent;
- `NoAnswer`: the connection ended before the whole answer came — the request may have been
  acted on;
- a kept-alive connection found closed (or closing, or saying something unasked) before the
  request was written on it is dropped, and the request goes on another: nothing was sent;
- a kept-alive connection that closes after the request was written, without a byte of answer,
  was most likely closed by the server while idle, just as the request left. A pool of
  `repeatable` requests (each safe to send twice: Discord's creates carry an enforced nonce) sends
  it again on a new connection; otherwise it is `NoAnswer`.
A request cut short by a timeout or a cancellation closes its connection (its answer would
arrive on it later).
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import orjson

IDLE_KEPT = 15.0  # seconds an idle connection is reused for (aiohttp keeps its own as long)


class NotConnected(ConnectionError):
    """No connection could be made: the request was not sent."""


class NoAnswer(ConnectionError):
    """The connection ended before the whole answer arrived: the request may have been acted
    on."""


class _ClosedIdle(ConnectionError):
    """A kept-alive connection the server had closed: nothing of the request was answered
    (`written`: whether it had been written on it)."""

    def __init__(self, written: bool) -> None:
        super().__init__("kept-alive connection closed")
        self.written = written


class Headers(dict[str, str]):
    """Response headers by lower-case name, looked up in any case (discord.py's `Ratelimit`
    reads `X-Ratelimit-Limit`, slack-sdk's handlers `Retry-After`)."""

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self, key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and dict.__contains__(self, key.lower())


@dataclass
class Answer:
    """A response: what discord.py's `Ratelimit.update` and `HTTPException`, and slack-sdk's
    retry handlers and responses, read of one."""

    status: int
    reason: str
    headers: Headers
    body: bytes
    keeps: bool = True  # the connection may carry the next request

    def data(self) -> dict[str, Any] | str:
        """The body: JSON when the server said it is (as discord.py decides), else its text."""
        if self.headers.get("content-type") == "application/json":
            try:
                parsed: dict[str, Any] = orjson.loads(self.body)
                return parsed
            except orjson.JSONDecodeError:
                pass
        return self.body.decode("utf-8", "replace")


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: a request is written, its answer read, then the next."""

    def __init__(self, peer: str = "the server") -> None:
        self.peer = peer
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
                self._fail(NoAnswer(f"malformed answer from {self.peer}: {problem}"))
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
            NoAnswer(f"connection closed by {self.peer}{f': {exc}' if exc else ''}")
            if self._received or not self.answered
            else _ClosedIdle(written=True)
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
            raise _ClosedIdle(written=False)
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
    headers = Headers(fields)
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


class Pool:
    """Kept-alive connections to the server at `base` (an `http` or `https` URL; its path is
    the `prefix` of every request's), named `peer` in errors."""

    def __init__(
        self,
        base: str,
        *,
        peer: str,
        tls: ssl.SSLContext | None = None,
        limit: int | None = None,
        connect_timeout: float | None = None,
        repeatable: bool = False,
    ) -> None:
        """`tls`: how an `https` base is verified (the system's trusted certificates unless
        given); `limit`: connections open at once (None: as many as requests in flight);
        `connect_timeout`: seconds to get a connection — made, or come free — before
        `NotConnected`; `repeatable`: every request is safe to send twice (see the module)."""
        url = urlsplit(base)
        self.peer = peer
        self.host = url.hostname or "localhost"
        https = url.scheme == "https"
        self.port = url.port or (443 if https else 80)
        self.authority = url.netloc.rpartition("@")[2]
        self.prefix = url.path.rstrip("/")
        self._ssl = (tls or ssl.create_default_context()) if https else None
        self._limit = limit
        self._connect_timeout = connect_timeout
        self._repeatable = repeatable
        self._idle: list[_Connection] = []
        self._open: set[_Connection] = set()
        self.closed = False  # `close` was called
        self._connecting = 0  # connections being made: they count against the limit
        self._waiting: deque[asyncio.Future[None]] = deque()  # for a connection to come free

    async def send(
        self, request: bytes, before_writing: Callable[[], Awaitable[None]] | None = None
    ) -> Answer:
        """`request` (the whole of it, head and body) written on a kept-alive connection (or a
        new one), and its answer read. `before_writing` is awaited with the connection at hand,
        so the request is written the moment it returns (a pacer counting requests as sent)."""
        while True:
            connection = await self._connection()
            if before_writing is not None:
                try:
                    await before_writing()
                except BaseException:
                    self._kept(connection)  # (not used: as good as before)
                    raise
            try:
                answer = await connection.exchange(request)
            except _ClosedIdle as closed:
                self._dropped(connection)
                if not closed.written or self._repeatable:
                    continue  # the request goes on another connection
                raise NoAnswer(f"connection closed by {self.peer}") from closed
            except BaseException:
                self._dropped(connection)
                raise
            self._kept(connection)
            return answer

    def close(self) -> None:
        """Close every connection (requests in flight fail with `NoAnswer`); a request sent
        later opens a new one."""
        self.closed = True
        for connection in list(self._open):
            connection.abort()
        self._open.clear()
        self._idle.clear()
        self._wake()

    async def _connection(self) -> _Connection:
        """A kept-alive connection, else a new one."""
        connection = self._kept_alive()
        if connection is not None:
            return connection
        if self._connect_timeout is None:
            return await self._made()
        try:
            async with asyncio.timeout(self._connect_timeout):
                return await self._made()
        except TimeoutError as late:
            raise NotConnected(
                f"no connection to {self.peer} within {self._connect_timeout:g} s"
            ) from late

    def _kept_alive(self) -> _Connection | None:
        now = asyncio.get_running_loop().time()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since <= IDLE_KEPT:
                return connection
            connection.abort()
            self._open.discard(connection)
        return None

    async def _made(self) -> _Connection:
        """A new connection once there is room for one (or a kept one come free meanwhile)."""
        loop = asyncio.get_running_loop()
        while self._limit is not None and len(self._open) + self._connecting >= self._limit:
            waiter = loop.create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, but going: the turn passes to the next one
                raise
            kept = self._kept_alive()
            if kept is not None:
                return kept
        self._connecting += 1
        try:
            _, connection = await loop.create_connection(
                lambda: _Connection(self.peer),
                self.host,
                self.port,
                ssl=self._ssl,
                server_hostname=self.host if self._ssl else None,
            )
        except OSError as problem:
            raise NotConnected(f"couldn't connect to {self.peer}: {problem}") from problem
        finally:
            self._connecting -= 1
        self._open.add(connection)
        return connection

    def _kept(self, connection: _Connection) -> None:
        """`connection` back among the idle ones, unless it is closing."""
        if connection.closed:
            self._dropped(connection)
            return
        connection.idle_since = asyncio.get_running_loop().time()
        self._idle.append(connection)
        self._wake()

    def _dropped(self, connection: _Connection) -> None:
        connection.abort()
        self._open.discard(connection)
        self._wake()

    def _wake(self) -> None:
        """Let the next request waiting for room go on."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
