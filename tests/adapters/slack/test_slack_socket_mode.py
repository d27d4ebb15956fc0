"""Socket Mode: with SLACK_APP_TOKEN the adapter opens the websocket the fake hands out from
`apps.connections.open`, and acks every envelope with its id."""

from __future__ import annotations

from urllib.parse import parse_qsl

from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack


async def test_socket_mode_connects_with_the_app_token_and_serves_no_http(
    socket_slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    call = fake_slack.calls_to("apps.connections.open")[0]
    assert call.token == "xapp-1-test"
    assert socket_slack.adapter.mode == "socket"
    assert socket_slack.adapter.http_port is None


async def test_a_slash_command_over_the_websocket_is_acked_then_answered(
    socket_slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    payload = dict(
        parse_qsl(
            socket_slack.command_body(
                "add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe", hook="sock-cmd"
            )
        )
    )
    envelope = await fake_slack.send_envelope("slash_commands", payload)
    ack = await fake_slack.wait_for_ack(envelope)
    assert ack["envelope_id"] == envelope
    hook = await fake_slack.wait_for_hook("sock-cmd")
    assert "#1 Acme Corp — Data Engineer" in text_of(hook.body)
    assert hook.body["response_type"] == "in_channel"


async def test_a_button_over_the_websocket_is_acked_then_answered(
    socket_slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    payload = dict(
        parse_qsl(
            socket_slack.command_body(
                "add Acme Corp; Data Engineer; tomorrow 10:00", hook="sock-add"
            )
        )
    )
    await fake_slack.wait_for_ack(await fake_slack.send_envelope("slash_commands", payload))
    added = await fake_slack.wait_for_hook("sock-add")
    draft = next(
        e["action_id"]
        for b in added.body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("fu:draft:")
    )
    envelope = await fake_slack.send_envelope(
        "interactive", socket_slack.action_payload(draft, hook="sock-press")
    )
    assert (await fake_slack.wait_for_ack(envelope))["envelope_id"] == envelope
    hook = await fake_slack.wait_for_hook("sock-press")
    assert "Subject:" in text_of(hook.body)


async def test_an_event_over_the_websocket_is_acked(
    socket_slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    event = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": "Ev1",
        "event_time": 1,
        "event": {
            "type": "app_home_opened",
            "user": "U1",
            "channel": "DU1",
            "tab": "home",
            "event_ts": "1.0",
        },
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    }
    envelope = await fake_slack.send_envelope("events_api", event)
    assert (await fake_slack.wait_for_ack(envelope))["envelope_id"] == envelope
    await fake_slack.wait_for_call("views.publish")
