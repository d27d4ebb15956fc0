"""The settings modal opened from Home, against the fake Slack: filled with the person's
settings; the timezone select's options loaded as the person types (`block_suggestion`, over
HTTP and over Socket Mode); a submission checked by the core's own `settings` rules, refused
under its field with nothing saved, or saved and answered on Home."""

from __future__ import annotations

import json
from datetime import time
from typing import Any
from urllib.parse import urlencode

from adapters.bootstrap import Runtime
from adapters.slack.settings_modal import (
    SETTINGS_FORM,
    TIMEZONE_ACTION,
    read_settings,
    settings_form,
)
from bot import commands as c
from bot.domain import DateOrder, DeliverySettings, TimezoneSource
from tests.adapters.slack.driver import SlackDriver, sign, text_of
from tests.adapters.slack.test_slack_home import has_result, open_home, press, stored_user, texts
from tests.fakes.slack_api import FakeSlack

ADD = "add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe"


def picked(time: str | None) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": time}


def chosen(value: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }


def ticked(*values: str) -> dict[str, Any]:
    return {
        "type": "checkboxes",
        "selected_options": [
            {"value": v, "text": {"type": "plain_text", "text": v}} for v in values
        ],
    }


def form(
    *,
    tz: str = "Europe/Berlin",
    hour: str = "09:00",
    quiet: tuple[str | None, str | None] = ("20:00", "08:00"),
    quiet_off: bool = False,
    weekends: bool = False,
    dates: str = "auto",
) -> dict[str, Any]:
    """The modal's state as Slack submits it."""
    return {
        "timezone": {
            "type": "external_select",
            "selected_option": {"value": tz, "text": {"type": "plain_text", "text": tz}},
        },
        "hour": picked(hour),
        "quiet_start": picked(quiet[0]),
        "quiet_end": picked(quiet[1]),
        "quiet_off": ticked("off") if quiet_off else ticked(),
        "weekends": ticked("on") if weekends else ticked(),
        "dates": chosen(dates),
    }


async def open_settings(slack: SlackDriver, fake: FakeSlack) -> dict[str, Any]:
    opened = len(fake.calls_to("views.open"))
    assert await slack.press_on_home("followup:settings") == 200
    call = await fake.wait_for_call("views.open", count=opened + 1)
    assert call.params["trigger_id"]
    view: dict[str, Any] = call.params["view"]
    return view


def element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in view["blocks"] if b["block_id"] == block_id)["element"]
    return found


async def test_the_settings_button_opens_the_modal_filled_with_the_persons_settings(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD)
    await slack.command("settings hour 08:30 quiet 21:00-07:30 weekends on dates mdy")
    await open_home(slack, fake_slack, changes=2)
    view = await open_settings(slack, fake_slack)
    assert view["type"] == "modal" and view["callback_id"] == SETTINGS_FORM
    tz = element(view, "timezone")
    assert tz["type"] == "external_select" and tz["action_id"] == TIMEZONE_ACTION
    assert tz["initial_option"]["value"] == "Europe/Berlin"
    assert (element(view, "hour")["type"], element(view, "hour")["initial_time"]) == (
        "timepicker",
        "08:30",
    )
    assert (
        element(view, "quiet_start")["initial_time"],
        element(view, "quiet_end")["initial_time"],
    ) == ("21:00", "07:30")
    assert "initial_options" not in element(view, "quiet_off")
    assert [o["value"] for o in element(view, "weekends")["initial_options"]] == ["on"]
    assert element(view, "dates")["type"] == "static_select"
    assert element(view, "dates")["initial_option"]["value"] == "mdy"
    assert [o["value"] for o in element(view, "dates")["options"]] == ["auto", "dmy", "mdy"]


async def test_the_timezone_options_are_the_zone_names_matching_what_is_typed(
    slack: SlackDriver,
) -> None:
    status, answer = await slack.options(TIMEZONE_ACTION, "new_y", block_id="timezone")
    assert status == 200
    values = [o["value"] for o in answer["options"]]
    assert values[0] == "America/New_York"
    assert all("new_y" in v.casefold() for v in values)
    assert all(o["text"]["type"] == "plain_text" for o in answer["options"])
    _, broad = await slack.options(TIMEZONE_ACTION, "a", block_id="timezone")
    assert len(broad["options"]) == 100  # Slack's most
    _, none = await slack.options(TIMEZONE_ACTION, "no such place", block_id="timezone")
    assert none["options"] == []


async def test_the_timezone_options_load_over_socket_mode_too(
    socket_slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    envelope = await fake_slack.send_envelope(
        "interactive", socket_slack.options_payload(TIMEZONE_ACTION, "berl", block_id="timezone")
    )
    ack = await fake_slack.wait_for_ack(envelope)
    assert [o["value"] for o in ack["payload"]["options"]] == ["Europe/Berlin"]


async def test_saving_changes_every_setting_and_answers_on_home(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD)
    await open_home(slack, fake_slack, changes=1)
    metadata = (await open_settings(slack, fake_slack))["private_metadata"]
    before = len(fake_slack.calls_to("views.publish"))
    new = form(
        tz="America/New_York", hour="08:30", quiet=("22:00", "06:45"), weekends=True, dates="dmy"
    )
    status, answer = await slack.submit(new, callback_id=SETTINGS_FORM, metadata=metadata)
    assert (status, answer) == (200, {})  # the modal closes
    user = await stored_user(runtime)
    s = user.settings
    assert (
        s.timezone,
        f"{s.nudge_hour:%H:%M}",
        f"{s.quiet_start:%H:%M}",
        f"{s.quiet_end:%H:%M}",
    ) == ("America/New_York", "08:30", "22:00", "06:45")
    assert (
        s.weekends is True
        and s.date_order is DateOrder.DMY
        and user.timezone_source is TimezoneSource.USER
    )
    await fake_slack.wait_for(
        lambda: any(
            has_result(c.params["view"]) for c in fake_slack.calls_to("views.publish")[before:]
        )
    )
    home = texts(fake_slack.home["U1"])
    assert home[1] == "✅ Settings saved"
    assert any(
        t.startswith("Your settings\nTimezone: America/New_York\nNudge hour: 08:30") for t in home
    )
    assert not fake_slack.calls_to("chat.postMessage")  # no DM


async def test_no_quiet_hours_and_an_unchanged_timezone(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD)
    await open_home(slack, fake_slack, changes=1)
    metadata = (await open_settings(slack, fake_slack))["private_metadata"]
    status, answer = await slack.submit(
        form(quiet_off=True), callback_id=SETTINGS_FORM, metadata=metadata
    )
    assert (status, answer) == (200, {})
    user = await stored_user(runtime)
    assert user.settings.quiet_start == user.settings.quiet_end  # off
    # the zone was left as it came from the Slack profile: it still follows the profile
    assert user.timezone_source is TimezoneSource.PLATFORM


async def test_a_refused_setting_comes_back_under_its_field_in_the_typed_words_and_changes_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD)
    before = (await stored_user(runtime)).settings
    cases = [
        (
            form(hour="21:30", quiet=("21:00", "07:30")),
            "hour",
            "settings hour 21:30 quiet 21:00-07:30",
        ),
        (form(tz="Mars/Olympus_Mons"), "timezone", "settings tz Mars/Olympus_Mons"),
        (form(dates="ymd"), "dates", "settings dates ymd"),
        (form(quiet=("21:00", "21:00")), "quiet_start", "settings quiet 21:00-21:00"),
        (form(quiet=("21:00", None)), "quiet_start", "settings quiet 21:00-"),
        (form(hour="25:00"), "hour", "settings hour 25:00"),
    ]
    for values, block, typed in cases:
        status, answer = await slack.submit(
            values, callback_id=SETTINGS_FORM, metadata='{"timezone": "Europe/Berlin"}'
        )
        assert status == 200 and answer["response_action"] == "errors", typed
        assert list(answer["errors"]) == [block], typed
        said = text_of((await slack.command(typed)).body)
        assert answer["errors"][block] in said, (typed, answer["errors"][block], said)
    assert (await stored_user(runtime)).settings == before


async def test_a_forged_or_unknown_person_gets_settings_of_their_own(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command(ADD, user="U1")
    status, answer = await slack.submit(
        form(hour="08:30"), user="U2", callback_id=SETTINGS_FORM, metadata="not json"
    )
    assert (status, answer) == (200, {})
    # U1 untouched
    assert f"{(await stored_user(runtime, 'U1')).settings.nudge_hour:%H:%M}" == "09:00"
    assert f"{(await stored_user(runtime, 'U2')).settings.nudge_hour:%H:%M}" == "08:30"


async def test_when_the_modal_cannot_open_home_says_so(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD)
    await open_home(slack, fake_slack, changes=1)
    fake_slack.fail("views.open", error="expired_trigger_id")
    view = await press(slack, fake_slack, "followup:settings")
    assert texts(view)[1].startswith("⚠️ I couldn't open the settings")


async def test_an_options_request_without_slacks_signature_is_refused(slack: SlackDriver) -> None:
    body = urlencode(
        {"payload": json.dumps(slack.options_payload(TIMEZONE_ACTION, "berl", block_id="timezone"))}
    )
    response = await slack.post(
        body, "application/x-www-form-urlencoded", headers=sign(body, secret="not-the-secret")
    )
    assert response.status == 401


def test_the_modal_of_someone_without_quiet_hours_has_the_box_ticked_and_no_times() -> None:
    current = DeliverySettings(
        timezone="America/New_York",
        nudge_hour=time(7, 15),
        quiet_start=time(0, 0),
        quiet_end=time(0, 0),
        weekends=True,
    )
    view = settings_form(current).to_dict()  # slack_sdk checks the modal's limits
    assert [o["value"] for o in element(view, "quiet_off")["initial_options"]] == ["off"]
    assert "initial_time" not in element(view, "quiet_start") and "initial_time" not in element(
        view, "quiet_end"
    )
    assert element(view, "hour")["initial_time"] == "07:15"
    assert element(view, "timezone")["initial_option"]["value"] == "America/New_York"
    assert element(view, "dates")["initial_option"]["value"] == "auto"
    assert read_settings(view_state(view), view["private_metadata"]) == c.Settings(
        timezone=None, hour="07:15", quiet="off", weekends=True, dates="auto"
    )


def view_state(view: dict[str, Any]) -> dict[str, Any]:
    """The state Slack submits for a modal nobody touched: each input's initial value."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        control = block["element"]
        value: dict[str, Any] = {"type": control["type"]}
        if "initial_option" in control:
            value["selected_option"] = control["initial_option"]
        if control["type"] == "timepicker":
            value["selected_time"] = control.get("initial_time")
        if control["type"] == "checkboxes":
            value["selected_options"] = control.get("initial_options", [])
        state[block["block_id"]] = {control["action_id"]: value}
    return state


async def test_a_stranger_has_no_settings_button(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    view = await open_home(slack, fake_slack)
    toolbar = next(b for b in view["blocks"] if b.get("block_id") == "fu-home-toolbar")
    assert [e["action_id"] for e in toolbar["elements"]] == ["followup:add-form"]
    assert "Welcome to Followup" in " ".join(texts(view))
