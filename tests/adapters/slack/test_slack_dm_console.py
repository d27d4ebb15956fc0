"""The bot's DM is a console: a message typed there (`message.im`) runs as a command and is
answered in its thread; messages from bots (the bot's own included), edits, deletions and
joins are ignored. Signed events to the real adapter; answers read from the fake Web API."""

from __future__ import annotations

import itertools
from typing import Any

from adapters.bootstrap import Runtime
from adapters.slack.escape import typed
from tests.adapters.slack.driver import SlackDriver, application_id, text_of
from tests.fakes.slack_api import BOT_USER, FakeSlack

_TS = itertools.count(1)


def typed_message(text: str, *, user: str = "U1", **extra: Any) -> dict[str, Any]:
    ts = f"1700000100.{next(_TS):06d}"
    return {
        "type": "message",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        **extra,
    }


def thread_replies(fake: FakeSlack) -> list[dict[str, Any]]:
    return [
        c.params
        for c in fake.calls_to("chat.postMessage", ok_only=True)
        if c.params.get("thread_ts")
    ]


async def test_a_line_typed_in_the_dm_runs_and_is_answered_in_its_thread(
    slack: SlackDriver, runtime: Runtime
) -> None:
    event = typed_message("add Zeta Labs; Data Engineer; tomorrow 10:00; Jane Doe")
    assert await slack.event(event) == 200
    answer = await slack.fake.wait_for_call("chat.postMessage")
    assert answer.params["channel"] == "DU1" and answer.params["thread_ts"] == event["ts"]
    assert "Zeta Labs" in text_of(answer.params)
    assert await application_id(runtime) > 0  # stored under the person who typed it

    listing = typed_message("list", thread_ts=event["ts"])  # a reply inside the thread
    await slack.event(listing)
    await slack.fake.wait_for(lambda: len(thread_replies(slack.fake)) == 2)
    second = thread_replies(slack.fake)[1]
    assert second["thread_ts"] == event["ts"] and "Zeta Labs" in text_of(second)
    await slack.fake.wait_for_call("views.publish")  # the change refreshed Home


async def test_a_typo_gets_the_same_help_as_the_slash_command(slack: SlackDriver) -> None:
    await slack.event(typed_message("lsit"))
    answer = await slack.fake.wait_for_call("chat.postMessage")
    assert answer.params["thread_ts"] and "list" in text_of(answer.params)


async def test_bots_edits_and_joins_are_ignored(slack: SlackDriver) -> None:
    ignored = [
        typed_message("list", bot_id="B1"),  # our own post or another bot's
        typed_message("list", user=BOT_USER),
        typed_message("list", subtype="bot_message"),
        typed_message("list", subtype="message_changed"),
        typed_message("list", subtype="channel_join"),
        typed_message("list", channel_type="channel", channel="C1"),  # not a DM
        typed_message("   "),
    ]
    for event in ignored:
        assert await slack.event(event) == 200
    real = typed_message("help")
    await slack.event(real)
    await slack.fake.wait_for(lambda: len(thread_replies(slack.fake)) >= 1)
    for event in ignored:  # run through the adapter once more, after the real one is answered
        await slack.event(dict(event, ts=event["ts"] + "9"))
    await slack.event(typed_message("today"))
    await slack.fake.wait_for(lambda: len(thread_replies(slack.fake)) >= 2)
    assert [r["thread_ts"] for r in thread_replies(slack.fake)][0] == real["ts"]
    assert len(slack.fake.calls_to("chat.postMessage")) == 2


async def test_a_retried_event_runs_once(slack: SlackDriver, runtime: Runtime) -> None:
    event = typed_message("add Zeta Labs; Data Engineer; tomorrow 10:00")
    body_status = [
        await slack.event(event, event_id="EvSame"),
        await slack.event(event, event_id="EvSame"),
    ]
    assert body_status == [200, 200]
    await slack.fake.wait_for_call("chat.postMessage")
    await slack.event(typed_message("list"))
    await slack.fake.wait_for(lambda: len(thread_replies(slack.fake)) >= 2)
    assert text_of(thread_replies(slack.fake)[1]).count("Zeta Labs") == 1


def test_typed_text_is_read_back_from_slacks_markup() -> None:
    assert typed("add A &amp; B; PM; <mailto:jo@x.io|jo@x.io>") == "add A & B; PM; jo@x.io"
    assert typed("review 1 see <https://x.io/a|our deck> &lt;3") == "review 1 see our deck <3"
    assert typed("hi <@U2>") == "hi <@U2>"
