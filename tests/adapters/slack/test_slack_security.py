"""Request signatures, stale timestamps, and mention injection."""

from __future__ import annotations

import time

from tests.adapters.slack.driver import SlackDriver, sign, text_of
from tests.fakes.slack_api import FakeSlack

EVIL = "<!channel> Corp"


async def test_a_bad_signature_gets_401_and_reaches_nothing(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    body = slack.command_body("list", hook="forged")
    response = await slack.post(
        body, "application/x-www-form-urlencoded", sign(body, secret="not-the-secret")
    )
    assert response.status == 401
    assert not fake_slack.calls_to("users.info")


async def test_a_timestamp_older_than_five_minutes_gets_401(slack: SlackDriver) -> None:
    body = slack.command_body("list", hook="replayed")
    response = await slack.post(
        body, "application/x-www-form-urlencoded", sign(body, int(time.time()) - 6 * 60)
    )
    assert response.status == 401


async def test_a_missing_signature_gets_401(slack: SlackDriver) -> None:
    body = slack.command_body("list", hook="unsigned")
    assert (await slack.post(body, "application/x-www-form-urlencoded", {})).status == 401


async def test_a_hostile_company_name_never_reaches_slack_unescaped(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    hook = await slack.command(
        f"add {EVIL}; <@U999> wrangler; yesterday 10:00; <!here> Jane, @everyone"
    )
    assert "&lt;!channel&gt; Corp" in text_of(hook.body)
    app_id = next(
        e["action_id"] for b in hook.body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ).rsplit(":", 1)[1]
    await slack.command("list")
    await slack.command("show 1")
    await slack.command("draft 1")
    await slack.command("export csv")
    await slack.press(f"fu:checklist:{app_id}")
    status, _ = await slack.submit(
        {"company": "<!here> Inc", "role": "<@U1>", "when": "tomorrow 10:00"}
    )
    assert status == 200
    await fake_slack.wait_for_call("chat.postMessage")
    sent = fake_slack.everything_sent()
    for mention in ("<!channel>", "<!here>", "<@U999>", "<@U1>"):
        assert mention not in sent
    assert "link_names" not in sent and '"parse"' not in sent
