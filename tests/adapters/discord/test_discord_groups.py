"""Group job-search channels on the fake Discord, through real discord.py: group mode
on and off (Manage Channels allowed, others refused), the bot's own permissions checked first,
`share` and `board` posted to the channel while the asker's reply stays ephemeral, the weekly
digest at its local time across a DST change and once after a restart, the poster's errors,
and privacy checked on every recorded REST call."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.clock import SimulatedClock
from bot.groups import ChannelRef, GroupChannel
from bot.messages import Message
from tests.adapters.discord.conftest import (
    ALICE,
    BOB,
    discord_adapter,
    discord_config,
    discord_runtime,
)
from tests.adapters.discord.helpers import ERROR_COLOUR
from tests.fakes.discord_api import (
    APP_ID,
    BOT_CAN_POST,
    CHANNEL_ID,
    EMBED_LINKS,
    EPHEMERAL,
    MANAGE_CHANNELS,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Call,
    FakeDiscord,
    FakeUser,
    Interactions,
    Sent,
)

ADMINISTRATOR = 1 << 3
CAROL = FakeUser(410000000000000003, "carol", "Carol")
REF = ChannelRef("discord", "discord", str(CHANNEL_ID))
CHANNEL_POSTS = rf"/channels/{CHANNEL_ID}/messages"
# /followup-group
GROUP_SUBCOMMANDS = frozenset({"channel", "digest", "digest-off", "share", "share-off", "board"})
INTRO = "Group mode is on in this channel"


@dataclass
class Guild:
    """Runs slash commands as people on the fake Discord and remembers who asked what, so a
    reply can be told apart from a post for everyone."""

    fake: FakeDiscord
    make: Interactions
    asked_by: dict[str, FakeUser] = field(default_factory=dict)  # interaction id → who
    in_dm: set[str] = field(default_factory=set)  # interaction ids typed in a DM

    async def say(
        self,
        sub: str,
        options: dict[str, Any] | None = None,
        *,
        user: FakeUser = ALICE,
        manager: bool = False,
        dm: bool = False,
        app_permissions: int = BOT_CAN_POST,
    ) -> Sent:
        payload = self.make.slash(
            sub,
            options,
            command="followup-group" if sub in GROUP_SUBCOMMANDS else "followup",
            user=user,
            guild_id=None if dm else self.fake.guilds[0],
            permissions=MANAGE_CHANNELS if manager else 0,
            app_permissions=app_permissions,
        )
        self.asked_by[payload["id"]] = user
        if dm:
            self.in_dm.add(payload["id"])
        return await self.fake.interact(payload)

    async def group_on(self) -> None:
        sent = await self.say("channel", {"state": "on"}, manager=True)
        assert sent.embed["title"] == INTRO, sent.embed

    def interaction_of(self, call: Call) -> str | None:
        """The interaction a call answers (its callback, or a followup or edit), if any."""
        parts = call.path.split("/")
        if call.path.startswith("/interactions/"):
            return parts[2]
        if call.path.startswith(f"/webhooks/{APP_ID}/token-"):
            return parts[3].removeprefix("token-")
        return None

    def answered_to(self, call: Call) -> FakeUser | None:
        interaction = self.interaction_of(call)
        return self.asked_by.get(interaction) if interaction else None

    def is_private(self, call: Call) -> bool:
        """An answer only its asker sees: ephemeral in the server, or in their DM."""
        interaction = self.interaction_of(call)
        flags = int((call.json or {}).get("data", {}).get("flags", 0) or 0)
        return interaction in self.in_dm or bool(flags & EPHEMERAL)


@pytest.fixture
def guild(fake: FakeDiscord, make: Interactions) -> Guild:
    return Guild(fake, make)


def channel_posts(fake: FakeDiscord) -> list[Call]:
    return fake.calls_to("POST", CHANNEL_POSTS)


def titles(fake: FakeDiscord) -> list[str]:
    return [call.json["embeds"][0]["title"] for call in channel_posts(fake)]


def text_of(call: Call) -> str:
    return json.dumps(call.json, ensure_ascii=False) + "".join(
        content.decode("utf-8", "replace") for _, content in call.files
    )


async def stored_channel(runtime: Runtime) -> GroupChannel | None:
    async with runtime.database.unit_of_work() as uow:
        return await uow.groups.get(REF)


async def advance(
    runtime: Runtime, clock: SimulatedClock, fake: FakeDiscord, span: timedelta
) -> list[datetime]:
    """Move the simulated clock by `span`, posting each digest that falls due on the way (as the
    core's tests do); returns the simulated times at which something reached the channel."""
    target = clock.now() + span
    posted: list[datetime] = []
    while (due := await runtime.digests.next_due_at()) is not None and due <= target:
        clock.set(max(due, clock.now()))
        before = len(channel_posts(fake))
        await runtime.digests.run_once()
        posted += [clock.now()] * (len(channel_posts(fake)) - before)
    clock.set(target)
    return posted


def assert_posts_are_plain(fake: FakeDiscord) -> None:
    """Every channel post: an embed, no mention parsed, no buttons
    (they act on one person's data)."""
    for call in channel_posts(fake):
        assert call.json["allowed_mentions"] == {"parse": []}, call.json
        assert call.json.get("embeds") and not call.json.get("components"), call.json


# ---- turning group mode on and off -------------------------------------------------------------


async def test_a_member_with_manage_channels_turns_group_mode_on_and_off(
    adapter: DiscordAdapter, guild: Guild, fake: FakeDiscord, runtime: Runtime
) -> None:
    on = await guild.say("channel", {"state": "on"}, manager=True)
    assert on.ephemeral and on.embed["title"] == INTRO and on.embed["color"] != ERROR_COLOUR
    [intro] = channel_posts(fake)
    assert intro.json["embeds"][0]["title"] == INTRO
    assert "Alice turned on" in intro.json["embeds"][0]["description"]
    assert_posts_are_plain(fake)
    channel = await stored_channel(runtime)
    assert channel is not None and channel.enabled

    status = await guild.say("channel", user=BOB)  # anyone may look
    assert status.ephemeral and status.embed["title"] == INTRO

    off = await guild.say("channel", {"state": "off"}, manager=True)
    assert off.ephemeral and off.embed["title"] == "Group mode is off in this channel"
    channel = await stored_channel(runtime)
    assert channel is not None and not channel.enabled
    assert len(channel_posts(fake)) == 1  # turning it off posts nothing


async def test_without_manage_channels_group_mode_is_refused(
    adapter: DiscordAdapter, guild: Guild, fake: FakeDiscord, runtime: Runtime
) -> None:
    refused = await guild.say("channel", {"state": "on"}, user=BOB)
    assert refused.ephemeral and refused.embed["color"] == ERROR_COLOUR
    assert "Only someone who manages this channel" in refused.embed["title"]
    assert await stored_channel(runtime) is None and channel_posts(fake) == []

    await guild.group_on()  # alice, with Manage Channels, becomes the owner
    for sub, options in (
        ("channel", {"state": "off"}),
        ("digest", {"weekday": "monday", "time": "09:00"}),
        ("digest-off", {}),
    ):
        refused = await guild.say(sub, options, user=BOB)
        assert refused.ephemeral and refused.embed["color"] == ERROR_COLOUR, sub
    channel = await stored_channel(runtime)
    assert channel is not None and channel.enabled and channel.schedule is None

    # Another member with Manage Channels (here through Administrator) may change it.
    admin = guild.make.slash(
        "channel", {"state": "off"}, user=CAROL, permissions=ADMINISTRATOR, command="followup-group"
    )
    off = await fake.interact(admin)
    assert off.embed["title"] == "Group mode is off in this channel"


@pytest.mark.parametrize(
    ("bot_has", "missing"),
    [
        (BOT_CAN_POST & ~SEND_MESSAGES, "“Send Messages”"),
        (BOT_CAN_POST & ~EMBED_LINKS, "“Embed Links”"),
        (0, "“View Channel” and “Send Messages” and “Embed Links”"),
    ],
)
async def test_group_mode_is_refused_while_the_bot_cannot_post_and_nothing_is_stored(
    adapter: DiscordAdapter,
    guild: Guild,
    fake: FakeDiscord,
    runtime: Runtime,
    bot_has: int,
    missing: str,
) -> None:
    refused = await guild.say("channel", {"state": "on"}, manager=True, app_permissions=bot_has)
    assert refused.ephemeral and refused.embed["color"] == ERROR_COLOUR
    assert refused.embed["title"] == "I can't post in this channel yet, so group mode stays off."
    assert f"I'm missing {missing} in this channel" in refused.embed["description"]
    assert "Nothing changed." in refused.embed["description"]
    assert await stored_channel(runtime) is None and channel_posts(fake) == []

    granted = await guild.say(
        "channel",
        {"state": "on"},
        manager=True,
        app_permissions=VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS,
    )
    assert granted.embed["title"] == INTRO and len(channel_posts(fake)) == 1


async def test_in_a_thread_the_bot_needs_send_messages_in_threads(
    adapter: DiscordAdapter, guild: Guild, fake: FakeDiscord, runtime: Runtime
) -> None:
    payload = guild.make.slash(
        "channel",
        {"state": "on"},
        user=ALICE,
        permissions=MANAGE_CHANNELS,
        command="followup-group",
    )
    payload["channel"] |= {
        "type": 11,
        "parent_id": str(CHANNEL_ID + 1),
        "owner_id": str(ALICE.id),
        "member_count": 1,
        "message_count": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": "2025-03-12T12:00:00+00:00",
            "locked": False,
        },
    }
    refused = await fake.interact(payload)
    assert "I'm missing “Send Messages in Threads”" in refused.embed["description"]
    assert await stored_channel(runtime) is None


async def test_bot_permissions_are_not_asked_for_in_a_dm(
    adapter: DiscordAdapter, guild: Guild, runtime: Runtime
) -> None:
    sent = await guild.say("channel", {"state": "on"}, dm=True, app_permissions=0)
    assert (
        sent.ephemeral
        and sent.embed["title"] == "Group channel commands work in a server that added Followup."
    )


# ---- share and the board -------------------------------------------------------------------------


async def test_share_posts_the_milestone_to_the_channel_and_replies_privately(
    adapter: DiscordAdapter, guild: Guild, fake: FakeDiscord
) -> None:
    await guild.group_on()
    await guild.say(
        "add",
        {
            "company": "Acme",
            "role": "Data Engineer",
            "when": "yesterday 10:00",
            "interviewer": "Jane Doe",
        },
        dm=True,
    )

    reply = await guild.say("share", {"id": 1})
    assert reply.type == 4 and reply.ephemeral and reply.embed["title"] == "Shared with the channel"
    post = channel_posts(fake)[-1]
    assert post.json["embeds"][0]["title"] == "Alice had an interview with Acme."
    assert "flags" not in post.json or not int(post.json["flags"]) & EPHEMERAL
    assert "Jane" not in text_of(post)  # never a third party
    assert_posts_are_plain(fake)

    stop = await guild.say("share-off")
    assert stop.ephemeral and stop.embed["color"] != ERROR_COLOUR
    assert len(channel_posts(fake)) == 2  # withdrawing posts nothing


async def test_board_is_posted_in_the_channel(
    adapter: DiscordAdapter, guild: Guild, fake: FakeDiscord
) -> None:
    await guild.group_on()
    await guild.say(
        "add", {"company": "Acme", "role": "Engineer", "when": "yesterday 10:00"}, dm=True
    )
    await guild.say("sent", {"id": 1}, dm=True)
    await guild.say("share", {"id": 1})

    reply = await guild.say("board", user=BOB)
    assert reply.ephemeral and reply.embed["title"] == "Posted this week's board to the channel."
    board = channel_posts(fake)[-1].json["embeds"][0]
    assert board["title"].startswith("Board — this week")
    assert board["description"] == "Alice: 1 follow-up, 1 interview"
    assert_posts_are_plain(fake)


@pytest.mark.parametrize(
    ("status", "code", "says"),
    [
        (
            403,
            50013,
            "error 50013 Missing Permissions): give Followup Send Messages and Embed Links",
        ),
        (403, 50001, "error 50001 Missing Access): give Followup the View Channel permission"),
        (404, 10003, "error 10003 Unknown Channel"),
    ],
)
async def test_a_refused_post_is_explained_to_the_asker(
    adapter: DiscordAdapter, guild: Guild, fake: FakeDiscord, status: int, code: int, says: str
) -> None:
    await guild.group_on()
    fake.fail_next("POST", CHANNEL_POSTS, status=status, code=code, message="refused")
    reply = await guild.say("board")
    assert reply.ephemeral
    assert "⚠ I couldn't post in the channel: Discord" in reply.embed["footer"]["text"]
    assert says in reply.embed["footer"]["text"]


async def test_a_long_post_goes_out_without_its_file_when_files_are_not_allowed(
    adapter: DiscordAdapter, fake: FakeDiscord, runtime: Runtime
) -> None:
    fake.fail_next("POST", CHANNEL_POSTS, status=403, code=50013, message="Missing Permissions")
    await runtime.posters["discord"].post(
        REF, Message(title="Weekly digest", body="x" * 5000, private=False)
    )
    first, second = channel_posts(fake)
    assert first.files and not second.files
    assert second.json["embeds"][0]["description"].endswith("…")


async def test_the_core_sees_the_poster_only_while_the_adapter_runs(
    adapter: DiscordAdapter, runtime: Runtime
) -> None:
    assert "discord" in runtime.posters
    await adapter.stop()
    assert "discord" not in runtime.posters


# ---- the weekly digest ---------------------------------------------------------------------------


async def test_digest_is_posted_at_the_local_time_across_a_dst_change(
    adapter: DiscordAdapter,
    guild: Guild,
    fake: FakeDiscord,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    await guild.group_on()
    scheduled = await guild.say(
        "digest", {"weekday": "monday", "time": "09:00", "tz": "Europe/Berlin"}, manager=True
    )
    assert (
        scheduled.ephemeral
        and scheduled.embed["title"] == "Weekly digest: Mondays at 09:00 (Europe/Berlin)"
    )

    # Berlin moves to summer time on Sun 30 Mar 2025: 09:00 is 08:00 UTC, then 07:00 UTC.
    posted = await advance(runtime, clock, fake, timedelta(days=21))
    assert posted == [
        datetime(2025, 3, 17, 8, 0, tzinfo=UTC),
        datetime(2025, 3, 24, 8, 0, tzinfo=UTC),
        datetime(2025, 3, 31, 7, 0, tzinfo=UTC),
    ]
    assert [t.split(" —")[0] for t in titles(fake)] == [
        INTRO,
        "Weekly digest",
        "Weekly digest",
        "Weekly digest",
    ]
    assert_posts_are_plain(fake)


async def test_a_digest_missed_while_down_is_posted_once_after_a_restart(
    adapter: DiscordAdapter, guild: Guild, fake: FakeDiscord, runtime: Runtime, sqlite_url: str
) -> None:
    await guild.group_on()
    # Mon 17 Mar
    await guild.say(
        "digest", {"weekday": "monday", "time": "09:00", "tz": "Europe/Berlin"}, manager=True
    )
    await adapter.stop()  # the process goes down…

    later = SimulatedClock(datetime(2025, 4, 2, 10, 0, tzinfo=UTC))  # …for three Mondays
    restarted = await discord_runtime(discord_config(fake, sqlite_url), later, "after-restart")
    second = discord_adapter(restarted)
    try:
        await second.start()
        await asyncio.wait_for(second.wait_until_ready(), 5)
        # what the scheduler runs first: rebuild, post what is overdue
        await restarted.digest_jobs.start()
        await restarted.digest_jobs.resync()  # a second wake-up posts nothing more
        assert (await restarted.digests.run_once()).delivered == 0
        digests = [
            call
            for call in channel_posts(fake)
            if call.json["embeds"][0]["title"].startswith("Weekly digest")
        ]
        [late] = digests
        assert late.json["embeds"][0]["description"].startswith(
            "This digest was due Mon 17 Mar 09:00 — posted late because I was offline."
        )
        assert await restarted.digests.next_due_at() == datetime(2025, 4, 7, 7, 0, tzinfo=UTC)
        assert_posts_are_plain(fake)
    finally:
        await second.stop()
        await restarted.close()


async def test_a_digest_the_channel_refuses_is_skipped_and_shown_in_channel(
    adapter: DiscordAdapter,
    guild: Guild,
    fake: FakeDiscord,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    await guild.group_on()
    await guild.say("digest", {"weekday": "thursday", "time": "09:00", "tz": "UTC"}, manager=True)
    fake.fail_next("POST", CHANNEL_POSTS, status=403, code=50001, message="Missing Access")
    await advance(runtime, clock, fake, timedelta(days=2))
    status = await guild.say("channel")
    fields = {f["name"]: f["value"] for f in status.embed["fields"]}
    assert "error 50001 Missing Access" in fields["Last digest"]
    await advance(runtime, clock, fake, timedelta(days=7))
    assert titles(fake)[-1].startswith("Weekly digest")  # the next week it goes out again


# ---- privacy -------------------------------------------------------------------------------------


async def test_no_name_or_company_reaches_discord_unless_its_owner_shared_it(
    adapter: DiscordAdapter,
    guild: Guild,
    fake: FakeDiscord,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    await guild.group_on()
    await guild.say("digest", {"weekday": "thursday", "time": "09:00", "tz": "UTC"}, manager=True)
    # Alice shares one application and keeps another to herself.
    await guild.say(
        "add",
        {
            "company": "Acme Corp",
            "role": "Data Engineer",
            "when": "yesterday 10:00",
            "interviewer": "Jane Doe",
        },
        dm=True,
    )
    await guild.say(
        "add",
        {
            "company": "Hidden Labs",
            "role": "Platform Lead",
            "when": "yesterday 15:00",
            "interviewer": "Pat Quinn",
        },
        dm=True,
    )
    await guild.say("sent", {"id": 1}, dm=True)
    await guild.say("sent", {"id": 2}, dm=True)
    await guild.say("share", {"id": 1})
    # Bob works just as hard, uses the bot in the channel, and never shares.
    await guild.say(
        "add",
        {
            "company": "Kestrel Analytics",
            "role": "Analyst",
            "when": "yesterday 11:00",
            "interviewer": "Kim Lee",
        },
        user=BOB,
        dm=True,
    )
    await guild.say("sent", {"id": 1}, user=BOB, dm=True)
    await guild.say("heard", {"id": 1, "note": "Kim wants references"}, user=BOB, dm=True)
    await guild.say("today", user=BOB)
    mine = await guild.say("list", user=BOB)
    # his own data, to him alone
    assert mine.ephemeral and "Kestrel Analytics" in text_of(mine.call)
    await guild.say("board", user=BOB)
    await guild.say("share-off", user=BOB)
    await guild.say("channel", user=BOB)
    await advance(runtime, clock, fake, timedelta(days=15))  # three digests

    digests = [
        call
        for call in channel_posts(fake)
        if call.json["embeds"][0]["title"].startswith("Weekly digest")
    ]
    assert len(digests) == 3
    first = digests[0].json["embeds"][0]["description"]
    assert first.startswith("Follow-ups sent: 3 (thank-you 3)")  # bob's follow-up counts…
    assert "…and 1 more member, counted in the totals." in first  # …unnamed
    assert "Alice" in text_of(digests[0])  # she shared: named
    assert_posts_are_plain(fake)

    # Every REST call the bot made, replies and posts alike.
    for call in fake.calls:
        text = text_of(call)
        # never named, not even to himself
        assert "Bob" not in text and "bob" not in text, call.path
        asker = guild.answered_to(call)
        if asker is not None:  # a reply to someone's own command: private to them
            assert guild.is_private(call), call.json
        if asker is not BOB:
            assert not any(
                word in text for word in ("Kestrel", "Kim Lee", "Analyst", "references")
            ), call.path
        if asker is not ALICE:
            assert not any(
                word in text
                for word in (
                    "Hidden Labs",
                    "Platform Lead",
                    "Pat Quinn",
                    "Jane Doe",
                    "Data Engineer",
                )
            ), call.path
    public = "\n".join(text_of(call) for call in channel_posts(fake))
    assert "Acme Corp" in public  # the one thing Alice shared



async def test_removing_the_bot_from_a_server_drops_its_group_channels_and_digest(
    adapter: DiscordAdapter,
    guild: Guild,
    fake: FakeDiscord,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    await guild.group_on()
    await guild.say("digest", {"weekday": "monday", "time": "09:00"}, manager=True)
    await guild.say("add", {"company": "Zeta Labs", "role": "Engineer", "when": "tomorrow 10:00"})
    assert await runtime.digests.next_due_at() is not None

    await fake.create_channel(fake.guilds[0])
    await fake.remove_guild(fake.guilds[0])
    for _ in range(100):
        if await stored_channel(runtime) is None:
            break
        await asyncio.sleep(0.01)
    assert await stored_channel(runtime) is None
    assert await runtime.digests.next_due_at() is None
    before = len(channel_posts(fake))
    assert await advance(runtime, clock, fake, timedelta(days=8)) == []
    assert len(channel_posts(fake)) == before
    still = await guild.say("list", dm=True)  # the person's own data is not the server's
    assert "Zeta Labs" in still.embed["description"]
