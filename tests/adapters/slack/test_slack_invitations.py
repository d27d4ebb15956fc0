"""A calendar invitation shared in the bot's DM, through the real bolt app against the fake
Slack: files.info and the private download with the bot token, the proposal with a "Yes,
log it" button that carries it, nothing stored before the press, and bad files refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from adapters.bootstrap import Runtime
from bot.clock import SimulatedClock
from bot.domain import Identity
from bot.invitation import MAX_BYTES
from tests.adapters.slack.driver import SlackDriver
from tests.bot.calendar.fixtures import fixture
from tests.fakes.slack_api import FakeSlack


def _share(fake: FakeSlack, name: str, content: bytes, **file: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "file_share",
        "channel": "DU1",
        "channel_type": "im",
        "user": "U1",
        "text": "",
        "ts": "1700000001.000100",
        "files": [fake.share_file(name, content, **file)],
    }


async def _applications(runtime: Runtime) -> list[str]:
    async with runtime.database.unit_of_work() as uow:
        user = await uow.users.find(Identity("slack", "T1", "U1"))
        if user is None:
            return []
        return [a.label for a in await uow.applications.list_for_user(user.id, active_only=False)]


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = (
        message["blocks"] if isinstance(message["blocks"], list) else json.loads(message["blocks"])
    )
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_a_shared_invitation_is_proposed_then_logged_by_the_button(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    assert (
        await slack.event(_share(fake_slack, "invite.ics", fixture("outlook_request.ics"))) == 200
    )
    posted = await fake_slack.wait_for_call("chat.postMessage")
    assert fake_slack.calls_to("files.info")[0].params["file"]
    assert (
        "Contoso Analytics" in posted.params["text"] and "Product Analyst" in posted.params["text"]
    )
    assert await _applications(runtime) == []  # nothing before the press
    yes, edit, cancel = _buttons(posted.params)
    assert (yes["text"]["text"], edit["text"]["text"], cancel["text"]["text"]) == (
        "Yes, log it",
        "Edit first",
        "Cancel",
    )
    assert edit["value"] == yes["value"]  # both carry the proposal (see test_slack_shortcuts)

    payload = slack.action_payload(yes["action_id"], hook="yes")
    payload["actions"][0]["value"] = yes["value"]
    response = await slack.post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert response.status == 200
    answer = await fake_slack.wait_for_hook("yes")
    assert (
        "#1 Contoso Analytics — Product Analyst" in answer.body["text"]
        and answer.body["replace_original"] is True
    )
    assert await _applications(runtime) == ["#1 Contoso Analytics — Product Analyst"]


async def test_a_forged_or_stale_button_logs_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    payload = slack.action_payload("fu:import:0", hook="forged")
    payload["actions"][0]["value"] = '{"t":"Add","f":{"company":1}}'
    await slack.post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    answer = await fake_slack.wait_for_hook("forged")
    assert "expired" in answer.body["text"]
    assert await _applications(runtime) == []


async def test_bad_files_are_refused_and_other_files_ignored(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.event(_share(fake_slack, "huge.ics", b"BEGIN:VCALENDAR", size=MAX_BYTES + 1))
    refused = await fake_slack.wait_for_call("chat.postMessage")
    assert "KB" in refused.params["text"] and "Form: import" in refused.params["text"]
    await slack.event(_share(fake_slack, "series.ics", fixture("hostile_recurring.ics")))
    await fake_slack.wait_for_call("chat.postMessage", count=2)
    assert "recurring" in fake_slack.calls_to("chat.postMessage")[-1].params["text"]
    await slack.event(_share(fake_slack, "photo.png", b"\x89PNG", mimetype="image/png"))
    await slack.event(
        {
            **_share(fake_slack, "x.ics", fixture("apple_request.ics")),
            "channel_type": "channel",
            "channel": "C1",
        }
    )
    # a photo, or a file in a channel: not for me
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    # the oversized one was refused by its size before downloading
    assert len(fake_slack.calls_to("files.info")) == 2
    assert await _applications(runtime) == []
