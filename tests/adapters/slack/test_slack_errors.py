"""Every Slack request gets an answer, whatever fails: a date at the end of the calendar (the
core's boundary), an export too big to show inline whose upload Slack refuses, a reply
Slack won't take."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse

import pytest
from sqlalchemy import text

from adapters.bootstrap import Runtime
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack


@pytest.mark.parametrize("line", ["add X; Y; 9999-12-31 23:30", "round 1; 31 december 9999 11pm"])
async def test_a_date_at_the_end_of_the_calendar_is_answered(slack: SlackDriver, line: str) -> None:
    await slack.command("add Acme; Engineer; tomorrow 10:00")
    hook = await slack.command(line)
    assert text_of(hook.body)
    listing = await slack.command("list")
    assert "#1 Acme — Engineer" in text_of(listing.body)
    assert "#2" not in text_of(listing.body)


async def test_a_big_export_whose_upload_slack_refuses_is_still_answered(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    for i in range(12):
        await slack.command(
            f"add Company number {i}; Senior Data Engineer; tomorrow 10:00; Jane Doe, Engineering "
            "Manager"
        )
    fake_slack.fail("files.getUploadURLExternal", error="internal_error")
    hook = await slack.command("export ics")
    assert "couldn't upload followups.ics" in text_of(hook.body) and "Try again" in text_of(
        hook.body
    )


async def test_an_upload_that_fails_with_a_server_error_is_still_answered(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    for i in range(12):
        await slack.command(
            f"add Company number {i}; Senior Data Engineer; tomorrow 10:00; Jane Doe, Engineering "
            "Manager"
        )
    fake_slack.fail("files.getUploadURLExternal", status=500, times=10)
    hook = await slack.command("export ics")
    assert "couldn't upload followups.ics" in text_of(hook.body)


async def test_a_form_whose_command_fails_inside_the_core_says_so_in_the_form(
    slack: SlackDriver, runtime: Runtime
) -> None:
    async with runtime.database.engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TRIGGER full_disk BEFORE INSERT ON applications BEGIN SELECT RAISE(ABORT, "
                "'database or disk is full'); END"
            )
        )
    status, answer = await slack.submit(
        {"company": "Acme", "role": "Engineer", "when": "tomorrow 10:00", "interviewers": ""}
    )
    assert status == 200 and answer["response_action"] == "errors"
    assert "Nothing was changed" in answer["errors"]["company"]
    assert "tomorrow 10:00" not in json.dumps(answer)  # not mistaken for a date problem


async def test_when_no_answer_can_reach_slack_the_failure_is_logged_once(
    slack: SlackDriver, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    body = slack.command_body("list", hook="x").replace("hooks%2Fx", "nowhere")
    body = body.replace(
        urllib.parse.quote(fake_slack.base, safe=""),
        urllib.parse.quote("http://127.0.0.1:9", safe=""),
    )
    fake_slack.fail("chat.postMessage", error="channel_not_found", times=5)
    with caplog.at_level(logging.INFO):
        assert (await slack.post(body, "application/x-www-form-urlencoded")).status == 200
        # the answer, then the failure notice
        await fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.postMessage")) >= 2)
        for _ in range(500):  # the notice's failure is logged right after Slack refused it
            if any(
                r.getMessage() == "couldn't tell the person about the failure: SlackApiError"
                for r in caplog.records
            ):
                break
            await asyncio.sleep(0.01)
    failed = [r for r in caplog.records if r.getMessage() == "slack request failed"]
    assert len(failed) == 1 and failed[0].exc_info is not None
    # bolt's own catch-all never reached
    assert not [r for r in caplog.records if "Failed to run listener" in r.getMessage()]
