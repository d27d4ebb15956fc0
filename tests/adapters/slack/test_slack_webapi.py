"""The lean request path of `chat.postMessage` and `conversations.open` (`webapi`), against the
fake Slack on 127.0.0.1 and a server that cuts connections: it answers, retries and refuses as
slack-sdk's `api_call` does, without going through it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.clients import MAX_INLINE_WAIT, SDK_LOGGER, http_session, web_client
from adapters.slack.delivery import post_once
from adapters.slack.notifier import classify
from adapters.slack.webapi import open_conversation, post_message
from bot.ports import (
    Delivery,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnknownDeliveryOutcome,
)
from tests.adapters.slack.conftest import Pauses
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack

BODY = {"channel": "D1", "text": "Send the thank-you note", "blocks": []}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with http_session() as shared:
        yield shared


@pytest.fixture
def no_sdk_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("went through slack-sdk's api_call")

    monkeypatch.setattr(AsyncWebClient, "api_call", refuse)


def client(fake: FakeSlack | str, session: aiohttp.ClientSession, pauses: Pauses) -> AsyncWebClient:
    url = fake if isinstance(fake, str) else fake.api_url
    return web_client(url, DEFAULT_TOKEN, session, sleep=pauses)


@pytest.mark.usefixtures("no_sdk_calls")
async def test_a_post_and_an_open_reach_slack_as_slack_sdk_sends_them(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    web = client(fake_slack, session, pauses)
    posted = await post_message(web, {**BODY, "text": "Grüße 👋"}, 5.0)
    opened = await open_conversation(web, "U7")
    assert posted["ok"] is True and posted["channel"] == "D1"
    assert opened["channel"]["id"]
    post, open_ = fake_slack.calls
    assert (post.method, post.token, post.params["text"]) == (
        "chat.postMessage",
        DEFAULT_TOKEN,
        "Grüße 👋",
    )
    assert (open_.method, open_.params["users"]) == ("conversations.open", "U7")


@pytest.mark.usefixtures("no_sdk_calls")
async def test_a_short_rate_limit_is_waited_out_and_the_call_made_again(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=3)
    assert (await post_message(client(fake_slack, session, pauses), BODY, 5.0))["ok"] is True
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429, 200]
    assert pauses.taken == [3.0]


@pytest.mark.usefixtures("no_sdk_calls")
async def test_a_long_rate_limit_on_a_post_is_refused_and_holds_back_the_next_posts(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=MAX_INLINE_WAIT + 50)
    web = client(fake_slack, session, pauses)
    with pytest.raises(SlackApiError) as refused:
        await post_message(web, BODY, 5.0)
    assert isinstance(refused.value.response, AsyncSlackResponse)
    assert refused.value.response.status_code == 429 and pauses.taken == []
    assert isinstance(classify(refused.value), TransientDeliveryError)
    with pytest.raises(TransientDeliveryError) as held:
        await post_once(web, BODY, None, 5.0)
    assert held.value.retry_after is not None and held.value.retry_after > MAX_INLINE_WAIT
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


@pytest.mark.usefixtures("no_sdk_calls")
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_with_backoff_then_given_up(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, pauses: Pauses, status: int
) -> None:
    fake_slack.fail("chat.postMessage", status=status, times=3)
    with pytest.raises(SlackApiError) as refused:
        await post_message(client(fake_slack, session, pauses), BODY, 5.0)
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [status] * 3
    assert pauses.taken == [0.5, 1.0]
    problem = classify(refused.value)
    assert isinstance(problem, TransientDeliveryError) and str(status) in str(problem)


@pytest.mark.usefixtures("no_sdk_calls")
@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("account_inactive", PermanentDeliveryError),
        ("channel_not_found", PermanentDeliveryError),
        ("ratelimited", TransientDeliveryError),
        ("internal_error", TransientDeliveryError),
    ],
)
async def test_slacks_refusals_are_slack_sdks_errors_with_its_reason(
    fake_slack: FakeSlack,
    session: aiohttp.ClientSession,
    pauses: Pauses,
    error: str,
    kind: type[Exception],
) -> None:
    fake_slack.fail("chat.postMessage", status=200, error=error)
    with pytest.raises(SlackApiError) as refused:
        await post_message(client(fake_slack, session, pauses), BODY, 5.0)
    assert refused.value.response["error"] == error and refused.value.response.status_code == 200
    assert isinstance(classify(refused.value), kind)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # a refusal is not retried here


async def serve(answer: bytes | None) -> tuple[asyncio.Server, str, list[bytes]]:
    """A server on 127.0.0.1 that reads each request, then writes `answer` and closes, or (None)
    closes without answering: the connection cut once the request is out."""
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        received.append(await reader.readexactly(length))
        if answer is not None:
            writer.write(answer)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/api/", received


@pytest.mark.usefixtures("no_sdk_calls")
async def test_a_post_whose_connection_is_cut_is_not_made_again_an_open_is(
    session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    server, url, received = await serve(None)
    async with server:
        web = client(url, session, pauses)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await post_message(web, BODY, 5.0)
        assert len(received) == 1  # it may have been posted: left to be verified
        with pytest.raises(UnknownDeliveryOutcome):
            await post_once(web, BODY, None, 5.0)
        assert len(received) == 2
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await open_conversation(web, "U7")
        assert len(received) == 2 + 2  # slack-sdk's connection retry: one more try


@pytest.mark.usefixtures("no_sdk_calls")
async def test_a_post_that_never_connected_is_tried_again_then_a_plain_retry(
    session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    server, url, _ = await serve(None)
    server.close()
    await server.wait_closed()  # nothing listens there any more
    with pytest.raises(TransientDeliveryError, match="couldn't reach Slack"):
        await post_once(client(url, session, pauses), BODY, None, 5.0)


@pytest.mark.usefixtures("no_sdk_calls")
async def test_an_answer_that_isnt_json_is_a_server_error(
    session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    page = b"<html>Bad gateway</html>"
    answer = (
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(page), page)
    )
    server, url, received = await serve(answer)
    async with server:
        with pytest.raises(SlackApiError) as refused:
            await post_message(client(url, session, pauses), BODY, 5.0)
    assert len(received) == 3 and refused.value.response.status_code == 502
    assert isinstance(classify(refused.value), TransientDeliveryError)


@pytest.mark.usefixtures("no_sdk_calls")
async def test_a_post_slack_doesnt_answer_in_time_is_an_unknown_outcome(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    fake_slack.late(1, after=0.5)
    delivery = Delivery(kind="nudge", key="n-1")
    with pytest.raises(UnknownDeliveryOutcome):
        await post_once(client(fake_slack, session, pauses), BODY, delivery, 0.05)
    await fake_slack.wait_for(lambda: "D1" in fake_slack.posted)
    [message] = fake_slack.posted["D1"]
    assert message["metadata"]["event_payload"] == {"nudge": "n-1"}


async def test_with_slack_sdks_debug_lines_on_slack_sdk_makes_the_call(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    sdk = logging.getLogger(SDK_LOGGER)
    before = sdk.level
    sdk.setLevel(logging.DEBUG)
    try:
        web = client(fake_slack, session, pauses)
        assert (await post_message(web, BODY, 5.0))["ok"] is True
        assert (await open_conversation(web, "U7"))["ok"] is True
    finally:
        sdk.setLevel(before)
    assert [c.method for c in fake_slack.calls] == ["chat.postMessage", "conversations.open"]


async def test_a_clients_headers_are_made_once_and_taken_by_aiohttp_as_they_are(
    fake_slack: FakeSlack,
    session: aiohttp.ClientSession,
    pauses: Pauses,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aiohttp converts request headers that aren't a multidict on every request."""
    given: list[object] = []
    prepare = aiohttp.ClientSession._prepare_headers

    def recorded(self: aiohttp.ClientSession, headers: Any) -> Any:
        given.append(headers)
        return prepare(self, headers)

    monkeypatch.setattr(aiohttp.ClientSession, "_prepare_headers", recorded)
    web = client(fake_slack, session, pauses)
    await post_message(web, BODY, 5.0)
    await open_conversation(web, "U7")
    first, second = given
    assert first is second and isinstance(first, CIMultiDictProxy)
    assert first["Authorization"] == f"Bearer {DEFAULT_TOKEN}"


async def test_a_post_is_given_up_after_its_own_timeout_with_one_timer(
    fake_slack: FakeSlack,
    session: aiohttp.ClientSession,
    pauses: Pauses,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Within the session's total, the post's own timeout is the only one set on it: aiohttp's
    total (a timer of its own on every request) could never end it first."""
    timeouts: list[aiohttp.ClientTimeout] = []
    post = aiohttp.ClientSession.post

    def recorded(self: aiohttp.ClientSession, url: Any, **kwargs: Any) -> Any:
        timeouts.append(kwargs["timeout"])
        return post(self, url, **kwargs)

    monkeypatch.setattr(aiohttp.ClientSession, "post", recorded)
    web = client(fake_slack, session, pauses)
    fake_slack.late(1, after=0.5)
    with pytest.raises(TimeoutError):
        await post_message(web, BODY, 0.05)
    assert session.timeout.total is not None
    await post_message(web, BODY, session.timeout.total + 1)
    assert [t.total for t in timeouts] == [None, session.timeout.total]
    assert {t.connect for t in timeouts} == {session.timeout.connect}


async def test_a_post_allowed_longer_than_the_sessions_total_is_cut_at_that_total(
    fake_slack: FakeSlack, pauses: Pauses
) -> None:
    fake_slack.late(1, after=0.5)
    timeout = aiohttp.ClientTimeout(total=0.05, connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as short:
        with pytest.raises(TimeoutError):  # aiohttp's, as the fake answers within 5 s
            await post_message(client(fake_slack, short, pauses), BODY, 5.0)
