"""Nudges through the core's dispatcher (simulated clock): a DM with blocks and buttons,
the Sent button recorded, rate limits and server errors retried, permanent errors recorded
and shown in `today`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.bootstrap import Runtime
from adapters.slack.clients import http_session
from adapters.slack.directory import STALE, DirectChannels
from adapters.slack.notifier import SlackNotifier
from adapters.slack.workspaces import Workspaces
from bot.clock import SimulatedClock
from bot.domain import DeliverySettings, EventKind, NudgeState, User
from bot.messages import Message
from bot.ports import TransientDeliveryError
from tests.adapters.slack.conftest import Pauses
from tests.adapters.slack.driver import SlackDriver, application_id, text_of
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack

# Monday 09:00 in Berlin; the interview ends at 11:00, so the thank-you falls due at 12:00.
ADD = "add Acme Corp; Data Engineer; today 10:00; Jane Doe, Engineering Manager"
UNTIL_DUE = timedelta(hours=3, minutes=1)


async def due_nudge(slack: SlackDriver, clock: SimulatedClock) -> None:
    await slack.command(ADD)
    clock.advance(UNTIL_DUE)


def person(external_id: str) -> User:
    """Someone in workspace T1, as the dispatcher hands them to the notifier."""
    return User(
        id=1,
        platform="slack",
        workspace="T1",
        external_id=external_id,
        display_name="",
        settings=DeliverySettings(),
    )


async def test_a_due_nudge_is_a_dm_with_buttons_and_sent_is_recorded(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await due_nudge(slack, clock)
    report = await runtime.dispatcher.run_once()
    assert report.delivered == 1
    dm = fake_slack.calls_to("chat.postMessage")[-1]
    assert dm.params["channel"] == "DU1"
    assert dm.token == "xoxb-test"
    assert "Time for your thank-you email — Acme Corp" in dm.params["text"]
    blocks = dm.params["blocks"]
    assert blocks[0]["type"] == "header"
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Sent", "Snooze 1 day", "Checklist", "Draft", "Skip"]
    app_id = await application_id(runtime)
    hook = await slack.press(f"fu:sent:{app_id}")
    assert hook.body["replace_original"] is True
    assert "marked sent" in text_of(hook.body)
    async with runtime.database.unit_of_work() as uow:
        app = await uow.applications.get(app_id)
        nudges = await uow.nudges.for_application(app_id)
    assert app is not None and [e.kind for e in app.events] == [EventKind.SENT]
    assert [n.state for n in nudges if n.delivered_at] == [NudgeState.SENT]
    assert (await runtime.dispatcher.run_once()).delivered == 0  # nothing stale follows


async def test_a_short_rate_limit_is_waited_out_and_delivered_once(
    slack: SlackDriver,
    runtime: Runtime,
    clock: SimulatedClock,
    fake_slack: FakeSlack,
    pauses: Pauses,
) -> None:
    await due_nudge(slack, clock)
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    report = await runtime.dispatcher.run_once()
    assert report.delivered == 1
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429, 200]
    assert pauses.taken == [1.0]
    assert (await runtime.dispatcher.run_once()).delivered == 0


async def test_a_long_rate_limit_is_rescheduled_in_the_database(
    slack: SlackDriver,
    runtime: Runtime,
    clock: SimulatedClock,
    fake_slack: FakeSlack,
    pauses: Pauses,
) -> None:
    await due_nudge(slack, clock)
    fake_slack.fail("chat.postMessage", status=429, retry_after=120)
    report = await runtime.dispatcher.run_once()
    assert (report.delivered, report.retried) == (0, 1)
    assert pauses.taken == []  # not slept through in a task
    clock.advance(timedelta(seconds=60))
    assert (await runtime.dispatcher.run_once()).delivered == 0  # Retry-After is honoured
    clock.advance(timedelta(minutes=5))
    assert (await runtime.dispatcher.run_once()).delivered == 1
    assert len(fake_slack.calls_to("chat.postMessage", ok_only=True)) == 1


async def test_server_errors_are_retried(
    slack: SlackDriver,
    runtime: Runtime,
    clock: SimulatedClock,
    fake_slack: FakeSlack,
    pauses: Pauses,
) -> None:
    await due_nudge(slack, clock)
    fake_slack.fail("chat.postMessage", status=503, error="service_unavailable")
    assert (await runtime.dispatcher.run_once()).delivered == 1
    assert pauses.taken == [0.5]
    assert len(fake_slack.calls_to("chat.postMessage", ok_only=True)) == 1


async def test_a_lasting_outage_is_handed_back_to_the_dispatcher(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await due_nudge(slack, clock)
    fake_slack.fail("chat.postMessage", status=500, times=3)
    report = await runtime.dispatcher.run_once()
    assert (report.delivered, report.retried) == (0, 1)
    clock.advance(timedelta(minutes=31))
    assert (await runtime.dispatcher.run_once()).delivered == 1


async def test_a_permanent_error_is_recorded_and_shown_in_today(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await due_nudge(slack, clock)
    fake_slack.fail("chat.postMessage", error="account_inactive")
    report = await runtime.dispatcher.run_once()
    assert report.failed == 1
    async with runtime.database.unit_of_work() as uow:
        nudges = await uow.nudges.for_application(await application_id(runtime))
    failed = [n for n in nudges if n.state is NudgeState.FAILED]
    assert [n.last_error for n in failed] == ["account_inactive"]
    hook = await slack.command("today")
    text = text_of(hook.body)
    assert "Couldn't deliver" in text and "account_inactive" in text
    assert "I couldn't deliver 1 nudge" in text
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # not retried


async def test_a_dm_that_cant_be_opened_fails_with_slacks_reason(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD, channel="CJOBS")  # no DM opened yet
    clock.advance(UNTIL_DUE)
    fake_slack.fail("conversations.open", error="user_not_found")
    assert (await runtime.dispatcher.run_once()).failed == 1


@pytest.mark.parametrize(
    "error",
    [
        "account_inactive",
        "user_not_found",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
    ],
)
async def test_permanent_errors_fail_the_nudge_at_once(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack, error: str
) -> None:
    await due_nudge(slack, clock)  # said in the DM: its id is known before the nudge is sent
    # A known DM id refused as stale is opened again and posted to once more (and refused again).
    tries = 2 if error in STALE else 1
    fake_slack.fail("chat.postMessage", error=error, times=tries)
    report = await runtime.dispatcher.run_once()
    assert (report.failed, report.retried) == (1, 0)
    assert len(fake_slack.calls_to("chat.postMessage")) == tries
    async with runtime.database.unit_of_work() as uow:
        nudges = await uow.nudges.for_application(await application_id(runtime))
    assert [n.last_error for n in nudges if n.state is NudgeState.FAILED] == [error]


async def test_sends_to_one_person_at_once_share_one_conversations_open(
    fake_slack: FakeSlack,
) -> None:
    """A person with several nudges in a batch is sent them concurrently: they used to open
    the DM once each (2,000 opens for 1,000 people with two nudges); now they share one."""
    client = AsyncWebClient(token=DEFAULT_TOKEN, base_url=fake_slack.api_url)
    channels = DirectChannels()
    opened = await asyncio.gather(
        *(channels.open(client, "T1", "U9") for _ in range(3)), channels.open(client, "T1", "U8")
    )
    assert opened == ["DU9", "DU9", "DU9", "DU8"]
    assert await channels.open(client, "T1", "U9") == "DU9"
    assert sorted(c.params["users"] for c in fake_slack.calls_to("conversations.open")) == [
        "U8",
        "U9",
    ]


async def test_while_one_post_waits_out_a_rate_limit_the_next_ones_wait_with_it(
    fake_slack: FakeSlack,
) -> None:
    """A 429 on one post pauses the workspace: a post that comes along meanwhile is sent only
    once the first post's Retry-After is over, not into the same rate limit."""
    waiting, released = asyncio.Event(), asyncio.Event()
    asked: list[float] = []

    # the Retry-After wait, held until the test lets it end
    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        waiting.set()
        await released.wait()

    async with aiohttp.ClientSession() as session:
        notifier = SlackNotifier(
            Workspaces(fake_slack.api_url, session, token=DEFAULT_TOKEN, sleep=sleep),
            DirectChannels(),
        )
        fake_slack.fail("chat.postMessage", status=429, retry_after=3)
        first = asyncio.ensure_future(notifier.send_direct(person("U1"), Message(title="one")))
        await asyncio.wait_for(waiting.wait(), 5)
        assert asked == [3.0]
        second = asyncio.ensure_future(notifier.send_direct(person("U2"), Message(title="two")))
        await fake_slack.wait_for_call("conversations.open", 2)
        for _ in range(20):
            await asyncio.sleep(0)  # the loop runs on; the second post stays behind the pause
        assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429]
        released.set()
        await asyncio.gather(first, second)
    assert sorted(
        c.params["channel"] for c in fake_slack.calls_to("chat.postMessage", ok_only=True)
    ) == ["DU1", "DU2"]


@pytest.fixture
async def notifier(
    fake_slack: FakeSlack, clock: SimulatedClock, pauses: Pauses
) -> AsyncIterator[SlackNotifier]:
    """The notifier on the session `followup run` uses, its pauses recorded, its time `clock`."""
    async with http_session() as session:
        yield SlackNotifier(
            Workspaces(fake_slack.api_url, session, token=DEFAULT_TOKEN, sleep=pauses, clock=clock),
            DirectChannels(),
        )


async def test_a_long_rate_limit_on_a_post_holds_back_the_workspaces_other_posts(
    notifier: SlackNotifier, fake_slack: FakeSlack, clock: SimulatedClock, pauses: Pauses
) -> None:
    """A post refused with a long Retry-After goes back to the schedule for then; until then
    the workspace's other posts aren't made (each would earn a 429 of its own) but go back to
    the schedule for the same moment. Once it is over, posting resumes."""
    fake_slack.fail("chat.postMessage", status=429, retry_after=120)
    with pytest.raises(TransientDeliveryError) as first:
        await notifier.send_direct(person("U1"), Message(title="one"))
    assert first.value.retry_after == 120
    clock.advance(timedelta(seconds=30))
    with pytest.raises(TransientDeliveryError) as second:
        await notifier.send_direct(person("U2"), Message(title="two"))
    assert (second.value.reason, second.value.retry_after) == ("rate limited by Slack", 90)
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429]
    clock.advance(timedelta(seconds=90))
    await notifier.send_direct(person("U2"), Message(title="two"))
    await notifier.send_direct(person("U1"), Message(title="one"))
    assert pauses.taken == []  # none of it waited out in a task
    assert [(c.status, c.params["channel"]) for c in fake_slack.calls_to("chat.postMessage")] == [
        (429, "DU1"),
        (200, "DU2"),
        (200, "DU1"),
    ]


async def test_a_long_rate_limit_on_another_method_does_not_hold_back_posts(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    """Slack limits each method on its own: opening one person's DM refused for two minutes
    doesn't stop a post to someone else."""
    fake_slack.fail("conversations.open", status=429, retry_after=120)
    with pytest.raises(TransientDeliveryError) as refused:
        await notifier.send_direct(person("U1"), Message(title="one"))
    assert refused.value.retry_after == 120
    await notifier.send_direct(person("U2"), Message(title="two"))
    assert [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")] == ["DU2"]


async def test_nudges_falling_due_while_a_long_rate_limit_lasts_wait_for_its_end(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    """Through the dispatcher: U1's nudge is refused with two minutes to wait; U2's falls due
    half a minute later and isn't posted into the limit but rescheduled past its end; then
    both go out, and Slack saw one 429 in all."""
    await due_nudge(slack, clock)
    fake_slack.fail("chat.postMessage", status=429, retry_after=120)
    assert (await runtime.dispatcher.run_once()).retried == 1
    await slack.command(ADD, user="U2")
    clock.advance(timedelta(seconds=30))
    assert (await runtime.dispatcher.run_once()).retried == 1
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429]
    clock.advance(timedelta(seconds=89))
    assert (await runtime.dispatcher.run_once()).delivered == 0  # neither before its end
    clock.advance(timedelta(minutes=10))
    assert (await runtime.dispatcher.run_once()).delivered == 2
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429, 200, 200]


async def test_a_post_that_never_got_a_connection_is_retried_not_verified(
    fake_slack: FakeSlack, clock: SimulatedClock, pauses: Pauses
) -> None:
    """Every connection busy with a post Slack answers slowly: the next post waits for one
    past the connect timeout, twice (slack-sdk's connection retry: nothing was written), and
    gives up. Nothing was sent, so it is a plain retry for later, not an unknown outcome to be
    looked for in the DM first."""
    timeout = aiohttp.ClientTimeout(total=5, connect=0.1)
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        notifier = SlackNotifier(
            Workspaces(fake_slack.api_url, session, token=DEFAULT_TOKEN, sleep=pauses, clock=clock),
            DirectChannels(),
        )
        await notifier.send_direct(person("U2"), Message(title="opened"))  # U2's DM known
        fake_slack.late(1, after=4.0)  # past the retry's wait for a connection too
        slow = asyncio.ensure_future(notifier.send_direct(person("U1"), Message(title="one")))
        await fake_slack.wait_for_call("chat.postMessage", 2)
        with pytest.raises(TransientDeliveryError, match="couldn't reach Slack"):
            await notifier.send_direct(person("U2"), Message(title="two"))
        await slow
    assert [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")] == [
        "DU2",
        "DU1",
    ]
