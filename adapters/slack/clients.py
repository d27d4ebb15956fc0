"""Web API clients: every client the app creates points at `SLACK_API_URL` (when set) and
retries what is worth retrying.

slack-sdk retries connection errors by default; we keep that except where it could post a
message twice: a `chat.postMessage` whose connection broke after the request went out may have
been posted, so it is not retried here (the notifier records the outcome as unknown and checks
the DM before posting again); one that never connected is retried. We add rate limits (429,
honouring `Retry-After`) and server errors (500/502/503/504), each a bounded number of times. A rate
limit that asks for a long wait is *not* slept through here: the error goes up, and the
dispatcher reschedules the nudge durably in the database instead of holding a task open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

Sleep = Callable[[float], Awaitable[None]]
DEFAULT_API_URL = "https://slack.com/api/"
MAX_INLINE_WAIT = 10.0  # seconds a rate-limited call may wait in place before giving up
SERVER_ERRORS = frozenset({500, 502, 503, 504})


def api_base(url: str | None) -> str:
    """The Web API base URL, always ending with "/" as slack-sdk requires."""
    base = (url or DEFAULT_API_URL).strip()
    return base if base.endswith("/") else base + "/"


def retry_after(response: HttpResponse | None) -> float | None:
    """The `Retry-After` header of a response, in seconds, if present and readable."""
    if response is None:
        return None
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                return None
    return None


class RateLimitRetry(AsyncRetryHandler):
    """Retry a 429 after its `Retry-After`, but only when that wait is short."""

    def __init__(self, sleep: Sleep, max_retry_count: int = 2, max_wait: float = MAX_INLINE_WAIT) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep
        self._max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response)
        return wait is None or wait <= self._max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = retry_after(response)
        await self._sleep(1.0 if wait is None else wait)
        state.increment_current_attempt()


class ServerErrorRetry(AsyncRetryHandler):
    """Retry a 5xx once or twice with a short exponential pause."""

    def __init__(self, sleep: Sleep, max_retry_count: int = 2, base: float = 0.5) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep
        self._base = base

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in SERVER_ERRORS

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await self._sleep(self._base * 2**state.current_attempt)
        state.increment_current_attempt()


class ConnectionErrorRetry(AsyncConnectionErrorRetryHandler):
    """slack-sdk's connection-error retry, but never a post that may have gone out."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").endswith("/chat.postMessage") and not isinstance(error, aiohttp.ClientConnectorError):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


def retry_handlers(sleep: Sleep = asyncio.sleep) -> list[AsyncRetryHandler]:
    return [ConnectionErrorRetry(), RateLimitRetry(sleep), ServerErrorRetry(sleep)]


def web_client(
    base_url: str | None,
    token: str | None,
    session: aiohttp.ClientSession | None = None,
    sleep: Sleep = asyncio.sleep,
) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=api_base(base_url),
        session=session,
        retry_handlers=retry_handlers(sleep),
        timeout=15,
    )
