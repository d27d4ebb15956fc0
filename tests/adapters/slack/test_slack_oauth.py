"""Multi-workspace install: /slack/install → Slack's consent page → /slack/oauth_redirect →
`oauth.v2.access` → the installation stored in the bot's own database; commands and nudges
for that team then use its token, and each workspace has its own data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

from adapters.bootstrap import Runtime
from adapters.slack import SlackConfigError
from bot.clock import SimulatedClock
from tests.adapters.slack.conftest import (
    CLIENT_ID,
    install,
    slack_adapter,
    slack_config,
    slack_runtime,
)
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


async def test_install_stores_the_installation_in_the_bots_database(
    oauth_slack: SlackDriver, oauth_runtime: Runtime, fake_slack: FakeSlack
) -> None:
    await install(oauth_slack, "T2")
    exchange = fake_slack.calls_to("oauth.v2.access")[0]
    assert exchange.params["code"] == "code-T2"
    store = AsyncSQLAlchemyInstallationStore(
        client_id=CLIENT_ID, engine=oauth_runtime.database.engine
    )
    bot = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token == "xoxb-t2"


async def test_a_command_from_an_installed_team_uses_its_token(
    oauth_slack: SlackDriver, oauth_runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await install(oauth_slack, "T2")
    hook = await oauth_slack.command(
        "add Acme Corp; Data Engineer; today 10:00; Jane Doe", team="T2"
    )
    assert "#1 Acme Corp" in text_of(hook.body)
    assert {c.token for c in fake_slack.calls if c.method in ("auth.test", "users.info")} == {
        "xoxb-t2"
    }
    clock.advance(timedelta(hours=3, minutes=1))
    assert (await oauth_runtime.dispatcher.run_once()).delivered == 1
    assert fake_slack.calls_to("chat.postMessage")[-1].token == "xoxb-t2"


async def test_the_same_person_in_two_workspaces_has_two_separate_pipelines(
    oauth_slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await install(oauth_slack, "T2")
    await install(oauth_slack, "T3")
    await oauth_slack.command("add Acme Corp; Data Engineer; tomorrow 10:00", user="U1", team="T2")
    other = await oauth_slack.command("list", user="U1", team="T3")
    assert "No active applications" in text_of(other.body)
    same = await oauth_slack.command("list", user="U1", team="T2")
    assert "Acme Corp" in text_of(same.body)


async def test_a_team_that_never_installed_gets_no_data(
    oauth_slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    body = oauth_slack.command_body("list", hook="stranger", team="T9")
    response = await oauth_slack.post(body, "application/x-www-form-urlencoded")
    assert response.status == 200
    hook = await fake_slack.wait_for_hook("stranger")  # bolt's own "please reinstall" answer
    assert "reinstall" in text_of(hook.body)
    assert not fake_slack.calls_to("users.info")


async def test_http_mode_without_a_signing_secret_refuses_to_start(
    sqlite_url: str, fake_slack: FakeSlack, clock: SimulatedClock
) -> None:
    runtime = await slack_runtime(
        slack_config(sqlite_url, fake_slack, SLACK_SIGNING_SECRET=None), clock, "no-secret"
    )
    try:
        with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
            await slack_adapter(runtime).start()
        assert "slack" not in runtime.notifiers
    finally:
        await runtime.close()
