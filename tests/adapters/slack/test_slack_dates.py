"""Dates over Slack: the locale `users.info` reports (asked for with `include_locale`) and the
user's Slack timezone decide how a numeric date is read."""

from __future__ import annotations

from adapters.slack.modal import Origin
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack


async def test_a_british_locale_reads_day_first(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.users["U1"] = {"locale": "en-GB", "tz": "Europe/London"}
    hook = await slack.command("add Acme; Engineer; 12/03 14:00; Jane")
    assert "Interview Wed 12 Mar 14:00 with Jane" in text_of(hook.body)
    assert fake_slack.calls_to("users.info")[0].params["include_locale"] in (True, "true", "1")


async def test_a_us_locale_in_new_york_reads_month_first_and_shows_the_year(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.users["U1"] = {"locale": "en-US", "tz": "America/New_York"}
    hook = await slack.command("add Acme; Engineer; 12/03 14:00; Jane")
    assert "Interview Tue 3 Dec 2024 14:00 with Jane" in text_of(hook.body)


async def test_a_us_locale_on_a_berlin_clock_is_asked_and_settled_by_a_setting(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.users["U1"] = {"locale": "en-US", "tz": "Europe/Berlin"}
    asked = await slack.command("add Acme; Engineer; 12/03 14:00; Jane")
    assert "Is 12/03 the 12 March or the 3 December?" in text_of(asked.body)
    # nothing stored
    assert "You have no application" in text_of((await slack.command("show 1")).body)
    await slack.command("settings dates dmy")
    hook = await slack.command("add Acme; Engineer; 12/03 14:00; Jane")
    assert "Interview Wed 12 Mar 14:00 with Jane" in text_of(hook.body)


def _picked(day: str, start: str, end: str | None = None) -> dict[str, object]:
    values: dict[str, object] = {
        "company": "Acme Corp", "role": "Data Engineer", "interviewers": "Jane Doe",
        "day": {"type": "datepicker", "selected_date": day},
        "start": {"type": "timepicker", "selected_time": start},
    }
    if end:
        values["end"] = {"type": "timepicker", "selected_time": end}
    return values


async def test_the_form_pickers_log_the_round_as_picked(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    status, answer = await slack.submit(_picked("2025-03-11", "14:00", "15:30"))
    assert status == 200 and answer == {}
    dm = await fake_slack.wait_for_call("chat.postMessage")
    assert "Interview Tue 11 Mar 14:00–15:30 with Jane Doe" in str(dm.params)


async def test_a_picked_day_too_far_away_is_refused_under_the_day(slack: SlackDriver) -> None:
    status, answer = await slack.submit(_picked("2027-03-11", "14:00"))
    assert status == 200 and answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"day"} and "2027" in answer["errors"]["day"]
    status, answer = await slack.submit(
        {**_picked("2025-03-11", "14:00"), "start": {"type": "timepicker", "selected_time": None}}
    )
    assert set(answer["errors"]) == {"start"}


async def test_round_alone_opens_a_round_form_with_pickers(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await slack.command("add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe")
    response = await slack.post(
        slack.command_body("round 1", hook="round-form"), "application/x-www-form-urlencoded"
    )
    assert response.status == 200
    call = await fake_slack.wait_for_call("views.open")
    assert call.params["trigger_id"] == "trigger-round-form"
    view = call.params["view"]
    assert view["callback_id"] == "followup-round"
    assert [b["block_id"] for b in view["blocks"]] == [
        "day",
        "start",
        "end",
        "kind",
        "interviewers",
    ]
    assert view["blocks"][1]["element"] == {
        "type": "timepicker",
        "action_id": "value",
        "initial_time": "10:00",
        "timezone": "Europe/Berlin",
    }
    assert Origin.load(view["private_metadata"]).number == 1
    values = {
        **_picked("2025-03-12", "15:00", "16:00"),
        "kind": {"type": "static_select", "selected_option": {"value": "hiring-manager"}},
    }
    del values["company"], values["role"]
    values["interviewers"] = "Sam Lee, Head of Data"
    status, answer = await slack.submit(
        values, metadata=view["private_metadata"], callback_id="followup-round"
    )
    assert status == 200 and answer == {}
    shown = text_of((await slack.command("show 1")).body)
    assert "(hiring-manager): Wed 12 Mar 15:00–16:00 with Sam Lee (Head of Data)" in shown


async def test_round_alone_for_someone_elses_id_opens_nothing(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    hook = await slack.command("round 7")
    assert "You have no application #7" in text_of(hook.body)
    assert not fake_slack.calls_to("views.open")
