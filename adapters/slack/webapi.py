"""The Web API calls every nudge makes — `chat.postMessage`, and `conversations.open` on first
contact — on a lean request path of their own, beside slack-sdk's client.

Sending nudges is the bot's hot path, and slack-sdk's generic `api_call` costs more per call than
the HTTP request does: a URL joined and parsed again, headers and request arguments rebuilt, its
retry bookkeeping made for every call, and the answer decoded with stdlib `json`. Here the URL
and headers are made once per client, the body is serialised with orjson, the answer is read
as bytes and parsed with orjson, and what slack-sdk does for a call that went wrong is done only
when one did, the same way: the client's own retry handlers (`clients.retry_handlers`) are asked
about every error and every answer that isn't a 200 (the only answers they retry), and a refusal
is slack-sdk's `SlackApiError`, its response an `AsyncSlackResponse`. Timeouts, cut connections
and refused connections are aiohttp's own errors, as they are through slack-sdk.

The request goes through the client's own HTTP session (`clients.http_session`, its timeouts and
connection pool). A post is given up after the caller's timeout as a whole; within the session's
total, that is the only timer on it (aiohttp's total, a timer of its own on every request,
could never end it first). A client without a live session, or whose slack-sdk debug logging is on
(`clients.sdk_logger`: every request and answer written out), is served by slack-sdk itself.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urljoin

import aiohttp
import attr
import orjson
from multidict import CIMultiDict, CIMultiDictProxy
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from yarl import URL

POST_MESSAGE = "chat.postMessage"
OPEN_CONVERSATION = "conversations.open"
JSON_BODY = "application/json;charset=utf-8"  # what slack-sdk sends a JSON body as
MAX_ATTEMPTS = 100  # slack-sdk's own bound on one call's retries


async def post_message(
    client: AsyncWebClient, body: dict[str, Any], within: float
) -> dict[str, Any]:
    """`chat.postMessage` with `body` as its JSON (plain dicts, no None values), given up
    (`TimeoutError`) after `within` seconds, retries included: Slack's answer, or
    `SlackApiError` for a refusal."""
    route = _route(client)
    async with asyncio.timeout(within):
        if route is None:
            return _data(await client.api_call("chat.postMessage", json=body))
        return await route.call(client, POST_MESSAGE, body, route.timeout_within(within))


async def open_conversation(client: AsyncWebClient, users: str) -> dict[str, Any]:
    """`conversations.open` with `users`: Slack's answer, or `SlackApiError` for a refusal."""
    route = _route(client)
    if route is None:
        return _data(await client.conversations_open(users=users))
    return await route.call(client, OPEN_CONVERSATION, {"users": users}, route.session.timeout)


@dataclass(frozen=True)
class _Route:
    """What a client's requests share: its session, URLs, headers, proxy and TLS settings."""

    session: aiohttp.ClientSession
    token: str | None
    urls: dict[str, URL]
    headers: CIMultiDictProxy[str]  # a multidict, which aiohttp takes without converting it
    options: dict[str, Any]
    # The session's timeouts without the total: for a call already given up sooner as a whole.
    untimed: aiohttp.ClientTimeout

    def timeout_within(self, within: float) -> aiohttp.ClientTimeout:
        """The timeouts of a call given up after `within` seconds: the session's, its total (a
        timer of its own per request) left out when it could never end a request first."""
        total = self.session.timeout.total
        return self.untimed if total is None or within <= total else self.session.timeout

    async def call(
        self,
        client: AsyncWebClient,
        method: str,
        body: dict[str, Any],
        timeouts: aiohttp.ClientTimeout,
    ) -> dict[str, Any]:
        url = self.urls[method]
        data = orjson.dumps(body)
        state: RetryState | None = None
        request: HttpRequest | None = None
        for _ in range(MAX_ATTEMPTS):
            try:
                async with self.session.post(
                    url, data=data, headers=self.headers, timeout=timeouts, **self.options
                ) as answer:
                    raw = await answer.read()
                    status, headers = answer.status, answer.headers
            except Exception as error:
                state = state or RetryState()
                request = request or self._request(url)
                if await _retried(client, state, request, None, error):
                    continue
                raise
            found = _parsed(raw)
            if status == 200 and found.get("ok", False):
                return found
            if status != 200:
                state = state or RetryState()
                request = request or self._request(url)
                response = HttpResponse(
                    status_code=status, headers=cast(dict[str, Any], headers), body=found
                )
                if await _retried(client, state, request, response, None):
                    continue
            refused = AsyncSlackResponse(
                client=client,
                http_verb="POST",
                api_url=str(url),
                req_args={"json": body},
                data=found,
                headers=cast(dict[str, Any], headers),
                status_code=status,
            )
            refused.validate()  # raises SlackApiError, slack-sdk's message and all
        raise RuntimeError(f"{method}: still retried after {MAX_ATTEMPTS} attempts")

    def _request(self, url: URL) -> HttpRequest:
        return HttpRequest(method="POST", url=str(url), headers=dict(self.headers.items()))


_routes: weakref.WeakKeyDictionary[AsyncWebClient, _Route] = weakref.WeakKeyDictionary()


def _route(client: AsyncWebClient) -> _Route | None:
    """The client's lean route, None when slack-sdk must make the call itself."""
    session = client.session
    if session is None or session.closed or client.logger.level <= logging.DEBUG:
        return None
    route = _routes.get(client)
    if route is None or route.session is not session or route.token != client.token:
        route = _routes[client] = _made(client, session)
    return route


def _made(client: AsyncWebClient, session: aiohttp.ClientSession) -> _Route:
    headers = {"Content-Type": JSON_BODY, **client.headers}
    if client.token:
        headers["Authorization"] = f"Bearer {client.token}"
    options: dict[str, Any] = {}
    if client.proxy:
        options["proxy"] = client.proxy
    if client.ssl is not None:
        options["ssl"] = client.ssl
    return _Route(
        session=session,
        token=client.token,
        urls={m: URL(urljoin(client.base_url, m)) for m in (POST_MESSAGE, OPEN_CONVERSATION)},
        headers=CIMultiDictProxy(CIMultiDict(headers)),
        options=options,
        untimed=attr.evolve(session.timeout, total=None),
    )


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
