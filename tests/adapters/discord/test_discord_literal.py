"""User text reaches Discord literally on every surface: the reply, the nudge DM, and the
group channel's milestone, board and digest. Every text in an embed is escaped with
discord.py's own `escape_markdown`, so `**bold**`, `||spoilers||`, backticks and masked links
typed by someone show as typed; mentions are never parsed; invisible and bidirectional
characters never arrive."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.clock import SimulatedClock
from tests.adapters.discord.test_discord_groups import Guild, channel_posts
from tests.fakes.discord_api import FakeDiscord, FakeUser, Interactions, dm_channel_id
from tests.hostile import COMPANY, FENCE, INVISIBLE_CHARS

EVE = FakeUser(410000000000000009, "eve", "Eve **x** \u202eeve\u200b")
ESCAPED = (
    "\\*b\\*",
    "\\_i\\_",
    "\\~s\\~",
    "\\`c\\`",
    "\\*\\*B\\*\\*",
    "\\|\\|sp\\|\\|",
    "\\[click me](",
)


@pytest.fixture
def guild(fake: FakeDiscord, make: Interactions) -> Guild:
    return Guild(fake, make)


def embed_texts(payload: dict[str, Any]) -> list[str]:
    texts = []
    for embed in payload.get("embeds") or []:
        texts += [
            embed.get("title") or "",
            embed.get("description") or "",
            (embed.get("footer") or {}).get("text") or "",
        ]
        for item in embed.get("fields") or []:
            texts += [item["name"], item["value"]]
    return [t for t in texts if t]


def assert_literal(payload: dict[str, Any], where: str) -> None:
    texts = embed_texts(payload)
    assert any("click me" in t for t in texts), (where, texts)
    for text in texts:
        if "click me" in text:
            for escaped in ESCAPED:
                assert escaped in text, (where, escaped, text)
        if "```x```" in text.replace("\\`", ""):
            raise AssertionError((where, text))
    assert not INVISIBLE_CHARS & set(json.dumps(payload, ensure_ascii=False)), where


async def test_hostile_text_arrives_literal_on_every_discord_surface(
    adapter: DiscordAdapter,
    guild: Guild,
    fake: FakeDiscord,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    reply = await guild.say(
        "add",
        {"company": COMPANY, "role": FENCE, "when": "yesterday 10:00", "interviewer": "Jane *Doe*"},
        user=EVE,
        dm=True,
    )
    assert_literal(reply.call.json["data"], "reply")

    clock.advance(timedelta(hours=3))
    await runtime.dispatcher.run_once()
    [nudge] = fake.calls_to("POST", rf"/channels/{dm_channel_id(EVE.id)}/messages")
    assert_literal(nudge.json, "nudge")

    await guild.group_on()
    await guild.say("sent", {"id": 1}, user=EVE, dm=True)
    await guild.say("share", {"id": 1}, user=EVE)
    await guild.say("board", user=EVE)
    await guild.say(
        "digest", {"weekday": "monday", "time": "09:00", "tz": "Europe/Berlin"}, manager=True
    )
    clock.advance(timedelta(days=8))
    await runtime.digests.run_once()
    posts = channel_posts(fake)
    assert len(posts) >= 4  # intro, milestone, board, digest
    assert_literal(posts[1].json, "milestone")
    for post in posts:
        raw = json.dumps(post.json, ensure_ascii=False)
        assert not INVISIBLE_CHARS & set(raw), raw
        for text in embed_texts(post.json):
            if "Eve " in text:
                assert "Eve \\*\\*x\\*\\*" in text, text  # the member's name, as typed
    assert any("Eve" in json.dumps(p.json) for p in posts[2:])  # board and digest name her
