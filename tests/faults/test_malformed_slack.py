"""Malformed Slack requests: missing fields, wrong types, huge texts, unknown action ids,
replayed or unsigned requests. Each gets a refusal (401 for a bad or stale signature, 400 for
a payload the listeners can't use, 404 for an action nobody handles, or an error reply that
says what was wrong) and nothing in the database changes."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from adapters.bootstrap import Runtime
from storage.models import Base
from tests.adapters.slack.driver import SlackDriver, sign
from tests.fakes.slack_api import FakeSlack

FORM = "application/x-www-form-urlencoded"


async def dump(runtime: Runtime) -> list[str]:
    await runtime.direct_channels.flush()  # DM ids found so far written, not landing in between
    rows = []
    async with runtime.database.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "request_receipts":  # which requests arrived, not what they changed
                continue
            for row in (await session.execute(text(f"SELECT * FROM {table.name}"))).all():
                rows.append(f"{table.name}: {tuple(row)}")
    return rows


@pytest.fixture
async def before(slack: SlackDriver, runtime: Runtime) -> list[str]:
    """U1 has one application; the database as it was before the malformed requests."""
    await slack.command("add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe")
    return await dump(runtime)


def action_body(slack: SlackDriver, action_id: str, **changes: Any) -> str:
    payload = slack.action_payload(action_id, hook="malformed")
    payload.update(changes)
    return urlencode({"payload": json.dumps(payload)})


async def test_unsigned_bad_and_replayed_requests_are_refused(
    slack: SlackDriver, runtime: Runtime, before: list[str], fake_slack: FakeSlack
) -> None:
    body = slack.command_body("delete 1", hook="evil")
    assert (await slack.post(body, FORM, {})).status == 401
    assert (await slack.post(body, FORM, sign(body, secret="guessed"))).status == 401
    # replayed later
    assert (await slack.post(body, FORM, sign(body, int(time.time()) - 10 * 60))).status == 401
    # from the future
    assert (await slack.post(body, FORM, sign(body, int(time.time()) + 10 * 60))).status == 401
    signed = sign(body)
    assert (
        await slack.post(body, FORM, {**signed, "X-Slack-Request-Timestamp": "soon"})
    ).status == 401
    tampered = body.replace("delete+1", "forget-me")
    assert (await slack.post(tampered, FORM, signed)).status == 401  # a signed request, altered
    assert not any(h.name == "evil" for h in fake_slack.hooks)
    assert await dump(runtime) == before


@pytest.mark.parametrize(
    "change",
    [
        {"user_id": ""},
        {"user_id": None},
        {"command": ""},
    ],
    ids=["empty-user", "no-user", "empty-command"],
)
async def test_slash_commands_missing_fields_are_refused(
    slack: SlackDriver, runtime: Runtime, before: list[str], change: dict[str, Any]
) -> None:
    fields = dict(
        pair.split("=", 1) for pair in slack.command_body("delete 1", hook="x").split("&")
    )
    for key, value in change.items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    body = "&".join(f"{k}={v}" for k, v in fields.items())
    response = await slack.post(body, FORM)
    assert response.status in (400, 404)
    assert await dump(runtime) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"user": "U1"},  # a string where an object belongs
        {"user": {"team_id": "T1"}},  # no user id
        {"actions": "fu:sent:1"},  # a string where a list belongs
        {"actions": []},
        {"actions": [{"type": "button", "value": "x"}]},  # no action id
        {"actions": [{"action_id": 42}]},  # a number where text belongs
    ],
    ids=[
        "user-string",
        "user-without-id",
        "actions-string",
        "no-actions",
        "action-without-id",
        "action-id-number",
    ],
)
async def test_button_presses_with_wrong_shapes_are_refused(
    slack: SlackDriver, runtime: Runtime, before: list[str], changes: dict[str, Any]
) -> None:
    response = await slack.post(action_body(slack, "fu:sent:1", **changes), FORM)
    assert response.status == 400
    assert await dump(runtime) == before


async def test_payloads_that_are_not_json_or_not_objects_are_refused(
    slack: SlackDriver, runtime: Runtime, before: list[str]
) -> None:
    for raw in ("{not json", "[1, 2, 3]", '"a string"', "null"):
        response = await slack.post(urlencode({"payload": raw}), FORM)
        assert response.status in (400, 404), (raw, response.status)
    for body, kind in (
        ("{broken", "application/json"),
        ("[]", "application/json"),
        ('{"type": "event_callback"}', "application/json"),
    ):
        response = await slack.post(body, kind)
        assert response.status in (400, 404), (body, response.status)
    assert await dump(runtime) == before


async def test_form_submission_without_its_form_is_refused(
    slack: SlackDriver, runtime: Runtime, before: list[str]
) -> None:
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "view": "followup-add",
    }
    response = await slack.post(urlencode({"payload": json.dumps(payload)}), FORM)
    assert response.status == 400
    assert await dump(runtime) == before


async def test_unknown_action_ids_change_nothing(
    slack: SlackDriver, runtime: Runtime, before: list[str]
) -> None:
    hook = await slack.press("fu:explode:1")
    assert "don't know that button" in json.dumps(hook.body)
    for action_id in (
        "fu:sent:not-a-number",
        "fu:sent:999999999999999999999",
        "fu:",
        "no-such-action",
    ):
        response = await slack.post(action_body(slack, action_id), FORM)
        assert response.status in (200, 404), (action_id, response.status)
    assert await dump(runtime) == before


async def test_huge_texts_get_an_error_reply_or_a_size_refusal(
    slack: SlackDriver, runtime: Runtime, before: list[str]
) -> None:
    hook = await slack.command("add " + "A" * 50_000 + "; Engineer; yesterday 10:00")
    assert "too long" in json.dumps(hook.body).lower() or "200 characters" in json.dumps(hook.body)
    hook = await slack.command("review 1 " + "word " * 20_000)
    assert hook.body  # answered, whatever the verdict
    status, _ = await slack.submit(
        {"company": "B" * 100_000, "role": "Engineer", "when": "tomorrow 10:00"}
    )
    assert status in (200, 413)
    huge = slack.command_body("add " + "C" * 2_000_000, hook="huge")
    assert (await slack.post(huge, FORM)).status == 413  # past the server's request size limit
    assert await dump(runtime) == before
