"""User text reaches Slack literally on every surface: the reply, the nudge DM, App Home (also
after a press on it), the export block, and the group channel's milestone, board and digest.
Slack's mrkdwn has no way to escape `*`, `_`, `~` or backticks, so every text object that can
carry user text is sent as `plain_text` (only emoji are rendered there); `&`, `<` and `>` are
escaped so nothing can mention anyone; links aren't unfurled; invisible and
bidirectional characters never arrive."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from adapters.bootstrap import Runtime
from bot.clock import SimulatedClock
from tests.adapters.slack.driver import SlackDriver, application_id
from tests.fakes.slack_api import FakeSlack
from tests.hostile import COMPANY, FENCE, INVISIBLE_CHARS, MARKERS

CHANNEL = "C1"


def text_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("type") in ("mrkdwn", "plain_text") and isinstance(value.get("text"), str):
            yield value
        for item in value.values():
            yield from text_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from text_objects(item)


def assert_literal(body: dict[str, Any], where: str) -> None:
    """No text object carrying user text is mrkdwn; nothing invisible; no link syntax."""
    raw = json.dumps(body, ensure_ascii=False)
    assert any(marker in raw for marker in MARKERS), (where, raw[:500])
    for obj in text_objects(body):
        if any(marker in obj["text"] for marker in MARKERS) or "Eng" in obj["text"]:
            assert obj["type"] == "plain_text", (where, obj)
    assert not INVISIBLE_CHARS & set(raw), where
    assert "<https://" not in raw and "<!channel>" not in raw, where


async def test_hostile_text_arrives_literal_on_every_slack_surface(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: SimulatedClock
) -> None:
    fake_slack.users["U1"] = {"real_name": "Ann \u202eAdmin\u200b *x*", "is_admin": True}
    reply = await slack.command(f"add {COMPANY}; {FENCE}; yesterday 10:00; Jane *Doe*")
    assert_literal(reply.body, "reply")
    assert reply.body.get("unfurl_links") is False
    home = await fake_slack.wait_for_call("views.publish")
    assert_literal(home.params["view"], "App Home")
    # answered on Home
    assert await slack.press_on_home(f"fu:show:{await application_id(runtime)}") == 200
    await fake_slack.wait_for(lambda: "fu-result" in json.dumps(fake_slack.home.get("U1")))
    assert_literal(fake_slack.home["U1"], "App Home after a press")

    exported = await slack.command("export csv")
    assert_literal(exported.body, "export")
    # no code fence of ours to break
    assert "```" not in json.dumps(exported.body).replace("```x```", "")

    clock.advance(timedelta(hours=3))
    await runtime.dispatcher.run_once()
    nudge = next(
        c
        for c in fake_slack.calls_to("chat.postMessage", ok_only=True)
        if str(c.params.get("channel", "")).startswith("D")
    )
    assert_literal(nudge.params, "nudge")
    assert nudge.params.get("unfurl_links") is False

    await slack.command("channel on", channel=CHANNEL)
    await slack.command("sent 1")
    await slack.command("share 1", channel=CHANNEL)
    await slack.command("board", channel=CHANNEL)
    await slack.command("digest monday 09:00", channel=CHANNEL)
    clock.advance(timedelta(days=8))
    await runtime.digests.run_once()
    posts = [
        c
        for c in fake_slack.calls_to("chat.postMessage", ok_only=True)
        if c.params.get("channel") == CHANNEL
    ]
    texts = [json.dumps(c.params, ensure_ascii=False) for c in posts]
    assert any("evil.example" in t for t in texts)  # the milestone names the company
    assert any("Ann" in t for t in texts[1:])  # and the board and digest the member
    for post in posts:
        assert_literal(post.params, "channel post") if "evil.example" in json.dumps(
            post.params
        ) else None
        assert not INVISIBLE_CHARS & set(json.dumps(post.params, ensure_ascii=False))
        for obj in text_objects(post.params):
            if "Ann" in obj["text"]:
                assert obj["type"] == "plain_text", obj
