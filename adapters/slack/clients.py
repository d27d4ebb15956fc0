"""Web API clients: every client the app creates points at `SLACK_API_URL` (when set) and
retries what is worth retrying.

slack-sdk retries connection errors by default; we keep that except where it could post a
message twice: a `chat.postMessage` whose connection broke after the request went out may have
been posted, so it is not retried here (the notifier records the outcome as unknown and checks
the DM before posting again); one that never connected (`NEVER_CONNECTED`) is retried. Rate
limits (429, honouring `Retry-After`) and server errors (500/502/503/504) are retried a bounded
number of times by slack-sdk's own handlers, subclassed for what they lack: the gateway errors,
the injected sleep, and a cap on the wait. A rate limit that asks for a long wait is *not* slept
through here: the error goes up, and the dispatcher reschedules the nudge durably in the
database instead of holding a task open. While a call waits out a rate limit, the notifier's
other posts to that workspace wait with it (`Pause`, `rate_limit_passed`); and while a post's
long `Retry-After` lasts, the workspace's other posts aren't made at all: each is handed back to
the schedule for when it ends, instead of earning a 429 of its own. `retry_after`
is the one reader of that header. slack-sdk's per-request debug formatting is off unless
debug logging is (`sdk_logger`).

Every client of a process shares one HTTP session (`http_session`): its connections are kept
and reused, it carries the timeout (slack-sdk ignores its own when handed a session), and it
serialises request bodies with orjson (`dumps`), which costs a fraction of `json.dumps` for a
nudge's Block Kit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import aiohttp
import orjson
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.http1 import NoAnswer, NotConnected
from bot.clock import Clock, SystemClock

Sleep = Callable[[float], Awaitable[None]]
DEFAULT_API_URL = "https://slack.com/api/"
MAX_INLINE_WAIT = 10.0  # seconds a rate-limited call may wait in place before giving up
GATEWAY_ERRORS = frozenset({502, 504})  # beyond slack-sdk's own 500 and 503
POST = "chat.postMessage"  # the method whose long rate limits pause the workspace's posts
RATE_LIMITED = "rate limited by Slack"  # why a post refused with a 429 is tried again later
# A request that never had a connection to be written on: no connection could be made, or none
# came free from the pool within the connect timeout. Nothing of it reached Slack.
NEVER_CONNECTED: tuple[type[Exception], ...] = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    NotConnected,  # the same on the lean path (`webapi`)
)
# slack-sdk ignores its own `timeout` when handed a session, so the session carries it: a
# Slack call that hangs must give up long before a nudge's claim lease (5 min) runs out.
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)


def api_base(url: str | None) -> str:
    """The Web API base URL, always ending with "/" as slack-sdk requires."""
    base = (url or DEFAULT_API_URL).strip()
    return base if base.endswith("/") else base + "/"


def retry_after(headers: object) -> float | None:
    """The `Retry-After` header, in seconds, if present and readable: the one reader for
    the retry handlers (a `HttpResponse`'s lists of values) and for refusals that reach the
    notifier (a `SlackResponse`'s plain values)."""
    items = getattr(headers, "items", None)
    if items is None:
        return None
    for key, value in items():
        if str(key).lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


class NoJitter(Jitter):
    """Pauses exactly as calculated: the sleep is injected, and tests read what it was asked."""

    def recalculate(self, duration: float) -> float:
        return duration


BACKOFF = BackoffRetryIntervalCalculator(backoff_factor=0.5, jitter=NoJitter())


class Pause:
    """A client's rate-limit pause. While one of its calls waits out a short 429's
    `Retry-After`, the posts that would follow it wait too (`passed`) instead of each earning
    a 429 of its own. A post refused with a long one (`refuse_until`) isn't waited out in a
    task: until it is over, `passed` says how long is left, and the posts aren't made."""

    def __init__(self, clock: Clock) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._holding = 0
        self._clock = clock
        self._until: datetime | None = None

    async def passed(self) -> float | None:
        """Once no call of this client waits out a short rate limit: the seconds left of a long
        one, None when there is none."""
        await self._open.wait()
        if self._until is None:
            return None
        left = (self._until - self._clock.now()).total_seconds()
        if left > 0:
            return left
        self._until = None
        return None

    def refuse_until(self, seconds: float) -> None:
        """A long `Retry-After`: no post until `seconds` from now (the latest one given wins)."""
        until = self._clock.now() + timedelta(seconds=seconds)
        self._until = until if self._until is None else max(self._until, until)

    async def hold(self, wait: Awaitable[None]) -> None:
        """Hold the pause while `wait` runs."""
        self._holding += 1
        self._open.clear()
        try:
            await wait
        finally:
            self._holding -= 1
            if not self._holding:
                self._open.set()


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack-sdk's 429 retry, with three changes: a wait longer than `max_wait` is not slept
    through (the error goes up and the dispatcher reschedules durably; for a post, the client's
    other posts are refused until it is over), the pause is the injected `sleep` of exactly
    `Retry-After` seconds (slack-sdk adds up to a second of jitter and sleeps with asyncio
    directly), and while it lasts the client's `Pause` is held, so the notifier's next posts to
    the workspace wait for it too."""

    def __init__(
        self,
        sleep: Sleep,
        clock: Clock,
        max_retry_count: int = 2,
        max_wait: float = MAX_INLINE_WAIT,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=BACKOFF)
        self._sleep = sleep
        self._max_wait = max_wait
        self.pause = Pause(clock)

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        ):
            return False
        wait = retry_after(response.headers) if response is not None else None
        if wait is None or wait <= self._max_wait:
            return True
        if request.url.rstrip("/").endswith(f"/{POST}"):
            self.pause.refuse_until(wait)
        return False

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = retry_after(response.headers) if response is not None else None
        await self.pause.hold(self._sleep(1.0 if wait is None else wait))
        state.increment_current_attempt()


class ServerErrorRetry(AsyncServerErrorRetryHandler):
    """slack-sdk's server-error retry (500, 503) extended to the gateway errors a proxy in
    front of Slack answers (502, 504), pausing through the injected `sleep` with slack-sdk's
    exponential backoff (0.5 s, 1 s, …)."""

    def __init__(self, sleep: Sleep, max_retry_count: int = 2) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=BACKOFF)
        self._sleep = sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code in GATEWAY_ERRORS:
            return True
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await self._sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class ConnectionErrorRetry(AsyncConnectionErrorRetryHandler):
    """slack-sdk's connection-error retry — its aiohttp errors, and the lean path's
    (`webapi`) — but never a post that may have gone out."""

    def __init__(self) -> None:
        super().__init__(
            error_types=[
                aiohttp.ServerConnectionError,
                aiohttp.ServerDisconnectedError,
                aiohttp.ClientOSError,
                NotConnected,
                NoAnswer,
            ]
        )

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").endswith(f"/{POST}") and not isinstance(error, NEVER_CONNECTED):
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


async def rate_limit_passed(client: AsyncWebClient) -> float | None:
    """Wait while another call of the client waits out a short rate limit; then the seconds left
    of a post's long one, during which nothing is posted (None when there is none; see
    `Pause`)."""
    for handler in client.retry_handlers:
        if isinstance(handler, RateLimitRetry):
            return await handler.pause.passed()
    return None


def retry_handlers(
    sleep: Sleep = asyncio.sleep, clock: Clock | None = None
) -> list[AsyncRetryHandler]:
    return [
        ConnectionErrorRetry(),
        RateLimitRetry(sleep, clock or SystemClock()),
        ServerErrorRetry(sleep),
    ]


SDK_LOGGER = "slack_sdk.web.async_base_client"


def sdk_logger() -> logging.Logger:
    """The logger a Web API client writes to. slack-sdk builds its debug lines (every request's
    parameters and every answer, Block Kit included) whenever its logger's own level is unset —
    it tests `logger.level <= DEBUG`, not whether debug lines are written — which cost more than
    the post itself. Unless debug logging is on for slack-sdk, clients get a child of its logger
    with a level of its own (INFO): the same handlers, none of that formatting."""
    logger = logging.getLogger(SDK_LOGGER)
    if logger.isEnabledFor(logging.DEBUG):
        return logger
    quiet = logging.getLogger(f"{SDK_LOGGER}.quiet")
    quiet.setLevel(logging.INFO)
    return quiet


def dumps(body: object) -> bytes:
    """A request body as UTF-8 JSON: the value `json.dumps` writes (non-ASCII kept as is rather
    than escaped, no spaces), in a tenth of its time, and as bytes (no str to encode again)."""
    return orjson.dumps(body)


def http_session() -> aiohttp.ClientSession:
    """The HTTP session a process's Web API clients share (call it on the running loop)."""
    return aiohttp.ClientSession(timeout=HTTP_TIMEOUT, json_serialize_bytes=dumps)


def web_client(
    base_url: str | None,
    token: str | None,
    session: aiohttp.ClientSession | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Clock | None = None,
) -> AsyncWebClient:
    """A client whose pauses are `sleep`, and whose long rate limits are timed by `clock`."""
    return AsyncWebClient(
        token=token,
        base_url=api_base(base_url),
        session=session,
        retry_handlers=retry_handlers(sleep, clock),
        timeout=15,
        logger=sdk_logger(),
    )
