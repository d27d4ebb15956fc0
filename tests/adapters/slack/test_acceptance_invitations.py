"""Acceptance checks of importing on Slack, through the real bolt app against the fake: every
hostile file shared in the DM gets a clear refusal and stores nothing, and an invitation's
text that would ping a channel or a person arrives as text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from adapters.bootstrap import Runtime
from bot.clock import SimulatedClock
from bot.domain import Identity
from tests.adapters.slack.driver import SlackDriver
from tests.adapters.slack.test_slack_invitations import _share
from tests.bot.calendar.test_acceptance_invitations import HOSTILE, invitation
from tests.fakes.slack_api import FakeSlack


async def _stored(runtime: Runtime) -> int:
    async with runtime.database.unit_of_work() as uow:
        user = await uow.users.find(Identity("slack", "T1", "U1"))
        return (
            0
            if user is None
            else len(await uow.applications.list_for_user(user.id, active_only=False))
        )


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_a_hostile_file_shared_in_the_dm_is_refused(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, name: str
) -> None:
    assert await slack.event(_share(fake_slack, f"{name}.ics", HOSTILE[name])) == 200
    refused = await fake_slack.wait_for_call("chat.postMessage")
    text = json.dumps(refused.params, ensure_ascii=False)
    # the right form, and no button to log anything
    assert "import" in text and "fu:import" not in text
    assert await _stored(runtime) == 0


async def test_invitation_text_that_would_ping_arrives_as_text(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    loud = "<!channel> <!here> @everyone <@U123> <@&555> Fabrikam - Backend Developer"
    people = "ATTENDEE;CN=<@U999> Jane:mailto:jane.doe@fabrikam.com\r\n"
    assert await slack.event(_share(fake_slack, "loud.ics", invitation(loud, people=people))) == 200
    posted = await fake_slack.wait_for_call("chat.postMessage")
    raw = json.dumps(posted.params, ensure_ascii=False)
    assert "Fabrikam" in raw
    for mention in ("<!channel>", "<!here>", "<@U123>", "<@U999>", "<!subteam"):
        assert mention not in raw, (mention, raw[:400])
    assert await _stored(runtime) == 0
