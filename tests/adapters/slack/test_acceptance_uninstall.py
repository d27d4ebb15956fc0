"""Acceptance check of erase on uninstall, over every table: a workspace whose people used
everything (applications, rounds, interviewers, nudges, events, settings, an imported
invitation, a calendar feed and what it served, a group channel with its members, shares and
digest) removes the app, and the database is row for row what it was before that workspace
wrote anything, while another workspace keeps all of its own. Signed events to the real
bolt adapter against the fake Slack."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adapters.bootstrap import Runtime
from adapters.config import Config
from bot import commands as c
from bot.clock import SimulatedClock
from bot.domain import Identity
from storage.models import Base
from tests.adapters.slack.conftest import slack_config
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.bot.calendar.fixtures import fixture
from tests.fakes.slack_api import FakeSlack

PUBLIC = "https://followup.example.org"
FEED = re.compile(re.escape(PUBLIC) + r"/calendar/([A-Za-z0-9_-]+)\.ics")
# Not anyone's data: replay receipts of platform request ids (and the health probe's row).
NOT_PERSONAL = {"request_receipts"}


@pytest.fixture
def config(sqlite_url: str, fake_slack: FakeSlack) -> Config:
    return slack_config(sqlite_url, fake_slack, FOLLOWUP_PUBLIC_URL=PUBLIC)


async def rows(runtime: Runtime) -> dict[str, int]:
    async with runtime.database.sessions() as session:
        return {
            name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
            if name not in NOT_PERSONAL
        }


async def use_everything(slack: SlackDriver, runtime: Runtime, team: str) -> None:
    slack.fake.users["U1"] = {"is_admin": True}
    for user in ("U1", "U2"):
        await slack.command(
            "add Zeta Labs; Data Engineer; yesterday 10:00; Jane Doe, Engineering Manager",
            user=user,
            team=team,
        )
        await slack.command("settings hour 08:30 weekends on", user=user, team=team)
    await slack.command("sent 1 next tomorrow", team=team)
    await slack.command("channel on", channel="C1", team=team)
    await slack.command("digest monday 09:00", channel="C1", team=team)
    await slack.command("share 1", channel="C1", team=team)
    await slack.command("share 1", user="U2", channel="C1", team=team)
    who = Identity("slack", team, "U1")
    proposal = await runtime.followup.handle_command(
        who, c.ImportInvitation(data=fixture("outlook_request.ics"))
    )
    assert proposal.proposal is not None, proposal.as_text()
    assert not (await runtime.followup.handle_command(who, proposal.proposal.command)).is_error
    found = FEED.search(text_of((await slack.command("export ics", team=team)).body))
    assert found is not None, "no subscription address"
    assert await runtime.followup.feed(found.group(1)) is not None  # a subscriber has looked


@pytest.mark.parametrize(
    "event",
    [{"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}],
    ids=["app_uninstalled", "tokens_revoked"],
)
async def test_removing_the_app_erases_every_row_of_that_workspace_and_nothing_else(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, event: dict[str, object]
) -> None:
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    await use_everything(slack, runtime, "T2")
    before = await rows(runtime)
    await use_everything(slack, runtime, "T1")
    grown = await rows(runtime)
    assert all(grown[name] > before[name] for name in before), {
        n: (before[n], grown[n]) for n in before if grown[n] <= before[n]
    }

    assert await slack.event(event, team="T1") == 200
    await slack.settled()

    assert await rows(runtime) == before
    listing = await slack.command("list", team="T2")
    assert "Zeta Labs" in text_of(listing.body)
