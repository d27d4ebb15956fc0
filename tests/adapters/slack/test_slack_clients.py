"""Web API base URLs (SLACK_API_URL), the OAuth consent page derived from them, and the
retries every client makes (slack-sdk's handlers, extended), against the fake Slack."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)

from adapters.slack.clients import (
    HTTP_TIMEOUT,
    MAX_INLINE_WAIT,
    SDK_LOGGER,
    api_base,
    dumps,
    http_session,
    retry_after,
    web_client,
)
from adapters.slack.oauth import authorization_url
from adapters.slack.workspaces import Workspaces
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack


@pytest.mark.parametrize(
    ("given", "base"),
    [
        (None, "https://slack.com/api/"),
        ("https://slack-gov.com/api", "https://slack-gov.com/api/"),
        ("http://127.0.0.1:8080/api/", "http://127.0.0.1:8080/api/"),
    ],
)
def test_every_client_gets_a_base_url_ending_with_a_slash(given: str | None, base: str) -> None:
    assert api_base(given) == base
    assert web_client(given, "xoxb-1").base_url == base


@pytest.mark.parametrize(
    ("given", "consent"),
    [
        (None, "https://slack.com/oauth/v2/authorize"),
        ("https://slack-gov.com/api/", "https://slack-gov.com/oauth/v2/authorize"),
    ],
)
def test_the_consent_page_lives_on_the_api_host(given: str | None, consent: str) -> None:
    assert authorization_url(given) == consent


def test_rate_limits_and_server_errors_are_retried_not_just_connection_errors() -> None:
    names = [type(h).__name__ for h in web_client(None, "xoxb-1").retry_handlers]
    assert names == ["ConnectionErrorRetry", "RateLimitRetry", "ServerErrorRetry"]


def test_the_retry_handlers_are_slack_sdks_own_extended() -> None:
    """Library first: slack-sdk's handlers, subclassed for the gateway errors and the wait cap."""
    handlers = web_client(None, "xoxb-1").retry_handlers
    assert isinstance(handlers[1], AsyncRateLimitErrorRetryHandler)
    assert isinstance(handlers[2], AsyncServerErrorRetryHandler)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": ["30"]}, 30.0),  # a retry handler's HttpResponse: lists of values
        ({"retry-after": "2"}, 2.0),  # a SlackResponse's headers: plain values
        ({"Retry-After": ["-5"]}, 0.0),
        ({"Retry-After": ["soon"]}, None),
        ({"Retry-After": []}, None),
        ({}, None),
        (None, None),
    ],
)
def test_one_retry_after_reader_for_both_header_shapes(
    headers: object, seconds: float | None
) -> None:
    assert retry_after(headers) == seconds


class Recorded:
    """The fake Slack and the pauses a client was asked to take, instead of sleeping."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.pauses: list[float] = []

    async def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)


@pytest.fixture
def recorded(fake_slack: FakeSlack) -> Recorded:
    return Recorded(fake_slack)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_and_gateway_errors_are_retried_with_backoff(
    recorded: Recorded, status: int
) -> None:
    recorded.fake.fail("auth.test", status=status, times=2)
    async with aiohttp.ClientSession() as session:
        answer = await web_client(
            recorded.fake.api_url, DEFAULT_TOKEN, session, recorded.pause
        ).auth_test()
    assert answer["ok"] is True
    assert [c.status for c in recorded.fake.calls_to("auth.test")] == [status, status, 200]
    assert recorded.pauses == [0.5, 1.0]


async def test_a_rate_limit_beyond_the_cap_is_not_waited_out(recorded: Recorded) -> None:
    recorded.fake.fail("auth.test", status=429, retry_after=MAX_INLINE_WAIT + 1)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(SlackApiError) as refused:
            await web_client(
                recorded.fake.api_url, DEFAULT_TOKEN, session, recorded.pause
            ).auth_test()
    assert refused.value.response.status_code == 429 and recorded.pauses == []
    assert retry_after(refused.value.response.headers) == MAX_INLINE_WAIT + 1


async def test_a_workspaces_client_is_made_once_per_bot_token() -> None:
    """Each send asks for its workspace's client: the same one comes back (its connections
    reused) until the workspace's token changes (rotated), then a new one for the new token."""
    tokens = {"T1": "xoxb-one", "T2": "xoxb-two"}

    class Authorize(AsyncAuthorize):
        async def __call__(self, **kwargs: Any) -> AuthorizeResult:
            team = kwargs["team_id"]
            return AuthorizeResult(enterprise_id=None, team_id=team, bot_token=tokens[team])

    async with aiohttp.ClientSession() as session:
        workspaces = Workspaces("http://127.0.0.1:9/api/", session, authorize=Authorize())
        first = await workspaces.client("T1")
        assert await workspaces.client("T1") is first and first.session is session
        assert (await workspaces.client("T2")).token == "xoxb-two"
        tokens["T1"] = "xoxb-rotated"
        rotated = await workspaces.client("T1")
        assert rotated is not first and rotated.token == "xoxb-rotated"


def test_slack_sdk_is_not_asked_to_format_debug_lines_unless_debugging() -> None:
    """slack-sdk formats every request and answer for a debug line whenever its client's logger
    has no level of its own (it tests `logger.level <= DEBUG`); clients get one that has."""
    sdk = logging.getLogger(SDK_LOGGER)
    assert not web_client(None, "xoxb-1").logger.level <= logging.DEBUG
    before = sdk.level
    sdk.setLevel(logging.DEBUG)
    try:
        # debugging: every line, as slack-sdk writes it
        assert web_client(None, "xoxb-1").logger.isEnabledFor(logging.DEBUG)
    finally:
        sdk.setLevel(before)


# JSON as request bodies hold it: text of any kind (emoji, other scripts, control characters,
# lone surrogates excluded as Python's json can't write them either), numbers, nesting.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), inner, max_size=5),
    max_leaves=20,
)


@given(JSON)
def test_a_request_body_is_written_as_the_json_python_reads_back_unchanged(body: object) -> None:
    assert json.loads(dumps(body)) == body


async def test_a_post_through_the_shared_session_arrives_as_typed(fake_slack: FakeSlack) -> None:
    """The session every client shares writes bodies with `dumps`: text in any script, emoji
    and markup reach Slack as typed, blocks and metadata included."""
    text = "Grüße to Zoë 👋 — 面接 <b>&amp;</b> \"quoted\" \\ tab\tend"
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": text}}]
    metadata = {"event_type": "followup_nudge", "event_payload": {"nudge": "n-1"}}
    async with http_session() as session:
        assert session.timeout == HTTP_TIMEOUT
        client = web_client(fake_slack.api_url, DEFAULT_TOKEN, session)
        await client.api_call(
            "chat.postMessage",
            json={"channel": "D1", "text": text, "blocks": blocks, "metadata": metadata},
        )
    [message] = fake_slack.posted["D1"]
    assert (message["text"], message["blocks"], message["metadata"]) == (text, blocks, metadata)
