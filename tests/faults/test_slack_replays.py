"""Retries and replays don't repeat a command: the same signed request sent again within the
replay window (a network retry, `X-Slack-Retry-Num`, a captured request replayed) is
acknowledged and not run again; two bot processes sharing one database agree on that; an
event retry is answered without re-running; each signature is checked once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from slack_bolt.middleware.request_verification.async_request_verification import (
    AsyncRequestVerification,
)

from adapters.bootstrap import Runtime
from adapters.config import Config
from bot.clock import SimulatedClock
from bot.domain import Identity
from tests.adapters.slack.conftest import Pauses, slack_config, slack_runtime, started
from tests.adapters.slack.driver import SlackDriver, application_id, sign, text_of
from tests.fakes.slack_api import FakeSlack

FORM = "application/x-www-form-urlencoded"


async def count_applications(runtime: Runtime, user: str = "U1") -> int:
    async with runtime.database.unit_of_work() as uow:
        owner = await uow.users.find(Identity("slack", "T1", user))
        return 0 if owner is None else len(await uow.applications.list_for_user(owner.id))


@pytest.fixture
def config(database_url: str, fake_slack: FakeSlack) -> Config:
    return slack_config(database_url, fake_slack)


async def test_the_same_signed_add_three_times_creates_one_application(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    body = slack.command_body("add Acme; Engineer; tomorrow 10:00", hook="once")
    headers = sign(body)
    statuses = [
        (await slack.post(body, FORM, headers)).status,
        (await slack.post(body, FORM, headers)).status,
        (
            await slack.post(
                body,
                FORM,
                {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
            )
        ).status,
    ]
    assert statuses == [200, 200, 200]
    await fake_slack.wait_for_hook("once")
    listing = await slack.command("list")
    assert text_of(listing.body).count("Acme") == 1
    assert await count_applications(runtime) == 1
    assert len([h for h in fake_slack.hooks if h.name == "once"]) == 1  # one answer, too


async def test_a_repeated_button_press_runs_once(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    await slack.command("add Acme; Engineer; yesterday 10:00")
    sent = f"fu:sent:{await application_id(runtime)}"
    press = urlencode({"payload": json.dumps(slack.action_payload(sent, hook="press-once"))})
    for _ in range(2):
        assert (await slack.post(press, FORM)).status == 200
    await fake_slack.wait_for_hook("press-once")
    async with runtime.database.unit_of_work() as uow:
        owner = await uow.users.find(Identity("slack", "T1", "U1"))
        assert owner is not None
        app = await uow.applications.get_by_number(owner.id, 1)
        assert app is not None and len(app.events) == 1


async def test_a_replay_after_the_window_is_refused_by_its_stale_signature_not_run(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock
) -> None:
    body = slack.command_body("add Acme; Engineer; tomorrow 10:00", hook="stale")
    assert (await slack.post(body, FORM, sign(body, timestamp=1))).status == 401
    assert await count_applications(runtime) == 0


async def test_an_event_retry_is_answered_without_running_again(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    before = len(fake_slack.calls_to("views.publish"))
    event = json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": "EvSAME",
            "event": {"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "DU1"},
            "event_time": 1,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
    )
    assert (await slack.post(event, "application/json")).status == 200
    await fake_slack.wait_for(lambda: len(fake_slack.calls_to("views.publish")) > before)
    retry = sign(event) | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await slack.post(event, "application/json", retry)).status == 200
    assert (
        await slack.post(event, "application/json", retry | {"X-Slack-Retry-Num": "2"})
    ).status == 200
    await slack.command("list")  # after this answer, a re-run would have published already
    assert len(fake_slack.calls_to("views.publish")) == before + 1


@pytest.fixture
async def second_process(
    config: Config, clock: SimulatedClock, fake_slack: FakeSlack
) -> AsyncIterator[SlackDriver]:
    """Another bot process on the same database, its own HTTP port."""
    runtime = await slack_runtime(config, clock, "second", migrate=False, sleep=Pauses())
    try:
        async with started(runtime, fake_slack) as driver:
            yield driver
    finally:
        await runtime.close()


async def test_two_processes_sharing_the_database_run_a_repeated_request_once(
    slack: SlackDriver, second_process: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    body = slack.command_body("add Acme; Engineer; tomorrow 10:00", hook="shared")
    headers = sign(body)
    assert (await slack.post(body, FORM, headers)).status == 200
    assert (
        await second_process.post(body, FORM, {**headers, "X-Slack-Retry-Num": "1"})
    ).status == 200
    await fake_slack.wait_for_hook("shared")
    await slack.command("list")
    assert await count_applications(runtime) == 1


async def test_the_window_is_bounded_receipts_are_pruned(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock
) -> None:
    from sqlalchemy import func, select

    from storage.models import RequestReceiptRow

    for _ in range(3):
        await slack.command("help")
    clock.advance(timedelta(minutes=11))
    await slack.command("help")
    async with runtime.database.sessions() as session:
        assert (
            await session.execute(select(func.count()).select_from(RequestReceiptRow))
        ).scalar_one() == 1


def test_bolt_does_not_check_the_signature_a_second_time(slack: SlackDriver) -> None:
    app = slack.adapter.app
    assert app is not None
    assert not [m for m in app._async_middleware_list if isinstance(m, AsyncRequestVerification)]
