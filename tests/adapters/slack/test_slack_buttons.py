"""Buttons: one listener for every `fu:` action; the presser's identity goes to the core, which
checks ownership; the message is replaced when the press changed something."""

from __future__ import annotations

import pytest

from adapters.bootstrap import Runtime
from bot.domain import EventKind, Identity
from tests.adapters.slack.driver import SlackDriver, application_id, text_of
from tests.fakes.slack_api import FakeSlack

ADD = "add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe, Engineering Manager"


async def events(runtime: Runtime, app_id: int) -> list[EventKind]:
    async with runtime.database.unit_of_work() as uow:
        app = await uow.applications.get(app_id)
        return [e.kind for e in app.events] if app else []


@pytest.mark.parametrize(
    ("verb", "expected", "replaces"),
    [
        ("sent", "marked sent", True),
        ("snooze", "snoozed", True),
        ("skip", "skipped", True),
        ("heard", "reply recorded", True),
        ("checklist", "Checklist", False),
        ("draft", "Subject:", False),
    ],
)
async def test_each_button_does_what_its_command_does(
    slack: SlackDriver, runtime: Runtime, verb: str, expected: str, replaces: bool
) -> None:
    await slack.command(ADD)
    app_id = await application_id(runtime)
    hook = await slack.press(f"fu:{verb}:{app_id}")
    assert expected in text_of(hook.body)
    assert hook.body["replace_original"] is replaces
    if not replaces:
        assert hook.body["response_type"] == "in_channel"


async def test_a_changing_press_refreshes_home(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD)
    published = len(fake_slack.calls_to("views.publish"))
    await slack.press(f"fu:sent:{await application_id(runtime)}")
    await fake_slack.wait_for_call("views.publish", count=published + 1)


async def test_another_users_press_changes_nothing(slack: SlackDriver, runtime: Runtime) -> None:
    await slack.command(ADD, user="U1")
    app_id = await application_id(runtime, "U1")
    before = await events(runtime, app_id)
    for verb in ("sent", "skip", "snooze", "heard", "draft", "checklist"):
        hook = await slack.press(f"fu:{verb}:{app_id}", user="U2", channel="CJOBS")
        assert "That button isn't yours" in text_of(hook.body)
        assert hook.body["replace_original"] is False
        assert hook.body["response_type"] == "ephemeral"
        assert "Acme" not in text_of(hook.body)
    assert await events(runtime, app_id) == before


async def test_forget_me_confirmation_buttons(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD)
    prompt = await slack.command("forget-me")
    ids = [
        e["action_id"]
        for b in prompt.body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    forget, cancel = ids
    other = await slack.press(forget, user="U2", channel="CJOBS")
    assert "isn't yours" in text_of(other.body)
    cancelled = await slack.press(cancel)
    assert cancelled.body["replace_original"] is True
    assert "Nothing was deleted" in text_of(cancelled.body)
    done = await slack.press(forget)
    assert done.body["replace_original"] is True
    assert "deleted everything" in text_of(done.body)
    await fake_slack.wait_for(
        lambda: "Welcome to Followup" in str(fake_slack.calls_to("views.publish")[-1:])
    )
    async with runtime.database.unit_of_work() as uow:
        assert await uow.users.find(Identity("slack", "T1", "U1")) is None


async def test_an_unknown_button_is_refused_politely(slack: SlackDriver) -> None:
    hook = await slack.press("fu:explode:1")
    assert "I don't know that button" in text_of(hook.body)
    assert hook.body["replace_original"] is False


async def test_the_home_tab_button_opens_the_form(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    assert await slack.press_on_home("followup:add-form") == 200
    call = await fake_slack.wait_for_call("views.open")
    assert call.params["view"]["callback_id"] == "followup-add"
