"""A NUL, a bidirectional override or a lone surrogate in the Slack add form is removed before
anything is stored: on PostgreSQL a NUL in a text column would otherwise fail the request."""

from __future__ import annotations

import pytest

from adapters.config import Config
from tests.adapters.slack.conftest import slack_config
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def config(database_url: str, fake_slack: FakeSlack) -> Config:
    return slack_config(database_url, fake_slack)


async def test_invisible_characters_in_the_add_form_are_removed_and_the_form_is_accepted(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    values = {
        "company": "Ac\x00me\u202e Corp\ud800",
        "role": "Data\u200b Engineer",
        "when": "tomorrow 10:00",
        "interviewers": "Jane\x00 Doe",
    }
    status, answer = await slack.submit(values)
    assert (status, answer) == (200, {})
    call = await fake_slack.wait_for_call("chat.postMessage")
    assert "#1 Acme Corp — Data Engineer" in call.params["text"]
    listing = await slack.command("show 1")
    assert "Jane Doe" in text_of(listing.body)
