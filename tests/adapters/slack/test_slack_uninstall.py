"""Removing the app from a workspace erases it: `app_uninstalled`, or `tokens_revoked` for the
bot token, delete the installation from bolt's store and every row about that workspace's
people (applications, rounds, nudges, settings, group channels and memberships), and nothing
about any other workspace, and the calendar feeds of those people stop answering. Signed
events to the real adapter, checked in the database and over HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import func, select

from adapters.bootstrap import Runtime, bootstrap, platforms_from
from adapters.platforms import Bot
from adapters.slack import SlackAdapter
from bot.clock import SimulatedClock
from bot.domain import Identity
from storage.models import GroupChannelRow, NudgeRow, UserRow
from tests.adapters.slack.conftest import CLIENT_ID, install, slack_config
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack

ADD = "add Zeta Labs; Data Engineer; tomorrow 10:00; Jane Doe"
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


async def count(runtime: Runtime, row: type, **where: str) -> int:
    async with runtime.database.sessions() as session:
        stmt = select(func.count()).select_from(row)
        for name, value in where.items():
            stmt = stmt.where(getattr(row, name) == value)
        return int(await session.scalar(stmt) or 0)


async def populate(driver: SlackDriver, team: str) -> None:
    driver.fake.users["U1"] = {"is_admin": True}
    for user in ("U1", "U2"):
        await driver.command(ADD, user=user, team=team)
    await driver.command("channel on", user="U1", channel="C1", team=team)


async def test_app_uninstalled_erases_only_that_workspace(
    slack: SlackDriver, runtime: Runtime
) -> None:
    await populate(slack, "T1")
    await populate(slack, "T2")
    assert await count(runtime, UserRow, workspace="T1") == 2
    assert await count(runtime, GroupChannelRow, workspace="T1") == 1

    assert await slack.event({"type": "app_uninstalled"}, team="T1") == 200
    await slack.settled()

    assert await count(runtime, UserRow, workspace="T1") == 0
    assert await count(runtime, GroupChannelRow, workspace="T1") == 0
    assert await count(runtime, UserRow, workspace="T2") == 2
    assert await count(runtime, GroupChannelRow, workspace="T2") == 1
    async with runtime.database.unit_of_work() as uow:
        kept = await uow.users.find(Identity("slack", "T2", "U1"))
        assert kept is not None and len(await uow.nudges.for_user(kept.id)) > 0
    async with runtime.database.sessions() as session:
        owners = select(UserRow.id).where(UserRow.workspace == "T1")
        assert (
            int(
                await session.scalar(
                    select(func.count()).select_from(NudgeRow).where(NudgeRow.user_id.in_(owners))
                )
                or 0
            )
            == 0
        )


async def test_revoked_user_tokens_alone_erase_nothing(
    slack: SlackDriver, runtime: Runtime
) -> None:
    await slack.command(ADD)
    await slack.event({"type": "tokens_revoked", "tokens": {"oauth": ["U7"], "bot": []}})
    await slack.settled()
    assert await count(runtime, UserRow, workspace="T1") == 1
    await slack.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}})
    await slack.settled()
    assert await count(runtime, UserRow, workspace="T1") == 0


async def test_uninstall_deletes_the_installation_and_the_people(
    oauth_slack: SlackDriver, oauth_runtime: Runtime, fake_slack: FakeSlack
) -> None:
    await install(oauth_slack, "T2")
    await install(oauth_slack, "T3")
    for team in ("T2", "T3"):
        await oauth_slack.command(ADD, team=team)

    assert await oauth_slack.event({"type": "app_uninstalled"}, team="T2") == 200
    await oauth_slack.settled()

    store = AsyncSQLAlchemyInstallationStore(
        client_id=CLIENT_ID, engine=oauth_runtime.database.engine
    )
    assert await store.async_find_bot(enterprise_id=None, team_id="T2") is None
    assert await store.async_find_bot(enterprise_id=None, team_id="T3") is not None
    assert await count(oauth_runtime, UserRow, workspace="T2") == 0
    assert await count(oauth_runtime, UserRow, workspace="T3") == 1
    still = await oauth_slack.command("list", team="T3")
    assert "Zeta Labs" in text_of(still.body)


async def test_a_reinstalled_workspace_starts_fresh(
    oauth_slack: SlackDriver, oauth_runtime: Runtime
) -> None:
    await install(oauth_slack, "T2")
    await oauth_slack.command(ADD, team="T2")
    await oauth_slack.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, team="T2")
    await oauth_slack.settled()
    await install(oauth_slack, "T2")
    listing = await oauth_slack.command("list", team="T2")
    assert "Zeta Labs" not in text_of(listing.body)


PUBLIC = "https://followup.example.org"
FEED = re.compile(re.escape(PUBLIC) + r"/calendar/([A-Za-z0-9_-]+)\.ics")


@pytest.fixture
async def whole_bot(
    sqlite_url: str, fake_slack: FakeSlack, clock: SimulatedClock
) -> AsyncIterator[tuple[Bot, SlackDriver]]:
    """The whole bot as `followup run` starts it, Slack in HTTP mode: /slack/events and the
    calendar feed on one port."""
    config = slack_config(
        sqlite_url, fake_slack, FOLLOWUP_PUBLIC_URL=PUBLIC, FOLLOWUP_HTTP_HOST="127.0.0.1"
    )
    runtime = await bootstrap(
        config, clock=clock, worker_id="uninstall-feed", platforms=platforms_from(config)
    )
    bot = Bot(runtime)
    await bot.start()
    try:
        adapter = next(a for a in bot.adapters if isinstance(a, SlackAdapter))
        async with aiohttp.ClientSession() as session:
            yield bot, SlackDriver(adapter, fake_slack, session)
    finally:
        await bot.stop()
        await runtime.close()


async def test_uninstall_revokes_the_calendar_feed(whole_bot: tuple[Bot, SlackDriver]) -> None:
    bot, driver = whole_bot
    await driver.command(ADD)
    await driver.command(ADD, team="T2")
    secrets = []
    for team in ("T1", "T2"):
        found = FEED.search(text_of((await driver.command("export ics", team=team)).body))
        assert found is not None, "no subscription address"
        secrets.append(found.group(1))

    async def status(secret: str) -> int:
        async with driver.session.get(
            f"http://127.0.0.1:{bot.http_port}/calendar/{secret}.ics"
        ) as response:
            return response.status

    assert [await status(s) for s in secrets] == [200, 200]
    assert await driver.event({"type": "app_uninstalled"}, team="T1") == 200
    await driver.settled()
    # only the removed workspace's feed goes
    assert [await status(s) for s in secrets] == [404, 200]
