"""The Web API calls every nudge makes — `chat.postMessage`, and `conversations.open` on first
contact — on a lean request path of their own, beside slack-sdk's client.

Sending nudges is the bot's hot path, and slack-sdk's generic `api_call` costs more per call than
the HTTP request does: a URL joined and parsed again, headers and request arguments rebuilt, its
retry bookkeeping made for every call, and the answer decoded with stdlib `json`; and aiohttp's
request machinery under it costs about as much again (its request and response objects, its
connector, a timer per request). Here each method's request head is made once per client, the
body serialised with orjson and the answer parsed with it, and the HTTP is `adapters.http1`'s:
HTTP/1.1 on kept-alive connections, one pool per session and Slack host, shared by every
workspace's client, bounded as the session's connector is (100 connections), given up as
`NotConnected` when no connection is made or comes free within the session's connect timeout.
What slack-sdk does for a call that went wrong is done only when one did, the same way: the
client's own retry handlers (`clients.retry_handlers`) are asked about every error and every
answer that isn't a 200 (the only answers they retry), and a refusal is slack-sdk's
`SlackApiError`, its response an `AsyncSlackResponse`.

A call is given up (`TimeoutError`) after the caller's timeout or the session's total, whichever
is sooner: that is the only timer on it. A connection that ends before the whole answer came is
`NoAnswer` (the post may have been made); a kept-alive connection found closed before the
request was written on it is replaced, and the request sent on a new one. A client without a live
session, with a proxy, or whose slack-sdk debug logging is on (`clients.sdk_logger`: every
request and answer written out) is served by slack-sdk itself, whose errors are aiohttp's.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import weakref
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import aiohttp
import orjson
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.http1 import Pool

POST_MESSAGE = "chat.postMessage"
OPEN_CONVERSATION = "conversations.open"
JSON_BODY = "application/json;charset=utf-8"  # what slack-sdk sends a JSON body as
MAX_ATTEMPTS = 100  # slack-sdk's own bound on one call's retries


async def post_message(
    client: AsyncWebClient, body: dict[str, Any], within: float
) -> dict[str, Any]:
    """`chat.postMessage` with `body` as its JSON (plain dicts, no None values), given up
    (`TimeoutError`) after `within` seconds (or the session's total, if sooner), retries
    included: Slack's answer, or `SlackApiError` for a refusal."""
    route = _route(client)
    if route is None:
        async with asyncio.timeout(within):
            return _data(await client.api_call("chat.postMessage", json=body))
    async with asyncio.timeout(within if route.total is None else min(within, route.total)):
        return await route.call(client, POST_MESSAGE, body)


async def open_conversation(client: AsyncWebClient, users: str) -> dict[str, Any]:
    """`conversations.open` with `users`: Slack's answer, or `SlackApiError` for a refusal."""
    route = _route(client)
    if route is None:
        return _data(await client.conversations_open(users=users))
    async with asyncio.timeout(route.total):
        return await route.call(client, OPEN_CONVERSATION, {"users": users})


def close(session: aiohttp.ClientSession) -> None:
    """Close the lean path's connections made for `session`'s clients (as the session closes)."""
    for pool in _pools.pop(session, {}).values():
        pool.close()


@dataclass(frozen=True)
class _Route:
    """What a client's calls share: its session's pool and total timeout, each method's URL and
    request head (everything before the body's length), the headers for slack-sdk's handlers."""

    session: aiohttp.ClientSession
    token: str | None
    pool: Pool
    urls: dict[str, str]
    heads: dict[str, bytes]
    headers: dict[str, str]
    total: float | None

    async def call(
        self, client: AsyncWebClient, method: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        data = orjson.dumps(body)
        request = b"%sContent-Length: %d\r\n\r\n%s" % (self.heads[method], len(data), data)
        state: RetryState | None = None
        for _ in range(MAX_ATTEMPTS):
            try:
                answer = await self.pool.send(request)
            except Exception as error:
                state = state or RetryState()
                if await _retried(client, state, self._request(method), None, error):
                    continue
                raise
            found = _parsed(answer.body)
            status, headers = answer.status, answer.headers
            if status == 200 and found.get("ok", False):
                return found
            if status != 200:
                state = state or RetryState()
                response = HttpResponse(
                    status_code=status, headers=cast(dict[str, Any], headers), body=found
                )
                if await _retried(client, state, self._request(method), response, None):
                    continue
            refused = AsyncSlackResponse(
                client=client,
                http_verb="POST",
                api_url=self.urls[method],
                req_args={"json": body},
                data=found,
                headers=cast(dict[str, Any], headers),
                status_code=status,
            )
            refused.validate()  # raises SlackApiError, slack-sdk's message and all
        raise RuntimeError(f"{method}: still retried after {MAX_ATTEMPTS} attempts")

    def _request(self, method: str) -> HttpRequest:
        return HttpRequest(method="POST", url=self.urls[method], headers=dict(self.headers))


_routes: weakref.WeakKeyDictionary[AsyncWebClient, _Route] = weakref.WeakKeyDictionary()
# Each session's pools, by the Slack host its clients call: the workspaces' clients share them.
_pools: weakref.WeakKeyDictionary[
    aiohttp.ClientSession, dict[tuple[str, str, ssl.SSLContext | None], Pool]
] = weakref.WeakKeyDictionary()


def _route(client: AsyncWebClient) -> _Route | None:
    """The client's lean route, None when slack-sdk must make the call itself."""
    session = client.session
    if session is None or session.closed or client.proxy or client.logger.level <= logging.DEBUG:
        return None
    route = _routes.get(client)
    if (
        route is None
        or route.session is not session
        or route.token != client.token
        or route.pool.closed
    ):
        route = _routes[client] = _made(client, session)
    return route


def _made(client: AsyncWebClient, session: aiohttp.ClientSession) -> _Route:
    headers = {"Content-Type": JSON_BODY, **client.headers}
    if client.token:
        headers["Authorization"] = f"Bearer {client.token}"
    headers["Accept-Encoding"] = "identity"  # (the answer is a few hundred bytes)
    urls = {m: urljoin(client.base_url, m) for m in (POST_MESSAGE, OPEN_CONVERSATION)}
    pool = _pool(session, client)
    fields = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    heads = {
        method: (
            f"POST {urlsplit(url).path} HTTP/1.1\r\nHost: {pool.authority}\r\n{fields}"
        ).encode("latin-1")
        for method, url in urls.items()
    }
    return _Route(
        session=session,
        token=client.token,
        pool=pool,
        urls=urls,
        heads=heads,
        headers=headers,
        total=session.timeout.total,
    )


def _pool(session: aiohttp.ClientSession, client: AsyncWebClient) -> Pool:
    """The session's pool for the client's Slack host (its TLS settings as the client's)."""
    url = urlsplit(client.base_url)
    key = (url.scheme, url.netloc, client.ssl)
    pools = _pools.setdefault(session, {})
    pool = pools.get(key)
    if pool is None:
        connector = session.connector
        limit = connector.limit if connector is not None else 0
        pool = pools[key] = Pool(
            f"{url.scheme}://{url.netloc}",
            peer="Slack",
            tls=client.ssl,
            limit=limit or None,
            connect_timeout=session.timeout.connect,
        )
    return pool


async def _retried(
    client: AsyncWebClient,
    state: RetryState,
    request: HttpRequest,
    response: HttpResponse | None,
    error: Exception | None,
) -> bool:
    """Whether one of the client's retry handlers takes the call on (having paused as it
    does before the next attempt), as slack-sdk asks them."""
    state.next_attempt_requested = False
    for handler in client.retry_handlers:
        if await handler.can_retry_async(
            state=state, request=request, response=response, error=error
        ):
            await handler.prepare_for_next_attempt_async(
                state=state, request=request, response=response, error=error
            )
            return state.next_attempt_requested
    return False


def _parsed(raw: bytes) -> dict[str, Any]:
    """An answer's JSON object; {} for a body that isn't one (a proxy's error page)."""
    try:
        found = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}


def _data(response: AsyncSlackResponse) -> dict[str, Any]:
    return response.data if isinstance(response.data, dict) else {}
