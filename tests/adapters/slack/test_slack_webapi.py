"""The lean request path of `chat.postMessage` and `conversations.open` (`webapi`), against the
fake Slack on 127.0.0.1 and scripted servers that cut, hold and close connections: it answers,
retries and refuses as slack-sdk's `api_call` does, without going through it or aiohttp's
client; its connections are kept alive and shared by every workspace's client of a session,
bounded as the session's connector is, TLS-verified, and closed with the session."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.http1 import NoAnswer
from adapters.slack import webapi
from adapters.slack.clients import (
    MAX_INLINE_WAIT,
    SDK_LOGGER,
    http_session,
    sdk_logger,
    web_client,
)
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
from tests.fakes.scripted_http import Scripted, answer, self_signed_certificate, tls_pair
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack

BODY = {"channel": "D1", "text": "Send the thank-you note", "blocks": []}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with http_session() as shared:
        yield shared


@pytest.fixture
def no_sdk_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("went through slack-sdk's api_call or aiohttp's client")

    monkeypatch.setattr(AsyncWebClient, "api_call", refuse)
    monkeypatch.setattr(aiohttp.ClientSession, "_request", refuse)


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
        with pytest.raises(NoAnswer):
            await post_message(web, BODY, 5.0)
        assert len(received) == 1  # it may have been posted: left to be verified
        with pytest.raises(UnknownDeliveryOutcome):
            await post_once(web, BODY, None, 5.0)
        assert len(received) == 2
        with pytest.raises(NoAnswer):
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


async def test_a_post_allowed_longer_than_the_sessions_total_is_cut_at_that_total(
    fake_slack: FakeSlack, pauses: Pauses
) -> None:
    fake_slack.late(1, after=0.5)
    timeout = aiohttp.ClientTimeout(total=0.05, connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as short:
        with pytest.raises(TimeoutError):  # the session's, as the fake answers within 5 s
            await post_message(client(fake_slack, short, pauses), BODY, 5.0)


OK = answer(body=b'{"ok": true, "channel": "D1", "ts": "1.1"}')
OPENED = answer(body=b'{"ok": true, "channel": {"id": "D7"}}')


def _header(head: bytes, name: str) -> str:
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    raise AssertionError(f"no {name} header in {head!r}")


@pytest.mark.usefixtures("no_sdk_calls")
async def test_workspaces_clients_share_kept_alive_connections_each_with_its_own_token(
    session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    async with Scripted(lambda n: OPENED if n == 2 else OK, path="/api/") as server:
        first = web_client(server.base, "xoxb-first", session, sleep=pauses)
        second = web_client(server.base, "xoxb-second", session, sleep=pauses)
        await post_message(first, BODY, 5.0)
        await post_message(second, BODY, 5.0)
        assert (await open_conversation(first, "U7"))["channel"]["id"] == "D7"
        assert [c for c, _ in server.requests] == [0, 0, 0]  # one connection, kept alive
        tokens = [_header(h, "Authorization") for h in server.heads]
        assert tokens == ["Bearer xoxb-first", "Bearer xoxb-second", "Bearer xoxb-first"]
        head = server.heads[0]
        assert head.startswith(b"POST /api/chat.postMessage HTTP/1.1\r\n")
        assert server.heads[2].startswith(b"POST /api/conversations.open HTTP/1.1\r\n")
        assert _header(head, "Host") == f"127.0.0.1:{server.port}"
        assert _header(head, "Content-Type") == "application/json;charset=utf-8"
        assert _header(head, "User-Agent") == first.headers["User-Agent"]  # slack-sdk's
        assert "slackclient/" in _header(head, "User-Agent")
        webapi.close(session)


@pytest.mark.usefixtures("no_sdk_calls")
async def test_a_connection_closed_while_idle_is_replaced_but_a_post_cut_after_it_left_is_not(
    session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    """A post on a connection the server closed before it was written goes on a new one; one
    whose connection closes once it is out may have been posted, and is never sent again."""
    script = {0: (OK, "then close"), 2: "close"}
    async with Scripted(lambda n: script.get(n, OK), path="/api/") as server:
        web = client(server.base, session, pauses)
        await post_message(web, BODY, 5.0)
        await asyncio.sleep(0.05)  # the server has closed the first connection by now
        await post_message(web, BODY, 5.0)
        assert [c for c, _ in server.requests] == [0, 1]  # anew, and once
        with pytest.raises(UnknownDeliveryOutcome):
            await post_once(web, BODY, None, 5.0)  # cut on the kept connection, once out
        assert [c for c, _ in server.requests] == [0, 1, 1]
        webapi.close(session)


@pytest.mark.usefixtures("no_sdk_calls")
async def test_connections_are_bounded_as_the_sessions_connector_is() -> None:
    """Two connections at most: the other posts wait for one to come free; a post for which
    none comes free within the connect timeout was never sent, and is a plain retry later."""
    async with Scripted(lambda n: (OK, 0.2), path="/api/") as server:
        connector = aiohttp.TCPConnector(limit=2)
        timeout = aiohttp.ClientTimeout(total=15, connect=5)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as bounded:
            web = client(server.base, bounded, Pauses())
            answered = await asyncio.gather(*(post_message(web, BODY, 5.0) for _ in range(5)))
            assert [a["ok"] for a in answered] == [True] * 5
            assert server.connections == 2 and len(server.requests) == 5
            webapi.close(bounded)
    async with Scripted(lambda n: "hold", path="/api/") as server:
        connector = aiohttp.TCPConnector(limit=1)
        timeout = aiohttp.ClientTimeout(total=15, connect=0.1)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as bounded:
            web = client(server.base, bounded, Pauses())
            held = asyncio.create_task(post_message(web, BODY, 5.0))
            await asyncio.sleep(0.05)
            with pytest.raises(TransientDeliveryError, match="couldn't reach Slack"):
                await post_once(web, BODY, None, 5.0)
            assert len(server.requests) == 1  # the second was never sent
            held.cancel()
            webapi.close(bounded)


@pytest.mark.usefixtures("no_sdk_calls")
async def test_over_tls_the_clients_context_verifies_slack(
    session: aiohttp.ClientSession, pauses: Pauses, tmp_path: Path
) -> None:
    serving, trusting = tls_pair(*self_signed_certificate(tmp_path))
    async with Scripted(lambda n: OK, tls=serving, path="/api/") as server:
        trusted = AsyncWebClient(
            token=DEFAULT_TOKEN,
            base_url=server.base,
            session=session,
            ssl=trusting,
            logger=sdk_logger(),  # (with slack-sdk's debug lines on, slack-sdk takes the call)
        )
        for _ in range(2):
            assert (await post_message(trusted, BODY, 5.0))["ok"] is True
        assert [c for c, _ in server.requests] == [0, 0]
        stranger = client(server.base, session, pauses)  # the system's certificates only
        with pytest.raises(TransientDeliveryError, match="couldn't reach Slack"):
            await post_once(stranger, BODY, None, 5.0)
        assert len(server.requests) == 2
        webapi.close(session)


async def test_closing_the_session_closes_the_connections_kept_for_it(
    session: aiohttp.ClientSession, pauses: Pauses
) -> None:
    async def ended(count: int) -> None:
        for _ in range(100):
            if server.ended >= count:
                return
            await asyncio.sleep(0.01)

    async with Scripted(lambda n: OK, path="/api/") as server:
        web = client(server.base, session, pauses)
        await post_message(web, BODY, 5.0)
        assert server.ended == 0  # kept alive
        webapi.close(session)
        await ended(1)
        assert server.ended == 1
        await post_message(web, BODY, 5.0)  # the client goes on, on a connection kept anew
        assert server.connections == 2
        webapi.close(session)  # which is closed with the session too
        await ended(2)
        assert server.ended == 2
