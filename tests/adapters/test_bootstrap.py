"""The composition root: `bootstrap` builds every chosen platform's adapter up front, and the
core sees a platform's notifier and poster only while that platform is live."""

from __future__ import annotations

import pytest

from adapters.bootstrap import DiscordPlatform, SlackPlatform, bootstrap, platforms_from
from adapters.config import Config
from adapters.outlets import Available, Outlet
from bot.clock import SimulatedClock
from tests.harness import START, RecordingNotifier, RecordingPoster


@pytest.fixture(autouse=True)
def no_tokens_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "DISCORD_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_settings_choose_the_platforms() -> None:
    both = Config(
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        DISCORD_TOKEN="d",
        FOLLOWUP_HTTP_HOST="127.0.0.1",
    )
    assert platforms_from(both) == [SlackPlatform(host="127.0.0.1"), DiscordPlatform()]
    assert platforms_from(Config()) == []


async def test_every_chosen_platform_is_built_at_once_and_none_is_live_before_it_starts(
    sqlite_url: str,
) -> None:
    config = Config(
        FOLLOWUP_DATABASE_URL=sqlite_url,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        DISCORD_TOKEN="d",
    )
    runtime = await bootstrap(config, clock=SimulatedClock(START), platforms=platforms_from(config))
    try:
        assert list(runtime.adapters) == ["slack", "discord"]
        assert runtime.health.platforms == list(runtime.adapters.values())
        assert dict(runtime.notifiers) == {} and dict(runtime.posters) == {}
        assert await runtime.dispatcher.next_due_at() is None
    finally:
        await runtime.close()


def test_available_shows_only_what_is_live_now() -> None:
    up = {"console": True, "slack": False}
    clock = SimulatedClock(START)
    outlets = {
        name: Outlet(RecordingNotifier(), RecordingPoster(clock), live=lambda n=name: up[n])
        for name in up
    }
    notifiers = Available({name: o.notifier for name, o in outlets.items()}, outlets)
    assert list(notifiers) == ["console"] and "slack" not in notifiers and len(notifiers) == 1
    with pytest.raises(KeyError):
        notifiers["slack"]
    up["slack"] = True
    assert notifiers["slack"] is outlets["slack"].notifier and set(notifiers) == {
        "console",
        "slack",
    }
