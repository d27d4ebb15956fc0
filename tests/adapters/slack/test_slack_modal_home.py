"""The add form (valid and invalid submissions) and the App Home tab."""

from __future__ import annotations

from adapters.slack.modal import Origin
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack

VALID = {
    "company": "Acme Corp",
    "role": "Data Engineer",
    "when": "tomorrow 10:00",
    "interviewers": "Jane Doe, Engineering Manager\nSam Lee",
}


async def test_a_valid_form_logs_the_interview_and_answers_where_it_was_opened(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    origin = Origin(fake_slack.response_url("form-origin"), direct=False)
    status, answer = await slack.submit(VALID, metadata=origin.dump())
    assert (status, answer) == (200, {})
    hook = await fake_slack.wait_for_hook("form-origin")
    assert hook.body["response_type"] == "ephemeral"
    assert "#1 Acme Corp — Data Engineer" in text_of(hook.body)
    assert "Jane Doe (Engineering Manager), Sam Lee" in text_of(hook.body)
    await fake_slack.wait_for_call("views.publish")


async def test_a_form_with_nowhere_to_answer_answers_by_dm(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    status, _ = await slack.submit(VALID, metadata=Origin().dump())
    assert status == 200
    call = await fake_slack.wait_for_call("chat.postMessage")
    assert call.params["channel"] == "DU1"
    assert "#1 Acme Corp" in call.params["text"]


async def test_an_unreadable_date_comes_back_under_the_date_field(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    status, answer = await slack.submit(dict(VALID, when="the day after the blue moon"))
    assert status == 200
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"when"}
    listing = await slack.command("list")
    assert "No active applications" in text_of(listing.body)
    assert not fake_slack.calls_to("views.publish")


async def test_missing_and_oversized_fields_come_back_inline(slack: SlackDriver) -> None:
    people = "\n".join(f"Person {i}" for i in range(11))
    status, answer = await slack.submit(
        {"company": "  ", "role": "r" * 201, "when": "tomorrow", "interviewers": people}
    )
    assert status == 200
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"company", "role", "interviewers"}


async def test_the_messages_tab_does_not_publish_home(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    assert (
        await slack.event(
            {
                "type": "app_home_opened",
                "user": "U1",
                "channel": "DU1",
                "tab": "messages",
                "event_ts": "1.0",
            }
        )
        == 200
    )
    assert (
        await slack.event(
            {
                "type": "app_home_opened",
                "user": "U1",
                "channel": "DU1",
                "tab": "home",
                "event_ts": "2.0",
            }
        )
        == 200
    )
    await fake_slack.wait_for_call("views.publish")
    assert len(fake_slack.calls_to("views.publish")) == 1


async def test_the_add_form_offers_the_round_kinds_and_logs_the_picked_one(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await slack.post(slack.command_body("add", hook="kinds"), "application/x-www-form-urlencoded")
    view = (await fake_slack.wait_for_call("views.open")).params["view"]
    [kind] = [b for b in view["blocks"] if b["block_id"] == "kind"]
    assert kind["element"]["type"] == "static_select"
    assert [o["value"] for o in kind["element"]["options"]] == [
        "phone",
        "interview",
        "hiring-manager",
        "panel",
        "final",
    ]
    assert kind["element"]["initial_option"]["value"] == "interview"
    picked = {"type": "static_select", "selected_option": {"value": "hiring-manager"}}
    status, answer = await slack.submit(
        dict(VALID, when="yesterday 10:00", kind=picked), metadata=view["private_metadata"]
    )
    assert (status, answer) == (200, {})
    shown = text_of((await slack.command("show 1")).body)
    assert "(hiring-manager)" in shown and "Jane Doe (Engineering Manager)" in shown


async def test_a_form_field_is_refused_with_the_text_commands_own_message(
    slack: SlackDriver,
) -> None:
    typed = text_of((await slack.command(f"add Acme; {'r' * 201}; tomorrow 10:00")).body)
    status, answer = await slack.submit(
        dict(
            VALID,
            role="r" * 201,
            kind={"type": "static_select", "selected_option": {"value": "dinner"}},
        )
    )
    assert status == 200 and set(answer["errors"]) == {"role", "kind"}
    assert answer["errors"]["role"] == "The role is too long (201 characters; at most 200)."
    assert answer["errors"]["role"] in typed
    assert "No active applications" in text_of((await slack.command("list")).body)
