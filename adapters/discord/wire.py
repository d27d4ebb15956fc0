"""`Wire`: the HTTP under the two requests a queued send makes — open a person's DM
(`POST /users/@me/channels`) and create a message (`POST /channels/{id}/messages`, JSON) — at a
fraction of what a request through discord.py's `HTTPClient` costs (aiohttp's request and
response objects, a `Route`, the body parsed into a dict nobody reads): about 0.1 ms of CPU
instead of 0.4 on this project's machine, which is most of a nudge.

It is HTTP/1.1 on kept-alive connections (`adapters.http1`: TLS for `https` bases, one request
at a time per connection, as many connections as requests in flight, which the dispatcher
bounds). What it
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
repeat: a create carries an enforced nonce, a DM open returns the same channel).

A request cut short also leaves its bucket as a finished one would (`mend`): discord.py puts a
bucket right as a request leaves it (`Ratelimit.__aexit__` refreshes it once its last token is
used), and a cancellation landing right then left it with no request out and none allowed —
for good on a route Discord sent no rate-limit headers for, so that every later request on it
(every DM open of the process) waited past its timeout until a restart.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import orjson
from discord.http import HTTPClient, Ratelimit

from adapters.http1 import Answer, Headers, NoAnswer, Pool

RETRIED_STATUSES = frozenset({500, 502, 504, 524})  # what discord.py retries, and how often
TRIES = 5
MESSAGES = "POST /channels/{channel_id}/messages"
OPEN_DM = "POST /users/@me/channels"


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
        self._http = http
        self._pool = Pool(base, peer="Discord", tls=tls, repeatable=True)
        self._head = (
            f"Host: {self._pool.authority}\r\nUser-Agent: {http.user_agent}\r\n"
            f"Authorization: Bot {http.token}\r\nAccept-Encoding: identity\r\n"
            "Content-Type: application/json\r\n"
        )
        self._pace = pace
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
        self._pool.close()

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
            f"POST {self._pool.prefix}{path} HTTP/1.1\r\n{self._head}"
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
            answer = await self._pool.send(request, self._pace)
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
    http: HTTPClient, route_key: str, major: str, headers: Headers, ratelimit: Ratelimit
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
