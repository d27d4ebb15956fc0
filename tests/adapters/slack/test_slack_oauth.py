"""Multi-workspace install: /slack/install → Slack's consent page → /slack/oauth_redirect →
`oauth.v2.access` → the installation stored in the bot's own database; commands and nudges
for that team then use its token, and each workspace has its own data."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

from adapters.bootstrap import Runtime
from adapters.slack import SlackConfigError
from bot.clock import SimulatedClock
from tests.adapters.slack.conftest import Pauses, slack_adapter, slack_config, slack_runtime
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack

CLIENT_ID = "111.222"
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
async def oauth_runtime(sqlite_url: str, fake_slack: FakeSlack, clock: SimulatedClock) -> AsyncIterator[Runtime]:
    config = slack_config(sqlite_url, fake_slack, SLACK_BOT_TOKEN=None, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET="client-secret")
    runtime = await slack_runtime(config, clock, "oauth-test", sleep=Pauses())
    try:
        yield runtime
    finally:
        await runtime.close()


@pytest.fixture
async def oauth_slack(oauth_runtime: Runtime, fake_slack: FakeSlack) -> AsyncIterator[SlackDriver]:
    adapter = slack_adapter(oauth_runtime)
    await adapter.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield SlackDriver(adapter, fake_slack, session)
    finally:
        await adapter.stop()


async def install(driver: SlackDriver, team: str) -> str:
    """Run the browser side of the OAuth flow for `team`; returns the success page."""
    driver.fake.installs[f"code-{team}"] = team
    base = f"http://127.0.0.1:{driver.adapter.http_port}"
    async with driver.session.get(f"{base}/slack/install", allow_redirects=False) as page:
        html = await page.text()
        assert page.status == 200
        cookie = page.headers["Set-Cookie"].split(";")[0]
    consent = re.search(r"href=\"(http[^\"]+)\"", html)
    assert consent is not None and consent.group(1).startswith(f"{driver.fake.base}/oauth/v2/authorize?")
    state = re.search(r"state=([^&\"]+)", html)
    assert state is not None
    callback = f"{base}/slack/oauth_redirect?code=code-{team}&state={state.group(1)}"
    async with driver.session.get(callback, headers={"Cookie": cookie}, allow_redirects=False) as done:
        assert done.status == 200, await done.text()
        return await done.text()


async def test_install_stores_the_installation_in_the_bots_database(oauth_slack: SlackDriver, oauth_runtime: Runtime, fake_slack: FakeSlack) -> None:
    await install(oauth_slack, "T2")
    exchange = fake_slack.calls_to("oauth.v2.access")[0]
    assert exchange.params["code"] == "code-T2"
    store = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=oauth_runtime.database.engine)
    bot = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token == "xoxb-t2"


async def test_a_command_from_an_installed_team_uses_its_token(oauth_slack: SlackDriver, oauth_runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack) -> None:
    await install(oauth_slack, "T2")
    hook = await oauth_slack.command("add Acme Corp; Data Engineer; today 10:00; Jane Doe", team="T2")
    assert "#1 Acme Corp" in text_of(hook.body)
    assert {c.token for c in fake_slack.calls if c.method in ("auth.test", "users.info")} == {"xoxb-t2"}
    clock.advance(timedelta(hours=3, minutes=1))
    assert (await oauth_runtime.dispatcher.run_once()).delivered == 1
    assert fake_slack.calls_to("chat.postMessage")[-1].token == "xoxb-t2"


async def test_the_same_person_in_two_workspaces_has_two_separate_pipelines(oauth_slack: SlackDriver, fake_slack: FakeSlack) -> None:
    await install(oauth_slack, "T2")
    await install(oauth_slack, "T3")
    await oauth_slack.command("add Acme Corp; Data Engineer; tomorrow 10:00", user="U1", team="T2")
    other = await oauth_slack.command("list", user="U1", team="T3")
    assert "No active applications" in text_of(other.body)
    same = await oauth_slack.command("list", user="U1", team="T2")
    assert "Acme Corp" in text_of(same.body)


async def test_a_team_that_never_installed_gets_no_data(oauth_slack: SlackDriver, fake_slack: FakeSlack) -> None:
    body = oauth_slack.command_body("list", hook="stranger", team="T9")
    response = await oauth_slack.post(body, "application/x-www-form-urlencoded")
    assert response.status == 200
    hook = await fake_slack.wait_for_hook("stranger")  # bolt's own "please reinstall" answer
    assert "reinstall" in text_of(hook.body)
    assert not fake_slack.calls_to("users.info")


async def test_http_mode_without_a_signing_secret_refuses_to_start(sqlite_url: str, fake_slack: FakeSlack, clock: SimulatedClock) -> None:
    runtime = await slack_runtime(slack_config(sqlite_url, fake_slack, SLACK_SIGNING_SECRET=None), clock, "no-secret")
    try:
        with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
            await slack_adapter(runtime).start()
        assert "slack" not in runtime.notifiers
    finally:
        await runtime.close()
