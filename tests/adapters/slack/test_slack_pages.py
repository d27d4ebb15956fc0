"""Pages and confirmations on Slack, through the real bolt app against the fake Slack: a long
`list`, `today` or `show` comes in pages far below Slack's block-text limit, "Next ›" and
"‹ Previous" replace the message in place, and delete, skip and forget-me buttons carry a
Block Kit `confirm` dialog with the core's question."""

from __future__ import annotations

import json
from typing import Any

from adapters.bootstrap import Runtime
from bot.domain import Identity
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack, block_text

SLACK_BLOCK_TEXT = 12000  # what chat.postMessage takes at most, all block texts together


def _buttons(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    blocks = body["blocks"] if isinstance(body["blocks"], list) else json.loads(body["blocks"])
    return {e["text"]["text"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


async def _many(slack: SlackDriver, count: int) -> None:
    for n in range(count):
        hook = await slack.command(
            f"add Company {n:02d} & Sons <Ltd>; Analyst; tomorrow 10:00; Jane Doe, Director"
        )
        assert "Company" in text_of(hook.body)


async def test_a_long_list_pages_in_place(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    await _many(slack, 40)
    first = (await slack.command("list")).body
    assert "Page 1 of " in text_of(first) and block_text(first["blocks"]) < SLACK_BLOCK_TEXT // 2
    assert list(_buttons(first)) == ["Next ›"]
    seen = {line for line in text_of(first).splitlines() if line.startswith("#")}

    pressed = _buttons(first)["Next ›"]["action_id"]
    second = (await slack.press(pressed)).body
    assert second["replace_original"] is True  # the page turns where it was pressed
    assert "Page 2 of " in text_of(second) and "‹ Previous" in _buttons(second)
    assert not seen & {line for line in text_of(second).splitlines() if line.startswith("#")}
    assert block_text(second["blocks"]) < SLACK_BLOCK_TEXT // 2


async def test_someone_elses_page_button_shows_them_nothing(slack: SlackDriver) -> None:
    await _many(slack, 40)
    first = (await slack.command("list")).body
    theirs = await slack.press(_buttons(first)["Next ›"]["action_id"], user="U2")
    assert "isn't yours" in text_of(theirs.body) and "Company" not in text_of(theirs.body)


async def test_a_long_show_and_today_page_within_slacks_limit(
    slack: SlackDriver, runtime: Runtime
) -> None:
    await _many(slack, 30)
    people = "; ".join(
        f"Interviewer Number {i} With A Long Name, Head of Something Important {i}"
        for i in range(10)
    )
    for seq in range(4):
        await slack.command(f"round 1; in {seq + 2} days 10:00; panel; {people}")
    show = (await slack.command("show 1")).body
    assert "Page 1 of " in text_of(show) and block_text(show["blocks"]) < SLACK_BLOCK_TEXT // 2
    last = show
    while "Next ›" in _buttons(last):
        last = (await slack.press(_buttons(last)["Next ›"]["action_id"])).body
        assert (
            last["replace_original"] is True and block_text(last["blocks"]) < SLACK_BLOCK_TEXT // 2
        )
    assert "export" in text_of(last)  # the last page says where the whole of it is
    today = (await slack.command("today")).body
    assert block_text(today["blocks"]) < SLACK_BLOCK_TEXT // 2


async def test_delete_skip_and_forget_me_ask_first(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command("add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe")
    delete = _buttons((await slack.command("show 1")).body)["Delete"]
    assert delete["style"] == "danger"
    assert delete["confirm"] == {
        "title": {"type": "plain_text", "text": "Delete this application?", "emoji": True},
        "text": {"type": "plain_text", "text": delete["confirm"]["text"]["text"], "emoji": True},
        "confirm": {"type": "plain_text", "text": "Delete it", "emoji": True},
        "deny": {"type": "plain_text", "text": "Keep it", "emoji": True},
        "style": "danger",
    }
    assert "can't be undone" in delete["confirm"]["text"]["text"]

    await runtime.dispatcher.run_once()  # yesterday's thank-you is due now
    nudge = fake_slack.calls_to("chat.postMessage")[-1].params
    skip = _buttons(nudge)["Skip"]
    assert skip["confirm"]["title"]["text"] == "Skip this email?"
    assert "confirm" not in _buttons(nudge)["Sent"]  # only what destroys asks

    forget = _buttons((await slack.command("forget-me")).body)["Yes, delete everything"]
    assert forget["confirm"]["confirm"]["text"] == "Erase everything"

    # Slack sends the press once the person confirmed: it deletes, in place.
    deleted = await slack.press(delete["action_id"])
    assert deleted.body["replace_original"] is True and "Deleted" in text_of(deleted.body)
    async with runtime.database.unit_of_work() as uow:
        user = await uow.users.find(Identity("slack", "T1", "U1"))
        assert (
            user is not None
            and await uow.applications.list_for_user(user.id, active_only=False) == []
        )
