"""Group channels on Slack, through signed requests to the real adapter and the fake
Web API: group mode turned on and off by a workspace admin or owner (and refused to others);
`share` and `board` posted in the channel with `chat.postMessage` while the answers stay
ephemeral; the weekly digest at its local time across a DST change and, after downtime, once;
`not_in_channel` and other refusals explained to the person who asked; the intro when the bot
joins a channel; and privacy, checked over every recorded Web API call."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.bootstrap import Runtime
from adapters.config import Config
from bot.clock import SimulatedClock
from bot.groups import ChannelRef
from tests.adapters.slack.conftest import Pauses, slack_adapter, slack_runtime
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import BOT_USER, Call, FakeSlack

CHANNEL = "C1"
ALICE, BOB, CAROL, DAVE = "U1", "U2", "U3", "U4"


@pytest.fixture(autouse=True)
def people(fake_slack: FakeSlack) -> None:
    """Alice is a workspace admin, Carol its owner; Bob and Dave are neither."""
    fake_slack.users.update({
        ALICE: {"real_name": "Alice Admin", "is_admin": True},
        BOB: {"real_name": "Bob Secretname"},
        CAROL: {"real_name": "Carol Owner", "is_owner": True},
        DAVE: {"real_name": "Dave Sharer"},
    })


def posts_to(fake: FakeSlack, channel: str = CHANNEL) -> list[Call]:
    """The messages Slack accepted in `channel`."""
    return [
        c
        for c in fake.calls_to("chat.postMessage", ok_only=True)
        if c.params.get("channel") == channel and c.error is None
    ]


def dumped(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


def seen_only_by(call: Call) -> str | None:
    """The one user a call's content is shown to (their DM with the bot, their Home tab)."""
    channel = str(call.params.get("channel") or "")
    if channel.startswith("D"):
        return channel[1:]
    if call.method == "views.publish":
        return str(call.params.get("user_id"))
    return None


def ephemeral(hook_body: dict[str, Any]) -> bool:
    return hook_body.get("response_type") == "ephemeral"


async def group_on(slack: SlackDriver, user: str = ALICE) -> None:
    hook = await slack.command("channel on", user=user, channel=CHANNEL)
    assert text_of(hook.body).startswith("Group mode is on in this channel"), text_of(hook.body)
    assert ephemeral(hook.body)


async def advance(
    runtime: Runtime, clock: SimulatedClock, fake: FakeSlack, span: timedelta
) -> list[tuple[datetime, Call]]:
    """Move the simulated clock, running the nudge and digest dispatchers whenever something
    falls due on the way (as `tests.harness.World.advance` does); returns the posts made in the
    channel, each with the instant it was made."""
    target = clock.now() + span
    stamped: list[tuple[datetime, Call]] = []
    while True:
        due = [await runtime.dispatcher.next_due_at(), await runtime.digests.next_due_at()]
        upcoming = min((t for t in due if t is not None), default=None)
        if upcoming is None or upcoming > target:
            break
        clock.set(max(upcoming, clock.now()))
        before = len(fake.calls)
        await runtime.dispatcher.run_once()
        await runtime.digests.run_once()
        stamped += [
            (clock.now(), c)
            for c in fake.calls[before:]
            if c.method == "chat.postMessage"
            and c.params.get("channel") == CHANNEL
            and c.error is None
            and c.status == 200
        ]
    clock.set(target)
    return stamped


# ---- who may turn group mode on and change it -----------------------------------------------


@pytest.mark.parametrize("manager", [ALICE, CAROL], ids=["admin", "owner"])
async def test_a_workspace_admin_or_owner_turns_group_mode_on_and_off(
    slack: SlackDriver, fake_slack: FakeSlack, manager: str
) -> None:
    await group_on(slack, manager)
    [intro] = posts_to(fake_slack)
    assert intro.token == "xoxb-test"
    assert intro.params["text"].startswith("Group mode is on in this channel")
    assert intro.params["blocks"][0]["type"] == "header"

    digest = await slack.command("digest friday 17:00", user=manager, channel=CHANNEL)
    assert text_of(digest.body).startswith(
        "Weekly digest: Fridays at 17:00 (Europe/Berlin)"
    ) and ephemeral(digest.body)
    off = await slack.command("channel off", user=manager, channel=CHANNEL)
    assert text_of(off.body).startswith("Group mode is off in this channel") and ephemeral(off.body)
    assert len(posts_to(fake_slack)) == 1  # replies never go to the channel
    # cached
    assert len([c for c in fake_slack.calls_to("users.info") if c.params["user"] == manager]) == 1


async def test_someone_who_is_not_an_admin_is_refused(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    refused = await slack.command("channel on", user=BOB, channel=CHANNEL)
    assert "Only someone who manages this channel can turn group mode on" in text_of(refused.body)
    assert ephemeral(refused.body) and posts_to(fake_slack) == []
    async with runtime.database.unit_of_work() as uow:
        assert await uow.groups.get(ChannelRef("slack", "T1", CHANNEL)) is None  # nothing set up

    await group_on(slack, ALICE)
    for line in ("channel off", "digest monday 09:00", "digest off"):
        hook = await slack.command(line, user=BOB, channel=CHANNEL)
        assert "Only the person who turned group mode on" in text_of(hook.body), line
        assert ephemeral(hook.body)
    still = await slack.command("channel", user=BOB, channel=CHANNEL)
    assert "Only the person who turned it on" in text_of(still.body)
    # Carol, the workspace owner, may change what Alice set up.
    assert text_of(
        (await slack.command("channel off", user=CAROL, channel=CHANNEL)).body
    ).startswith("Group mode is off")


async def test_when_slack_cannot_say_who_is_an_admin_nobody_is(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    # the identity and the admin lookup
    fake_slack.fail("users.info", error="user_not_found", times=2)
    refused = await slack.command("channel on", user=ALICE, channel=CHANNEL)
    assert "Only someone who manages this channel can turn group mode on" in text_of(refused.body)
    assert posts_to(fake_slack) == []
    await group_on(slack, ALICE)  # Slack answers again: alice is an admin after all


async def test_group_commands_in_the_dm_are_explained(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    hook = await slack.command("channel on", user=ALICE)
    assert "works in a group channel, not in a direct message" in text_of(hook.body)
    assert posts_to(fake_slack) == []


# ---- share and the board ----------------------------------------------------------------------


async def test_share_posts_the_milestone_in_the_channel_and_the_reply_stays_ephemeral(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await group_on(slack)
    await slack.command(
        "add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe, Engineering Manager", user=DAVE
    )
    await slack.command("sent 1", user=DAVE)

    reply = await slack.command("share 1", user=DAVE, channel=CHANNEL)
    assert ephemeral(reply.body) and text_of(reply.body).startswith("Shared with the channel")
    milestone = posts_to(fake_slack)[-1]
    assert milestone.params["text"].startswith(
        "Dave Sharer sent a thank-you follow-up to Acme Corp."
    )
    assert milestone.token == "xoxb-test"
    assert "Jane" not in dumped(milestone) and "Data Engineer" not in dumped(milestone)

    again = await slack.command("share 1", user=DAVE, channel=CHANNEL)
    assert text_of(again.body).startswith("You already shared that here")
    assert len(posts_to(fake_slack)) == 2  # the intro and one milestone


async def test_user_text_in_a_channel_post_pings_nobody(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.users[DAVE] = {"display_name": "Dave <!channel> @here"}
    await group_on(slack)
    await slack.command("add Acme <@U2> & <!everyone> Corp; Engineer; today 10:00", user=DAVE)
    await slack.command("share 1", user=DAVE, channel=CHANNEL)
    post = posts_to(fake_slack)[-1]
    raw = dumped(post)
    for mention in ("<!channel>", "<@U2>", "<!everyone>"):
        assert mention not in raw
    assert (
        "Dave &lt;!channel&gt; @here has an interview lined up with Acme &lt;@U2&gt; &amp; "
        "&lt;!everyone&gt; Corp." in post.params["text"]
    )
    assert post.params["parse"] == "none" and post.params["link_names"] is False
    texts = [
        t
        for b in post.params["blocks"]
        for t in [b.get("text"), *b.get("elements", []), *b.get("fields", [])]
        if isinstance(t, dict) and "text" in t
    ]
    carrying = [t for t in texts if "Dave" in t["text"] or "Acme" in t["text"]]
    # no mrkdwn: no @here / #channel parsing, no formatting
    assert carrying and all(t["type"] == "plain_text" for t in carrying)
    assert all(t.get("verbatim") is True for t in texts if t["type"] == "mrkdwn")


async def test_board_is_posted_in_the_channel(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    await group_on(slack)
    for user, company in ((DAVE, "Daveworks"), (BOB, "Bobco Hidden")):
        await slack.command(f"add {company}; Engineer; yesterday 09:30; Pat Smith", user=user)
        await slack.command("sent 1", user=user)
    await slack.command("share 1", user=DAVE, channel=CHANNEL)

    reply = await slack.command("board", user=BOB, channel=CHANNEL)
    assert ephemeral(reply.body) and text_of(reply.body).startswith(
        "Posted this week's board to the channel."
    )
    board = posts_to(fake_slack)[-1]
    assert board.params["text"].startswith(
        "Board — this week (since Mon 10 Mar)\nDave Sharer: 1 follow-up"
    )
    assert "Everyone here together: 2 follow-ups" in board.params["text"]  # bob counts, unnamed
    assert "Bob" not in dumped(board)


# ---- the weekly digest --------------------------------------------------------------------------


async def test_the_digest_is_posted_at_its_local_time_across_a_dst_change(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    # Now: Mon 10 Mar 2025 09:00 in Berlin. Berlin moves to summer time on Sun 30 Mar, so the
    # Monday 09:00 digest is 08:00 UTC, then 07:00 UTC.
    await group_on(slack)
    hook = await slack.command("digest monday 09:00", user=ALICE, channel=CHANNEL)
    assert text_of(hook.body).startswith("Weekly digest: Mondays at 09:00 (Europe/Berlin)")
    posted = await advance(runtime, clock, fake_slack, timedelta(days=22))
    digests = [(at, call) for at, call in posted if call.params["text"].startswith("Weekly digest")]
    assert [at for at, _ in digests] == [
        datetime(2025, 3, 17, 8, 0, tzinfo=UTC),
        datetime(2025, 3, 24, 8, 0, tzinfo=UTC),
        datetime(2025, 3, 31, 7, 0, tzinfo=UTC),
    ]
    assert digests[-1][1].params["text"].startswith("Weekly digest — Mon 24 Mar to Mon 31 Mar")
    assert all(call.token == "xoxb-test" and call.params["blocks"] for _, call in digests)


async def test_a_digest_missed_while_down_is_posted_once_after_a_restart(
    slack: SlackDriver, config: Config, fake_slack: FakeSlack, pauses: Pauses
) -> None:
    await group_on(slack)
    # first due Mon 17 Mar 08:00 UTC
    await slack.command("digest monday 09:00", user=ALICE, channel=CHANNEL)
    await slack.adapter.stop()  # the bot goes down

    later = datetime(2025, 4, 2, 10, 0, tzinfo=UTC)  # three Mondays missed
    restarted = await slack_runtime(config, SimulatedClock(later), "after-restart", sleep=pauses)
    adapter = slack_adapter(restarted)
    try:
        await adapter.start()
        report = await restarted.digests.run_once()
        assert (report.delivered, report.late) == (1, 1)
        assert (await restarted.digests.run_once()).delivered == 0
        [digest] = [c for c in posts_to(fake_slack) if c.params["text"].startswith("Weekly digest")]
        assert (
            "This digest was due Mon 17 Mar 09:00 — posted late because I was offline."
            in digest.params["text"]
        )
        assert await restarted.digests.next_due_at() == datetime(2025, 4, 7, 7, 0, tzinfo=UTC)
    finally:
        await adapter.stop()
        await restarted.close()


# ---- what Slack refuses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "told"),
    [
        (
            "not_in_channel",
            "I'm not in this channel yet — invite me with /invite @Followup, then try again",
        ),
        (
            "channel_not_found",
            "I can't see this channel — if it's private, invite me with /invite @Followup, then "
            "try again",
        ),
        ("is_archived", "this channel is archived"),
        (
            "invalid_auth",
            "my Slack access token isn't valid any more — ask a workspace admin to reinstall "
            "Followup",
        ),
        ("some_new_error", "Slack refused the post (some_new_error)"),
    ],
)
async def test_a_refused_post_is_explained_to_the_person_who_asked(
    slack: SlackDriver, fake_slack: FakeSlack, error: str, told: str
) -> None:
    fake_slack.fail("chat.postMessage", error=error)
    # the intro can't be posted
    hook = await slack.command("channel on", user=ALICE, channel=CHANNEL)
    text = text_of(hook.body)
    assert text.startswith("Group mode is on in this channel") and ephemeral(hook.body)
    assert f"⚠ I couldn't post in the channel: {told}." in text
    # the refusal is not retried
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [200]
    assert posts_to(fake_slack) == []


async def test_not_in_channel_on_board_tells_the_person_to_invite(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await group_on(slack)
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    hook = await slack.command("board", user=DAVE, channel=CHANNEL)
    assert ephemeral(hook.body)
    assert "invite me with /invite @Followup" in text_of(hook.body)


async def test_a_rate_limit_and_a_server_error_are_retried(
    slack: SlackDriver, fake_slack: FakeSlack, pauses: Pauses
) -> None:
    await group_on(slack)
    fake_slack.fail("chat.postMessage", status=429, retry_after=2)
    fake_slack.fail("chat.postMessage", status=503, error="service_unavailable")
    hook = await slack.command("board", user=ALICE, channel=CHANNEL)
    assert "couldn't post" not in text_of(hook.body)
    assert pauses.taken == [2.0, 1.0]  # Retry-After, then the second server-error backoff step
    assert len(posts_to(fake_slack)) == 2  # the intro and the board


async def test_a_long_rate_limit_is_reported_as_try_again(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await group_on(slack)
    fake_slack.fail("chat.postMessage", status=429, retry_after=120)
    hook = await slack.command("board", user=ALICE, channel=CHANNEL)
    assert (
        "⚠ I couldn't post in the channel: rate limited by Slack — try again in a moment."
        in text_of(hook.body)
    )
    # asked again within those two minutes: not posted into the same limit, the same answer
    refused = len(fake_slack.calls_to("chat.postMessage"))
    again = await slack.command("board", user=ALICE, channel=CHANNEL)
    assert "rate limited by Slack — try again in a moment." in text_of(again.body)
    assert len(fake_slack.calls_to("chat.postMessage")) == refused


async def test_a_digest_the_bot_cannot_post_is_recorded_with_the_invite_hint(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await group_on(slack)
    await slack.command("digest monday 09:00", user=ALICE, channel=CHANNEL)
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    await advance(runtime, clock, fake_slack, timedelta(days=7, minutes=1))
    status = await slack.command("channel", user=ALICE, channel=CHANNEL)
    assert (
        "couldn't be posted: I'm not in this channel yet — invite me with /invite @Followup"
        in text_of(status.body)
    )
    # the next week it goes out
    posted = await advance(runtime, clock, fake_slack, timedelta(days=7))
    assert [c.params["text"].split(" —")[0] for _, c in posted] == ["Weekly digest"]


# ---- the bot joins a channel ------------------------------------------------------------------


async def test_the_bot_introduces_group_mode_when_it_joins_a_channel(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    joined = {
        "type": "member_joined_channel",
        "user": BOT_USER,
        "channel": "C9",
        "channel_type": "C",
        "team": "T1",
        "inviter": ALICE,
        "event_ts": "1.0",
    }
    # someone else joining: nothing
    assert await slack.event(dict(joined, user=BOB, channel="C8")) == 200
    assert await slack.event(joined) == 200
    intro = await fake_slack.wait_for_call("chat.postMessage")
    assert intro.params["channel"] == "C9" and intro.token == "xoxb-test"
    text = intro.params["text"]
    assert text.startswith("Hi, I'm Followup")
    assert "`/followup channel on`" in text and "workspace admin or owner" in text
    assert "Privacy: nothing about you is posted here unless you share it yourself" in text
    assert all(
        t["verbatim"]
        for b in intro.params["blocks"]
        for t in [b.get("text")]
        if isinstance(t, dict) and t.get("type") == "mrkdwn"
    )
    assert posts_to(fake_slack, "C8") == [] and len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_an_intro_the_bot_cannot_post_is_only_logged(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", error="is_archived")
    joined = {
        "type": "member_joined_channel",
        "user": BOT_USER,
        "channel": "C9",
        "channel_type": "G",
        "team": "T1",
        "event_ts": "1.0",
    }
    assert await slack.event(joined) == 200
    await fake_slack.wait_for_call("chat.postMessage")
    assert posts_to(fake_slack, "C9") == []


# ---- privacy ----------------------------------------------------------------------------------


async def test_no_name_or_company_reaches_slack_unless_its_owner_shared_it(
    slack: SlackDriver, runtime: Runtime, clock: SimulatedClock, fake_slack: FakeSlack
) -> None:
    await group_on(slack)
    await slack.command("digest monday 09:00", user=ALICE, channel=CHANNEL)
    clock.advance(timedelta(hours=1))  # inside the first digest's week (it starts at 09:00 today)
    # Bob is a member (he uses the bot in the channel) but never shares.
    await slack.command("add Bobco Hidden; Analyst; yesterday 10:00; Kim Lee", user=BOB)
    await slack.command("sent 1", user=BOB)
    await slack.command("heard 1 Kim wants references", user=BOB)
    for line in ("list", "today", "board", "channel", "show 1"):
        hook = await slack.command(line, user=BOB, channel=CHANNEL)
        assert ephemeral(hook.body), line
    # Dave shares one application and keeps the other to himself.
    await slack.command("add Daveworks Shared; Engineer; yesterday 09:30; Pat Smith", user=DAVE)
    await slack.command("add Private Ventures; Designer; yesterday 11:00; Lou Reed", user=DAVE)
    await slack.command("sent 2", user=DAVE)
    await slack.command("share 1", user=DAVE, channel=CHANNEL)
    await slack.command("board", user=DAVE, channel=CHANNEL)
    posted = await advance(runtime, clock, fake_slack, timedelta(days=15))
    assert len([c for _, c in posted if c.params["text"].startswith("Weekly digest")]) == 2

    channel_text = "\n".join(dumped(c) for c in posts_to(fake_slack))
    # what Dave shared himself
    assert "Dave Sharer" in channel_text and "Daveworks Shared" in channel_text
    assert "Follow-ups sent: 2" in channel_text  # bob's follow-up counts…
    assert "…and 2 more members, counted in the totals." in channel_text  # …unnamed, like alice

    # Every Web API call the fake recorded, to any channel or DM, whatever the method.
    assert fake_slack.calls, "nothing recorded"
    for call in fake_slack.calls:
        raw = dumped(call)
        assert "Secretname" not in raw, call  # bob's name: nowhere, ever
        # bob's own DMs and Home tab may of course show his application
        if seen_only_by(call) != BOB:
            assert (
                "Bobco" not in raw
                and "Kim Lee" not in raw
                and "references" not in raw
                and "Analyst" not in raw
            ), call
        if seen_only_by(call) != DAVE:
            assert (
                "Private Ventures" not in raw and "Lou Reed" not in raw and "Designer" not in raw
            ), call
        if call.params.get("channel") == CHANNEL:
            assert call.method == "chat.postMessage"
            # never an interviewer or a role
            assert "Pat Smith" not in raw and "Engineer" not in raw
    assert {c.params.get("channel") for c in fake_slack.calls_to("chat.postMessage")} <= {
        CHANNEL,
        f"D{BOB}",
        f"D{DAVE}",
    }
