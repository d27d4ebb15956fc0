"""Dates over Slack: the locale `users.info` reports (asked for with `include_locale`) and the
user's Slack timezone decide how a numeric date is read."""

from __future__ import annotations

from tests.fakes.slack_api import FakeSlack
from tests.slack.driver import SlackDriver, text_of


async def test_a_british_locale_reads_day_first(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.users["U1"] = {"locale": "en-GB", "tz": "Europe/London"}
    hook = await slack.command("add Acme; Engineer; 12/03 14:00; Jane")
    assert "Interview Wed 12 Mar 14:00 with Jane" in text_of(hook.body)
    assert fake_slack.calls_to("users.info")[0].params["include_locale"] in (True, "true", "1")


async def test_a_us_locale_in_new_york_reads_month_first_and_shows_the_year(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.users["U1"] = {"locale": "en-US", "tz": "America/New_York"}
    hook = await slack.command("add Acme; Engineer; 12/03 14:00; Jane")
    assert "Interview Tue 3 Dec 2024 14:00 with Jane" in text_of(hook.body)


async def test_a_us_locale_on_a_berlin_clock_is_asked_and_settled_by_a_setting(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.users["U1"] = {"locale": "en-US", "tz": "Europe/Berlin"}
    asked = await slack.command("add Acme; Engineer; 12/03 14:00; Jane")
    assert "Is 12/03 the 12 March or the 3 December?" in text_of(asked.body)
    assert "You have no application" in text_of((await slack.command("show 1")).body)  # nothing stored
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


async def test_the_form_pickers_log_the_round_as_picked(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    status, answer = await slack.submit(_picked("2025-03-11", "14:00", "15:30"))
    assert status == 200 and answer == {}
    dm = await fake_slack.wait_for_call("chat.postMessage")
    assert "Interview Tue 11 Mar 14:00–15:30 with Jane Doe" in str(dm.params)


async def test_a_picked_day_too_far_away_is_refused_under_the_day(slack: SlackDriver) -> None:
    status, answer = await slack.submit(_picked("2027-03-11", "14:00"))
    assert status == 200 and answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"day"} and "2027" in answer["errors"]["day"]
    status, answer = await slack.submit({**_picked("2025-03-11", "14:00"), "start": {"type": "timepicker", "selected_time": None}})
    assert set(answer["errors"]) == {"start"}
