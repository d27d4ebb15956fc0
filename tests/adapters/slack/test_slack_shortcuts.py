"""Shortcuts and the import's "Edit first", through the real bolt app against the fake Slack:
the global shortcut opens the add form; the message shortcut opens it filled in from the
message (or proposes the invitation the message carries); "Edit first" opens the add or
round form filled in from an invitation. Nothing is stored before the form is submitted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Runtime
from adapters.slack.invitations import EDIT_PROPOSAL
from adapters.slack.modal import ADD_FORM, ROUND_FORM, Origin, add_form
from adapters.slack.shortcuts import LOG_FROM_MESSAGE, LOG_INTERVIEW
from bot.clock import SimulatedClock
from bot.domain import DateOrder, Identity
from bot.extract import extract
from tests.adapters.slack.driver import SlackDriver
from tests.bot.calendar.fixtures import fixture
from tests.fakes.slack_api import FakeSlack

RECRUITER = (
    "Hi Alex,\n\nThanks for your interest in the *Senior Data Engineer* role at Northwind "
    "Traders. We'd love to invite you to a technical interview with Priya Shah (Staff Engineer) "
    "and Tom Becker, Engineering Manager.\n\nWould Tuesday, November 10 at 2:00 PM PT work for "
    "you? Reply to <mailto:sarah.kim@northwind.com|sarah.kim@northwind.com>.\n\nBest,\nSarah Kim"
)


async def _stored(runtime: Runtime) -> tuple[bool, list[str]]:
    """Whether the bot knows U1 at all, and their applications."""
    async with runtime.database.unit_of_work() as uow:
        user = await uow.users.find(Identity("slack", "T1", "U1"))
        if user is None:
            return False, []
        return True, [
            a.label for a in await uow.applications.list_for_user(user.id, active_only=False)
        ]


def _element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)


def as_submitted(view: dict[str, Any], **changed: str) -> dict[str, Any]:
    """The state Slack submits for a form the person left as shown (but for `changed` text)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element")
        if block.get("type") != "input" or element is None:
            continue
        kind = element["type"]
        if kind == "plain_text_input":
            values[block["block_id"]] = {
                "type": kind,
                "value": changed.get(block["block_id"], element.get("initial_value")),
            }
        elif kind == "datepicker":
            values[block["block_id"]] = {"type": kind, "selected_date": element.get("initial_date")}
        elif kind == "timepicker":
            values[block["block_id"]] = {"type": kind, "selected_time": element.get("initial_time")}
        elif kind == "static_select":
            values[block["block_id"]] = {
                "type": kind,
                "selected_option": element.get("initial_option"),
            }
    return values


def _buttons(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        e["text"]["text"]: e
        for b in params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


async def test_the_global_shortcut_opens_the_add_form(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    assert await slack.interact(slack.shortcut_payload(LOG_INTERVIEW)) == 200
    opened = await fake_slack.wait_for_call("views.open")
    assert opened.params["view"]["callback_id"] == ADD_FORM
    assert _element(opened.params["view"], "company").get("initial_value") is None
    assert await _stored(runtime) == (False, [])


async def test_a_global_shortcut_whose_form_slack_wont_open_is_answered_by_dm(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("views.open", error="expired_trigger_id")
    await slack.interact(slack.shortcut_payload(LOG_INTERVIEW))
    told = await fake_slack.wait_for_call("chat.postMessage")
    assert told.params["channel"] == "DU1" and "couldn't open the form" in told.params["text"]


async def test_the_message_shortcut_fills_the_form_from_a_recruiters_email(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    payload = slack.message_shortcut_payload(
        LOG_FROM_MESSAGE, {"text": RECRUITER}, hook="from-email"
    )
    assert await slack.interact(payload) == 200
    view = (await fake_slack.wait_for_call("views.open")).params["view"]
    assert view["callback_id"] == ADD_FORM
    assert _element(view, "company")["initial_value"] == "Northwind Traders"
    assert _element(view, "role")["initial_value"] == "Senior Data Engineer"
    assert _element(view, "day")["initial_date"] == "2026-11-10"
    # 2 PM in Los Angeles, in Berlin (the fake's zone)
    assert _element(view, "start")["initial_time"] == "23:00"
    assert (
        _element(view, "interviewers")["initial_value"]
        == "Priya Shah, Staff Engineer\nTom Becker, Engineering Manager"
    )
    assert "Filled in from the message" in json.dumps(view)
    assert await _stored(runtime) == (False, [])  # not even a first-contact user

    status, answer = await slack.submit(as_submitted(view), metadata=view["private_metadata"])
    assert (status, answer) == (200, {})
    hook = await fake_slack.wait_for_hook("from-email")
    assert hook.body["response_type"] == "ephemeral"  # typed in a channel: only for them
    assert await _stored(runtime) == (True, ["#1 Northwind Traders — Senior Data Engineer"])


async def test_a_message_about_nothing_opens_an_empty_form(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.interact(
        slack.message_shortcut_payload(LOG_FROM_MESSAGE, {"text": "<!channel> lunch?"})
    )
    view = (await fake_slack.wait_for_call("views.open")).params["view"]
    assert (
        _element(view, "company").get("initial_value") is None
        and _element(view, "day").get("initial_date") is None
    )
    assert "channel" not in json.dumps(view["blocks"])
    assert await _stored(runtime) == (False, [])


async def test_a_form_slack_wont_open_is_answered(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    fake_slack.fail("views.open", error="expired_trigger_id")
    await slack.interact(
        slack.message_shortcut_payload(LOG_FROM_MESSAGE, {"text": RECRUITER}, hook="late")
    )
    hook = await fake_slack.wait_for_hook("late")
    assert "couldn't open the form" in hook.body["text"]
    assert await _stored(runtime) == (False, [])


async def test_a_message_carrying_an_invitation_gets_its_proposal(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    file = fake_slack.share_file("invite.ics", fixture("outlook_request.ics"), user="U2")
    payload = slack.message_shortcut_payload(
        LOG_FROM_MESSAGE, {"text": "see invite", "files": [file]}, hook="ics"
    )
    await slack.interact(payload)
    hook = await fake_slack.wait_for_hook("ics")
    assert "Contoso Analytics" in hook.body["text"] and hook.body["response_type"] == "ephemeral"
    assert list(_buttons(hook.body)) == ["Yes, log it", "Edit first", "Cancel"]
    assert fake_slack.calls_to("views.open") == []  # the proposal, not the text form
    assert (await _stored(runtime))[1] == []


async def _share(
    slack: SlackDriver, fake_slack: FakeSlack, name: str, count: int
) -> dict[str, Any]:
    """Share an invitation in the bot's DM; the proposal posted (the `count`th post)."""
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": "DU1",
        "channel_type": "im",
        "user": "U1",
        "text": "",
        "ts": f"1700000001.{count:06d}",
        "files": [fake_slack.share_file(name, fixture(name))],
    }
    await slack.event(event)
    return (await fake_slack.wait_for_call("chat.postMessage", count=count)).params


async def _edit_first(
    slack: SlackDriver, fake_slack: FakeSlack, proposal: dict[str, Any], hook: str, opened: int = 1
) -> dict[str, Any]:
    edit = _buttons(proposal)["Edit first"]
    assert edit["action_id"] == EDIT_PROPOSAL
    press = slack.action_payload(EDIT_PROPOSAL, hook=hook)
    press["actions"][0]["value"] = edit["value"]
    assert await slack.interact(press) == 200
    return dict((await fake_slack.wait_for_call("views.open", count=opened)).params["view"])


async def test_edit_first_opens_the_filled_form_and_the_edited_round_stays_linked(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    proposal = await _share(slack, fake_slack, "outlook_request.ics", 1)
    view = await _edit_first(slack, fake_slack, proposal, "edit")
    assert view["callback_id"] == ADD_FORM
    assert (
        _element(view, "company")["initial_value"],
        _element(view, "role")["initial_value"],
    ) == ("Contoso Analytics", "Product Analyst")
    assert _element(view, "day")["initial_date"] and _element(view, "start")["initial_time"]
    assert Origin.load(view["private_metadata"]).invitation is not None
    assert (await _stored(runtime))[1] == []

    status, _ = await slack.submit(
        as_submitted(view, role="Senior Product Analyst"), metadata=view["private_metadata"]
    )
    assert status == 200
    answer = await fake_slack.wait_for_hook("edit")
    assert answer.body["replace_original"] is True  # the proposal becomes the answer
    assert (await _stored(runtime))[1] == ["#1 Contoso Analytics — Senior Product Analyst"]

    update = await _share(slack, fake_slack, "outlook_update.ics", 2)
    assert "round 1 change 1" in update["text"]  # the edited round is the invitation's


async def test_edit_first_on_a_further_round_opens_the_round_form(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    await slack.command("add Contoso Analytics; Product Analyst; yesterday 10:00; Hannah Schulz")
    proposal = await _share(slack, fake_slack, "outlook_request.ics", 1)
    view = await _edit_first(slack, fake_slack, proposal, "round")
    assert view["callback_id"] == ROUND_FORM and Origin.load(view["private_metadata"]).number == 1
    status, _ = await slack.submit(
        as_submitted(view), metadata=view["private_metadata"], callback_id=ROUND_FORM
    )
    assert status == 200
    answer = await fake_slack.wait_for_hook("round")
    assert "round 2 logged" in answer.body["text"]
    again = await _share(slack, fake_slack, "outlook_request.ics", 2)
    assert "already logged as round 2" in again["text"]


async def test_edit_first_with_a_forged_value_opens_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    press = slack.action_payload(EDIT_PROPOSAL, hook="forged")
    press["actions"][0]["value"] = '{"t":"Delete","f":{"number":1}}'
    await slack.interact(press)
    hook = await fake_slack.wait_for_hook("forged")
    assert "expired" in hook.body["text"] and fake_slack.calls_to("views.open") == []
    assert (await _stored(runtime))[1] == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["Europe/Berlin", "America/New_York"]))
def test_any_message_gives_a_form_slack_accepts(text: str, zone: str) -> None:
    """The filled form always passes slack-sdk's Block Kit checks (lengths, formats)."""
    draft = extract(
        RECRUITER + text,
        tz=ZoneInfo(zone),
        now=datetime(2026, 11, 2, tzinfo=UTC),
        order=DateOrder.DMY,
    )
    view = add_form(
        Origin("https://hooks.example/x", False), zone, draft, source="the message"
    ).to_dict()
    assert view["callback_id"] == ADD_FORM
