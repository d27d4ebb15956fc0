"""Token rotation: with rotation on, Slack's bot tokens expire after 12 hours and come with a
refresh token. Tokens are read through bolt's authorize path, which refreshes one about to
expire (`oauth.v2.access`, `grant_type=refresh_token`) and saves the new one, for incoming
requests and for what the bot sends on its own: a nudge due after the token expired goes
out with the rotated token. Against the fake Slack, which refuses an expired token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

from adapters.bootstrap import Runtime
from bot.clock import SimulatedClock
from tests.adapters.slack.conftest import CLIENT_ID, install
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
LONG_AGO = 1_000_000_000  # an expiry (seconds since 1970) that has certainly passed
ADD = "add Acme Corp; Data Engineer; today 10:00; Jane Doe"


async def _expire(runtime: Runtime, fake: FakeSlack, team: str) -> str:
    """Twelve hours later: the stored token has expired and Slack refuses it. Returns it."""
    store = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=runtime.database.engine)
    bot = await store.async_find_bot(enterprise_id=None, team_id=team)
    assert bot is not None and bot.bot_token and bot.bot_refresh_token and bot.bot_token_expires_at
    old = bot.bot_token
    bot.bot_token_expires_at = LONG_AGO
    await store.async_save_bot(bot)
    fake.expire(old)
    return old


async def _stored_token(runtime: Runtime, team: str) -> str | None:
    store = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=runtime.database.engine)
    bot = await store.async_find_bot(enterprise_id=None, team_id=team)
    return bot.bot_token if bot else None


def _refreshes(fake: FakeSlack) -> list[dict[str, object]]:
    return [
        c.params
        for c in fake.calls_to("oauth.v2.access")
        if c.params.get("grant_type") == "refresh_token"
    ]


async def test_a_nudge_after_expiry_goes_out_with_the_rotated_token(
    oauth_slack: SlackDriver, oauth_runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack,
) -> None:
    fake_slack.rotating = True
    await install(oauth_slack, "T2")
    assert "#1 Acme Corp" in text_of((await oauth_slack.command(ADD, team="T2")).body)
    assert _refreshes(fake_slack) == []  # a fresh token is used as it is
    old = await _expire(oauth_runtime, fake_slack, "T2")

    clock.advance(timedelta(hours=3, minutes=1))
    assert (await oauth_runtime.dispatcher.run_once()).delivered == 1
    [refresh] = _refreshes(fake_slack)
    assert refresh["client_id"] == CLIENT_ID and str(refresh["refresh_token"]).startswith(
        "xoxe-1-t2-"
    )
    post = fake_slack.calls_to("chat.postMessage")[-1]
    assert (
        post.status == 200
        and post.token != old
        and post.token == await _stored_token(oauth_runtime, "T2")
    )

    # The next request uses the saved token: no second refresh, no refusal.
    assert "Acme Corp" in text_of((await oauth_slack.command("list", team="T2")).body)
    assert len(_refreshes(fake_slack)) == 1
    refreshed_at = next(
        i for i, c in enumerate(fake_slack.calls) if c.params.get("grant_type") == "refresh_token"
    )
    assert old not in {c.token for c in fake_slack.calls[refreshed_at:]}


async def test_a_command_after_expiry_is_answered_with_the_rotated_token(
    oauth_slack: SlackDriver, oauth_runtime: Runtime, fake_slack: FakeSlack,
) -> None:
    fake_slack.rotating = True
    await install(oauth_slack, "T2")
    old = await _expire(oauth_runtime, fake_slack, "T2")
    hook = await oauth_slack.command(ADD, team="T2")
    assert "#1 Acme Corp" in text_of(hook.body)
    assert len(_refreshes(fake_slack)) == 1
    assert (
        {c.token for c in fake_slack.calls if c.method == "users.info"}
        == {await _stored_token(oauth_runtime, "T2")}
        != {old}
    )


async def test_a_refused_refresh_retries_the_nudge_later_rather_than_dropping_it(
    oauth_slack: SlackDriver, oauth_runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack,
) -> None:
    fake_slack.rotating = True
    await install(oauth_slack, "T2")
    await oauth_slack.command(ADD, team="T2")
    await _expire(oauth_runtime, fake_slack, "T2")
    spent = dict(fake_slack.refresh_tokens)
    fake_slack.refresh_tokens.clear()  # Slack refuses the refresh this time
    clock.advance(timedelta(hours=3, minutes=1))
    report = await oauth_runtime.dispatcher.run_once()
    assert (report.delivered, report.retried, report.failed) == (0, 1, 0)

    fake_slack.refresh_tokens.update(spent)  # and takes it later
    clock.advance(timedelta(hours=1))
    assert (await oauth_runtime.dispatcher.run_once()).delivered == 1


async def test_a_weekly_digest_after_expiry_is_posted_with_the_rotated_token(
    oauth_slack: SlackDriver, oauth_runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack,
) -> None:
    """A channel post no request is behind: the digest, a week after anyone last wrote."""
    fake_slack.rotating = True
    await install(oauth_slack, "T2")
    fake_slack.users["U1"] = {"is_admin": True}
    await oauth_slack.command("channel on", channel="C1", team="T2")
    assert "Weekly digest" in text_of(
        (await oauth_slack.command("digest monday 09:00", channel="C1", team="T2")).body
    )
    old = await _expire(oauth_runtime, fake_slack, "T2")

    clock.advance(timedelta(days=7, minutes=1))
    assert (await oauth_runtime.digests.run_once()).delivered == 1
    posted = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") == "C1"]
    assert (
        posted
        and posted[-1].token not in (None, old)
        and posted[-1].token == await _stored_token(oauth_runtime, "T2")
    )
    assert len(_refreshes(fake_slack)) == 1
