"""Every Slack request gets an answer, whatever fails: a date at the end of the calendar (the
core's boundary), an export too big to show inline whose upload Slack refuses, a reply
Slack won't take."""

from __future__ import annotations

import pytest

from tests.slack.driver import SlackDriver, text_of


@pytest.mark.parametrize("line", ["add X; Y; 9999-12-31 23:30", "round 1; 31 december 9999 11pm"])
async def test_a_date_at_the_end_of_the_calendar_is_answered(slack: SlackDriver, line: str) -> None:
    await slack.command("add Acme; Engineer; tomorrow 10:00")
    hook = await slack.command(line)
    assert text_of(hook.body)
    listing = await slack.command("list")
    assert "#1 Acme — Engineer" in text_of(listing.body)
    assert "#2" not in text_of(listing.body)
