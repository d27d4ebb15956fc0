"""Every command as a signed `/followup` over HTTP: acked, answered through the
response_url (ephemeral in channels, a normal message in the bot's DM), Home refreshed after
changes, files delivered, the form opened for a bare `add`."""

from __future__ import annotations

import pytest

from adapters.bootstrap import Runtime
from bot.domain import Identity
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack

ADD = "add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe, Engineering Manager"

# (command, text the answer must contain)
COMMANDS = [
    ("help", "Followup — your interview follow-up coach"),
    ("help add", "Example: add Acme Corp"),
    ("round 1; tomorrow 14:00-15:30; hiring-manager; Sam Lee, Head of Data", "round 2 logged"),
    ("list", "Your applications (1 active)"),
    ("show 1", "Round 1 (interview)"),
    ("today", "This week"),
    ("checklist 1", "Checklist"),
    ("checklist value-add", "Checklist — Value-add follow-up"),
    ("draft 1", "Subject: Thank you"),
    ("review 1 Hi Jane, just checking in", "Not ready yet"),
    ("sent 1 next friday", "did you already send the thank-you?"),  # the round is tomorrow
    ("heard 1 Jane replied", "reply recorded"),
    ("snooze 1 2d", "snoozed"),
    ("skip 1", "skipped"),
    ("status 1 offer", "Congratulations on the offer"),
    ("settings", "Nudge hour: 09:00"),
    ("settings tz America/New_York hour 08:30", "Settings saved"),
    ("export", "as CSV"),
    ("export ics", "as a calendar file"),
    ("delete 1", "Deleted #1 Acme Corp"),
    ("forget-me", "Delete everything I store about you?"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    COMMANDS,
    ids=[c[0].split()[0] + "-" + str(i) for i, c in enumerate(COMMANDS)],
)
async def test_every_command_is_answered_in_the_dm(
    slack: SlackDriver, text: str, expected: str
) -> None:
    await slack.command(ADD)
    hook = await slack.command(text)
    assert expected in text_of(hook.body)
    assert hook.body["response_type"] == "in_channel"  # the bot's own DM: a normal message
    assert hook.body["blocks"][0]["type"] == "header"


async def test_add_replies_with_the_plan_in_the_users_slack_timezone(slack: SlackDriver) -> None:
    hook = await slack.command(ADD)
    text = text_of(hook.body)
    assert text.startswith("#1 Acme Corp — Data Engineer")
    assert "thank-you to Jane Doe" in text
    assert "until you set your timezone" not in text  # users.info gave Europe/Berlin
    assert slack.fake.calls_to("users.info")[0].params["user"] == "U1"
    buttons = [
        e["action_id"] for b in hook.body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["fu:checklist:1:r1:ty", "fu:draft:1:r1:ty"]


async def test_in_a_channel_every_answer_is_ephemeral(slack: SlackDriver) -> None:
    hook = await slack.command(ADD, channel="CJOBS")
    assert hook.body["response_type"] == "ephemeral"
    hook = await slack.command("list", channel="CJOBS")
    assert hook.body["response_type"] == "ephemeral"


async def test_a_dm_between_people_is_not_the_bots_dm(slack: SlackDriver) -> None:
    hook = await slack.command("help", channel="DOTHERPERSON")
    assert hook.body["response_type"] == "ephemeral"


async def test_bad_input_says_what_is_wrong_and_stores_nothing(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    hook = await slack.command("add Acme; Engineer; gibberish o'clock")
    assert "⚠️" in hook.body["blocks"][0]["text"]["text"]
    assert "Example:" in text_of(hook.body)
    listing = await slack.command("list")
    assert "No active applications" in text_of(listing.body)
    assert not fake_slack.calls_to("views.publish")


async def test_home_is_refreshed_after_a_change_only(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await slack.command("list")
    assert not fake_slack.calls_to("views.publish")
    await slack.command(ADD)
    call = await fake_slack.wait_for_call("views.publish")
    assert call.params["user_id"] == "U1"
    assert "Acme Corp" in str(call.params["view"])


async def test_add_without_text_opens_the_form(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    body = slack.command_body("add", hook="form")
    response = await slack.post(body, "application/x-www-form-urlencoded")
    assert response.status == 200
    call = await fake_slack.wait_for_call("views.open")
    assert call.params["trigger_id"] == "trigger-form"
    view = call.params["view"]
    assert view["callback_id"] == "followup-add"
    assert [b["block_id"] for b in view["blocks"]] == [
        "company",
        "role",
        "day",
        "start",
        "end",
        "kind",
        "interviewers",
    ]
    assert [b["element"]["type"] for b in view["blocks"][2:5]] == [
        "datepicker",
        "timepicker",
        "timepicker",
    ]
    assert view["blocks"][3]["element"]["timezone"] == "Europe/Berlin"  # the user's Slack timezone
    assert not [h for h in fake_slack.hooks if h.name == "form"]


async def test_when_the_form_cant_open_the_command_form_is_explained(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("views.open", error="expired_trigger_id")
    hook = await slack.command("add")
    assert "Give me the company, the role and when" in text_of(hook.body)


async def test_a_small_export_is_shown_inline(slack: SlackDriver) -> None:
    await slack.command(ADD)
    hook = await slack.command("export csv")
    file_block = next(b for b in hook.body["blocks"] if b.get("block_id") == "fu-file")
    # literal
    assert file_block["text"] == {
        "type": "plain_text",
        "emoji": True,
        "text": file_block["text"]["text"],
    }
    assert file_block["text"]["text"].startswith("followup.csv\nid,company,role")
    assert "Acme Corp" in file_block["text"]["text"]


async def test_a_big_export_is_uploaded_to_the_dm(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    for i in range(12):
        await slack.command(
            f"add Company number {i}; Senior Data Engineer; tomorrow 10:00; Jane Doe, Engineering "
            "Manager"
        )
    hook = await slack.command("export ics")
    assert "followups.ics is in our direct messages" in text_of(hook.body)
    complete = await fake_slack.wait_for_call("files.completeUploadExternal")
    assert complete.params["channel_id"] == "DU1"
    content = b"".join(fake_slack.uploads.values()).decode()
    assert content.startswith("BEGIN:VCALENDAR")


async def test_forget_me_confirmed_clears_home_without_storing_the_user_again(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD)
    hook = await slack.command("forget-me confirm")
    assert "deleted everything" in text_of(hook.body)
    await fake_slack.wait_for_call("views.publish", count=2)
    assert "Welcome to Followup" in str(fake_slack.calls_to("views.publish")[-1].params["view"])
    async with runtime.database.unit_of_work() as uow:
        assert await uow.users.find(Identity("slack", "T1", "U1")) is None
