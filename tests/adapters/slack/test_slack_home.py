"""App Home as a dashboard, against the fake Slack: a card per application with its own
buttons, presses answered on Home itself (published again, in place, with the result on top),
the owner checked on every press, and pages when there are many applications."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from adapters.bootstrap import Runtime
from adapters.slack.home import home_view
from bot import paging
from bot.actions import Verb, action
from bot.content import copy_text
from bot.dashboard import CARD_VERBS, Card, Dashboard
from bot.domain import EventKind, Identity
from bot.messages import Field, Message, Page, Tone
from tests.adapters.slack.driver import SlackDriver, application_id
from tests.fakes.slack_api import FakeSlack

ADD = "add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe, Engineering Manager"
LATER = "add Beta & <Co>; PM; 2025-03-20 10:00"


def texts(view: dict[str, Any]) -> list[str]:
    """The text of every section, header and context of a view, in order."""
    found = []
    for block in view["blocks"]:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found += [
            e["text"]
            for e in block.get("elements") or []
            if e.get("type") in ("plain_text", "mrkdwn")
        ]
    return found


def buttons_under(view: dict[str, Any], block_id: str) -> list[str]:
    """The action ids of the actions block right after the block `block_id`."""
    blocks = view["blocks"]
    at = next(i for i, b in enumerate(blocks) if b.get("block_id") == block_id)
    assert blocks[at + 1]["type"] == "actions"
    return [e["action_id"] for e in blocks[at + 1]["elements"]]


def published(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    """Every Home view published for `user`, oldest first."""
    return [
        c.params["view"] for c in fake.calls_to("views.publish") if c.params.get("user_id") == user
    ]


def has_result(view: dict[str, Any]) -> bool:
    return any(b.get("block_id") == "fu-result" for b in view["blocks"])


async def open_home(
    slack: SlackDriver, fake: FakeSlack, user: str = "U1", *, changes: int = 0
) -> dict[str, Any]:
    """Open the Home tab. `changes`: how many changing commands came first (each publishes Home
    once, after its answer): those are waited for, so the view returned is the opening's own."""
    await fake.wait_for(lambda: len(published(fake, user)) >= changes)
    before = len(published(fake, user))
    assert (
        await slack.event(
            {
                "type": "app_home_opened",
                "user": user,
                "channel": f"D{user}",
                "tab": "home",
                "event_ts": "1.0",
            }
        )
        == 200
    )
    await fake.wait_for(lambda: len(published(fake, user)) > before)
    return published(fake, user)[-1]


async def press(
    slack: SlackDriver,
    fake: FakeSlack,
    action_id: str,
    user: str = "U1",
    until: Callable[[dict[str, Any]], bool] = has_result,
) -> dict[str, Any]:
    """Press a button on Home; the view it published (the first since the press that `until`
    accepts: a refresh after some earlier command carries no result)."""
    before = len(published(fake, user))
    assert await slack.press_on_home(action_id, user=user) == 200

    def answered() -> dict[str, Any] | None:
        return next((v for v in published(fake, user)[before:] if until(v)), None)

    await fake.wait_for(lambda: answered() is not None)
    view = answered()
    assert view is not None
    return view


def on_page(page: int) -> Callable[[dict[str, Any]], bool]:
    return lambda view: json.loads(view["private_metadata"])["page"] == page


async def test_each_application_has_its_card_with_its_own_buttons_in_the_persons_zone(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(LATER)
    await slack.command(ADD)
    view = await open_home(slack, fake_slack, changes=2)
    shown = texts(view)
    assert shown[0] == "Your applications (2 active)"
    acme, beta = await application_id(runtime, number=2), await application_id(runtime, number=1)
    # the one due first, its times in the person's zone (Berlin: the UTC clock says 08:00)
    cards = [t for t in shown if t.startswith("#")]
    assert cards == [
        "#2 Acme Corp — Data Engineer\nStep: thank-you to Jane Doe · due now, send by today "
        "12:00\nNext nudge: today 12:00",
        "#1 Beta &amp; &lt;Co&gt; — PM\nStep: thank-you · Thu 20 Mar 12:00\nNext nudge: Thu 20 "
        "Mar 12:00",
    ]
    verbs = ["sent", "snooze", "draft", "checklist", "show", "skip", "delete"]
    unbound = ("show", "delete")
    assert buttons_under(view, "fu-card-2") == [
        f"fu:{v}:{acme}" + ("" if v in unbound else ":r1:ty") for v in verbs
    ]
    assert buttons_under(view, "fu-card-1") == [
        f"fu:{v}:{beta}" + ("" if v in unbound else ":r1:ty") for v in verbs
    ]
    assert buttons_under(view, "fu-title") == ["followup:add-form", "followup:settings"]
    assert any(t.startswith("Your settings\nTimezone: Europe/Berlin") for t in shown)


async def test_a_press_on_home_updates_home_in_place_with_the_result_on_top(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD)
    app_id = await application_id(runtime)
    await open_home(slack, fake_slack, changes=1)
    posted = len(fake_slack.calls_to("chat.postMessage"))
    view = await press(slack, fake_slack, f"fu:sent:{app_id}:r1:ty")
    shown = texts(view)
    # right under the title
    assert shown[1] == "✅ #1 Acme Corp — Data Engineer: thank-you marked sent"
    assert [b["block_id"] for b in view["blocks"][:3]] == [
        "fu-title",
        "fu-home-toolbar",
        "fu-result",
    ]
    # the card moved on
    assert any(t.startswith("#1 Acme Corp — Data Engineer\nStep: value-add") for t in shown)
    assert len(fake_slack.calls_to("chat.postMessage")) == posted  # no DM
    async with runtime.database.unit_of_work() as uow:
        app = await uow.applications.get(app_id)
        assert app is not None and [e.kind for e in app.events].count(EventKind.SENT) == 1
    # the next press shows its own result, not the previous one
    draft = texts(await press(slack, fake_slack, buttons_under(view, "fu-card-1")[2]))
    assert "thank-you marked sent" not in " ".join(draft)
    assert any("Subject:" in t for t in draft)
    assert len(fake_slack.calls_to("chat.postMessage")) == posted


async def test_a_read_press_shows_its_text_on_home(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD)
    app_id = await application_id(runtime)
    await open_home(slack, fake_slack, changes=1)
    checklist = " ".join(texts(await press(slack, fake_slack, f"fu:checklist:{app_id}:r1:ty")))
    assert "☐ Write one separate email to each person" in checklist
    shown = texts(await press(slack, fake_slack, f"fu:show:{app_id}"))
    assert shown[1] == "#1 Acme Corp — Data Engineer"
    assert any("Round 1 (interview)" in t for t in shown)


async def test_a_press_on_someone_elses_application_changes_nothing_and_says_so_on_home(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD, user="U1")
    await slack.command("add Globex; Analyst; yesterday 11:00", user="U2")
    await fake_slack.wait_for(lambda: len(published(fake_slack, "U1")) == 1)
    app_id = await application_id(runtime, "U1")
    for verb in ("sent:{}:r1:ty", "skip:{}:r1:ty", "snooze:{}:r1:ty", "draft:{}:r1:ty", "show:{}"):
        view = await press(slack, fake_slack, "fu:" + verb.format(app_id), user="U2")
        shown = " ".join(texts(view))
        assert "That button isn't yours." in shown
        assert "Acme" not in str(view) and "Jane" not in str(view)
        assert "Globex" in shown  # U2's own dashboard, still there under the answer
    async with runtime.database.unit_of_work() as uow:
        app = await uow.applications.get(app_id)
        assert app is not None and not [e for e in app.events if e.kind is not EventKind.CREATED]
    assert len(published(fake_slack, "U1")) == 1  # U1's Home untouched by U2's presses


async def test_a_press_that_fails_still_gets_an_answer_on_home(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD)
    await open_home(slack, fake_slack, changes=1)
    unknown = texts(await press(slack, fake_slack, "fu:explode:1"))
    assert unknown[1].startswith("⚠️ I don't know that button.")
    await slack.command("sent 1")  # the thank-you is done: its old button finds nothing to do
    app_id = await application_id(runtime)
    stale = " ".join(texts(await press(slack, fake_slack, f"fu:skip:{app_id}:r1:ty")))
    assert "skipped" not in stale and "#1 Acme Corp" in stale


async def test_when_home_cannot_be_published_the_answer_comes_by_dm(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD)
    app_id = await application_id(runtime)
    await open_home(slack, fake_slack, changes=1)
    posted = len(fake_slack.calls_to("chat.postMessage"))
    fake_slack.fail("views.publish", error="internal_error")
    assert await slack.press_on_home(f"fu:sent:{app_id}:r1:ty") == 200
    dm = await fake_slack.wait_for_call("chat.postMessage", count=posted + 1)
    assert dm.params["channel"] == "DU1" and "marked sent" in dm.params["text"]


def pager(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, action id) of the page buttons."""
    block = next((b for b in view["blocks"] if b.get("block_id") == "fu-home-pages"), None)
    return [(e["text"]["text"], e["action_id"]) for e in block["elements"]] if block else []


async def test_many_applications_come_in_the_cores_pages_and_a_press_stays_on_its_page(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    count = paging.HOME.lines * 2 + 3
    for i in range(count):
        await slack.command(f"add Company {i:02d}; Role; 2025-04-{i % 28 + 1:02d} 10:00")
    first = await open_home(slack, fake_slack, changes=count)
    assert len(first["blocks"]) <= 100
    cards = [t.split(" —")[0] for t in texts(first) if t.startswith("#")]
    assert len(cards) == paging.HOME.lines
    assert "Page 1 of 3." in texts(first)
    owner = (await stored_user(runtime)).id
    assert pager(first) == [("Next ›", f"fu:page:{owner}:home.2")]
    second = await press(slack, fake_slack, f"fu:page:{owner}:home.2", until=on_page(2))
    assert not has_result(second)  # a page press shows the page, nothing else
    assert "Page 2 of 3." in texts(second)
    assert pager(second) == [
        ("‹ Previous", f"fu:page:{owner}:home.1"),
        ("Next ›", f"fu:page:{owner}:home.3"),
    ]
    later = [t.split(" —")[0] for t in texts(second) if t.startswith("#")]
    assert not set(later) & set(cards)
    snooze = buttons_under(second, f"fu-card-{later[0].split()[0][1:]}")[1]
    after = await press(slack, fake_slack, snooze)
    assert "Page 2 of 3." in texts(after) and "snoozed" in texts(after)[1]
    # someone else's page button shows them nothing of this person's
    await slack.command("add Globex; Analyst; tomorrow 10:00", user="U2")
    refused = await press(slack, fake_slack, f"fu:page:{owner}:home.2", user="U2")
    assert "That button isn't yours." in texts(refused)[1] and "Company" not in str(refused)
    # a stale page (applications deleted since) shows the last page there is
    for number in range(1, paging.HOME.lines + 4):
        await slack.command(f"delete {number}")
    stale = await press(slack, fake_slack, f"fu:page:{owner}:home.3", until=on_page(1))
    assert (
        pager(stale) == []
        and len([t for t in texts(stale) if t.startswith("#")]) == paging.HOME.lines
    )


async def test_skip_and_delete_ask_first_and_delete_answers_on_home(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD)
    app_id = await application_id(runtime)
    view = await open_home(slack, fake_slack, changes=1)
    elements = {
        e["action_id"]: e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    for verb, key in (("skip", f"fu:skip:{app_id}:r1:ty"), ("delete", f"fu:delete:{app_id}")):
        confirm = elements[key]["confirm"]
        assert confirm["style"] == "danger"
        assert {confirm[k]["type"] for k in ("title", "text", "confirm", "deny")} == {"plain_text"}
        assert confirm["title"]["text"] == copy_text()["confirm"][verb]["title"]
    assert all(
        "confirm" not in e
        for k, e in elements.items()
        if k.split(":")[1] in ("sent", "snooze", "draft", "checklist", "show")
    )
    deleted = texts(await press(slack, fake_slack, f"fu:delete:{app_id}"))
    assert deleted[1] == "✅ Deleted #1 Acme Corp — Data Engineer"
    assert not [t for t in deleted if t.startswith("#1 ")]


async def stored_user(runtime: Runtime, user: str = "U1") -> Any:
    async with runtime.database.unit_of_work() as uow:
        found = await uow.users.find(Identity("slack", "T1", user))
        assert found is not None
        return found


def test_a_long_result_and_a_full_page_fit_one_home_view() -> None:
    buttons = tuple(action(v, 1, "r1:ty") for v in CARD_VERBS)
    cards = tuple(
        Card(n, "C" * 300, "R" * 200, "thank-you", "due now", "today 12:00", buttons)
        for n in range(1, paging.HOME.lines + 1)
    )
    pages = paging.page_actions(paging.View.HOME, 1, 2, 3)
    board = Dashboard(
        Message(title="Your applications (59 active)"),
        cards,
        (Field("Timezone", "UTC"),),
        Page("home", 2, 3),
        pages,
        "Page 2 of 3.",
    )
    long = Message(
        title="Draft",
        body="\n".join("x" * 200 for _ in range(400)),
        tone=Tone.INFO,
        actions=(action(Verb.SENT_EARLY, 1, "r1:ty"),),
    )
    view = home_view(board, result=long).to_dict()  # slack_sdk checks every block's limits
    assert len(view["blocks"]) <= 100
    cards_shown = [
        b
        for b in view["blocks"]
        if b.get("block_id", "").startswith("fu-card-") and b["type"] == "section"
    ]
    assert len(cards_shown) == paging.HOME.lines
    assert [b.get("block_id") for b in view["blocks"][-3:]] == [
        "fu-home-pages",
        "fu-home-page",
        "fu-home-settings",
    ]


async def test_the_form_opened_from_home_answers_on_home(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await open_home(slack, fake_slack)  # a stranger's welcome: the button is there too
    assert await slack.press_on_home("followup:add-form") == 200
    form = (await fake_slack.wait_for_call("views.open")).params["view"]
    before = len(published(fake_slack, "U1"))
    values = {
        "company": "Acme Corp",
        "role": "Data Engineer",
        "when": "tomorrow 10:00",
        "interviewers": "Jane Doe",
    }
    status, answer = await slack.submit(values, metadata=form["private_metadata"])
    assert (status, answer) == (200, {})
    await fake_slack.wait_for(
        lambda: any(has_result(v) for v in published(fake_slack, "U1")[before:])
    )
    shown = texts(next(v for v in published(fake_slack, "U1")[before:] if has_result(v)))
    assert shown[1] == "✅ #1 Acme Corp — Data Engineer"
    assert any(
        t.startswith("#1 Acme Corp — Data Engineer\nStep: thank-you to Jane Doe") for t in shown
    )
    assert not fake_slack.calls_to("chat.postMessage")  # no DM


async def test_when_the_form_cannot_open_home_says_so(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD)
    await open_home(slack, fake_slack, changes=1)
    fake_slack.fail("views.open", error="expired_trigger_id")
    shown = texts(await press(slack, fake_slack, "followup:add-form"))
    assert shown[1].startswith("⚠️") and not fake_slack.calls_to("chat.postMessage")
