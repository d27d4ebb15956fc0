"""Web API base URLs (SLACK_API_URL) and the OAuth consent page derived from them."""

from __future__ import annotations

import pytest

from adapters.slack.clients import api_base, web_client
from adapters.slack.oauth import authorization_url


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
