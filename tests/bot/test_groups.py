"""Group channels end to end through the core: turning group mode on and off (allowed
and refused), share, board, the weekly digest (contents, local time across DST, missed once
after a restart, once across two dispatchers), privacy, forget-me, and DM use refused."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.config import Config
from adapters.console.runner import run_console
from bot import group_views
from bot.domain import Identity, Place, Step
from bot.groups import (
    ActivityCount,
    ChannelRef,
    DigestSchedule,
    Member,
    MilestoneKind,
    next_digest_at,
)
from bot.messages import Message
from bot.ports import Delivery, PermanentDeliveryError, TransientDeliveryError
from tests.harness import World, make_world, person, processes

ALICE, BOB, CAROL, DAVE = person("alice"), person("bob"), person("carol"), person("dave")
JOBS = Place("#jobs", is_direct=False, has_admins=False)  # the console: no administrators
CHANNEL = Place("C1", is_direct=False)  # a platform with administrators
ADMIN = Place("C1", is_direct=False, can_manage=True)
DM = Place()


async def group_on(world: World, where: Place = JOBS) -> None:
    reply = await world.say(ALICE, "channel on", where)
    assert reply.title == "Group mode is on in this channel", reply


# ---- the commands are for channels ----------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["channel on", "channel", "digest monday 09:00", "digest off", "share 1", "share off", "board"],
)
async def test_group_commands_are_refused_in_a_direct_message(world: World, line: str) -> None:
    reply = await world.say(ALICE, line, DM)
    assert reply.is_error and "works in a group channel, not in a direct message" in reply.title
    assert "Form:" in reply.body and "Example:" in reply.body
    assert world.poster.posts == []
    assert (await world.row_counts())["group_channels"] == 0


async def test_help_lists_the_group_commands(world: World) -> None:
    text = (await world.say(ALICE, "help")).body
    assert "Group channels  channel · digest · share · board" in text
    for name, usage in (
        ("channel", "channel [on|off]"),
        ("digest", "digest <weekday> <HH:MM> [tz] | digest off"),
        ("share", "share <id> | share off"),
        ("board", "board"),
    ):
        assert usage in (await world.say(ALICE, f"help {name}")).body
    assert "digest monday 09:00 Europe/Berlin" in (await world.say(ALICE, "help digest")).body


@pytest.mark.parametrize(
    "line",
    [
        "channel maybe",
        "digest someday 09:00",
        "digest monday 25:00",
        "digest monday 09:00 Mars/Base",
        "digest",
        "share x",
        "board now",
    ],
)
async def test_malformed_group_commands_show_the_form(world: World, line: str) -> None:
    await group_on(world)
    reply = await world.say(ALICE, line, JOBS)
    assert reply.is_error and "Form:" in reply.body, reply


# ---- who may turn group mode on and change it ---------------------------------------------------


async def test_console_first_user_sets_up_and_only_they_change_it(world: World) -> None:
    await group_on(world)
    [intro] = world.poster.to("#jobs")
    assert intro.title == "Group mode is on in this channel" and not intro.private
    assert (
        "Alice turned on" in intro.body
        and "Nothing about you is posted unless you share it" in intro.body
    )

    for line in ("channel off", "digest monday 09:00", "digest off"):
        refused = await world.say(BOB, line, JOBS)
        assert refused.is_error and "Only the person who turned group mode on" in refused.title, (
            line
        )
    assert (await world.say(BOB, "channel", JOBS)).footer.startswith(
        "Only the person who turned it on"
    )
    assert (await world.say(ALICE, "channel", JOBS)).footer == "You can change these settings."

    off = await world.say(ALICE, "channel off", JOBS)
    assert off.title == "Group mode is off in this channel"
    assert (await world.say(BOB, "board", JOBS)).is_error  # off means off
    refused = await world.say(BOB, "channel on", JOBS)  # alice still owns it
    assert refused.is_error
    assert (await world.say(ALICE, "channel on", JOBS)).title == "Group mode is on in this channel"


async def test_with_administrators_only_a_manager_sets_a_channel_up(world: World) -> None:
    refused = await world.say(ALICE, "channel on", CHANNEL)
    assert (
        refused.is_error
        and "Only someone who manages this channel can turn group mode on" in refused.title
    )
    assert (await world.row_counts())["group_channels"] == 0

    assert (await world.say(BOB, "channel on", ADMIN)).title == "Group mode is on in this channel"
    # The owner (bob) may change settings without being an admin; an admin may too; others not.
    assert not (await world.say(BOB, "digest friday 17:00", CHANNEL)).is_error
    assert (await world.say(CAROL, "digest off", CHANNEL)).is_error
    assert not (await world.say(DAVE, "digest off", ADMIN)).is_error
    assert (await world.say(CAROL, "channel off", CHANNEL)).is_error
    assert not (await world.say(BOB, "channel off", CHANNEL)).is_error


async def test_a_forgotten_owner_leaves_the_channel_to_its_managers(world: World) -> None:
    await world.say(ALICE, "channel on", ADMIN)
    ask = await world.say(ALICE, "forget-me confirm", CHANNEL)
    assert ask.title.startswith("Done")
    assert (await world.say(BOB, "channel off", CHANNEL)).is_error
    assert not (await world.say(CAROL, "channel off", ADMIN)).is_error


# ---- share and the board --------------------------------------------------------------------


async def test_share_posts_the_latest_milestone_and_opts_in(world: World) -> None:
    await group_on(world)
    await world.say(
        ALICE, "add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe, Engineering Manager", DM
    )

    reply = await world.say(ALICE, "share 1", JOBS)
    assert reply.private and reply.title == "Shared with the channel"
    assert world.poster.to("#jobs")[-1].title == "Alice had an interview with Acme Corp."

    again = await world.say(ALICE, "share 1", JOBS)
    assert again.title == "You already shared that here" and len(world.poster.to("#jobs")) == 2

    await world.say(ALICE, "sent 1", DM)
    await world.say(ALICE, "share 1", JOBS)
    post = world.poster.to("#jobs")[-1]
    assert post.title == "Alice sent a thank-you follow-up to Acme Corp." and not post.private
    await world.say(ALICE, "heard 1 Jane wants references", DM)
    await world.say(ALICE, "share #1", JOBS)
    assert world.poster.to("#jobs")[-1].title == "Alice heard back from Acme Corp."
    await world.say(ALICE, "status 1 offer", DM)
    await world.say(ALICE, "share 1", JOBS)
    assert world.poster.to("#jobs")[-1].title == "Alice got an offer from Acme Corp."
    # never a third party
    assert not any("Jane" in text or "references" in text for text in world.poster.texts())
    assert "named here" in next(
        f.value for f in (await world.say(ALICE, "channel", JOBS)).fields if f.label == "You"
    )


async def test_share_only_shares_your_own_application(world: World) -> None:
    await group_on(world)
    await world.say(ALICE, "add Acme Corp; Data Engineer; yesterday 10:00", DM)
    reply = await world.say(BOB, "share 1", JOBS)
    assert reply.is_error and "You have no application #1" in reply.title
    assert len(world.poster.posts) == 1  # the intro only


async def test_board_names_only_those_who_shared(world: World) -> None:
    await group_on(world)
    for who, company in ((ALICE, "Acme Corp"), (BOB, "Bobco"), (CAROL, "Carolands")):
        await world.say(who, f"add {company}; Engineer; yesterday 10:00; Pat Smith", DM)
        await world.say(who, "sent 1", DM)
    await world.say(ALICE, "share 1", JOBS)
    await world.say(BOB, "list", JOBS)  # bob is a member, but never shares
    await world.say(CAROL, "share 1", JOBS)
    await world.say(CAROL, "share off", JOBS)

    reply = await world.say(BOB, "board", JOBS)
    assert reply.title == "Posted this week's board to the channel." and reply.private
    board = world.poster.to("#jobs")[-1]
    assert board.title == "Board — this week (since Mon 23 Nov)"
    assert board.body == "Alice: 1 follow-up, 1 interview"
    assert "Everyone here together: 3 follow-ups" in board.footer  # bob and carol count, unnamed
    assert "Bob" not in board.as_text() and "Carol" not in board.as_text()


async def test_a_post_that_cannot_be_made_is_explained_privately(world: World) -> None:
    await group_on(world)
    world.poster.script.append(
        PermanentDeliveryError("I'm not in this channel: invite me with /invite @Followup")
    )
    reply = await world.say(ALICE, "board", JOBS)
    assert (
        "⚠ I couldn't post in the channel: I'm not in this channel: invite me with /invite "
        "@Followup." in reply.footer
    )
    world.poster.script.append(TransientDeliveryError("rate limited"))
    assert "rate limited — try again in a moment" in (await world.say(ALICE, "board", JOBS)).footer


async def test_without_a_poster_the_reply_says_so(world: World) -> None:
    # no Slack poster in this world
    on_slack = Identity("slack", "T1", "U1", "Erin", "Europe/Berlin")
    reply = await world.runtime.followup.handle_text(on_slack, "channel on", ADMIN)
    assert reply.title == "Group mode is on in this channel"
    assert "I can't post in channels on this platform yet" in reply.footer


# ---- the weekly digest ------------------------------------------------------------------------


async def _busy_week(world: World) -> None:
    await group_on(world)
    assert (
        await world.say(ALICE, "digest monday 09:00", JOBS)
    ).title == "Weekly digest: Mondays at 09:00 (Europe/Berlin)"
    await world.say(ALICE, "add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe", DM)
    await world.say(ALICE, "sent 1", DM)
    await world.say(ALICE, "share 1", JOBS)
    await world.say(BOB, "add Bobco Secret; Analyst; yesterday 11:00; Kim Lee", DM)
    await world.say(BOB, "sent 1", DM)
    await world.say(BOB, "heard 1", DM)
    await world.say(BOB, "today", JOBS)  # a member, counted, never named
    await world.say(CAROL, "add Carolands; PM; yesterday 09:00", DM)
    await world.say(CAROL, "status 1 offer", DM)
    await world.say(CAROL, "share 1", JOBS)


async def test_digest_counts_everyone_and_names_only_who_shared(world: World) -> None:
    await _busy_week(world)
    await world.advance(timedelta(days=4, hours=23))  # to Mon 30 Nov 08:00 UTC = 09:00 Berlin
    [(ref, digest, at)] = [p for p in world.poster.posts if p[1].title.startswith("Weekly digest")]
    assert ref == ChannelRef("console", "local", "#jobs")
    assert at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert digest.title == "Weekly digest — Mon 23 Nov to Mon 30 Nov" and not digest.private
    assert digest.body.splitlines() == [
        "Follow-ups sent: 2 (thank-you 2)",
        "Interviews: 3 · Replies heard: 1 · Offers: 1",
        "Shared by:",
        "  Alice: 1 follow-up, 1 interview",
        "  Carol: 0 follow-ups, 1 interview, 1 offer",
        "…and 1 more member, counted in the totals.",
        "3 interviews and 2 thank-yous this week: every round earns its own thank-you, one per "
        "interviewer, within a day.",
    ]
    await world.advance(timedelta(days=6))
    assert len([m for m in world.poster.to("#jobs") if m.title.startswith("Weekly digest")]) == 1


async def test_nobody_who_did_not_share_is_ever_named_or_their_company_posted(world: World) -> None:
    await _busy_week(world)
    await world.say(BOB, "board", JOBS)
    await world.advance(timedelta(days=20))  # three digests
    texts = world.poster.texts()
    assert len([t for t in texts if t.startswith("Weekly digest")]) == 3
    everything = "\n".join(texts)
    assert "Bob" not in everything and "bob" not in everything
    assert "Bobco" not in everything and "Kim" not in everything and "Analyst" not in everything
    assert "Carolands" in everything  # carol shared her offer herself
    assert "Jane" not in everything and "Data Engineer" not in everything


async def test_value_share_encouragement(world: World) -> None:
    await group_on(world)
    await world.say(ALICE, "digest wednesday 12:00 UTC", JOBS)
    await world.say(ALICE, "add Acme; Engineer; yesterday 10:00; Jane", DM)
    await world.say(ALICE, "sent 1", DM)  # thank-you
    value_add = await world.say(ALICE, "sent 1", DM)  # the value-add isn't due yet: confirm
    await world.press(ALICE, value_add.actions[0].id)
    await world.advance(timedelta(hours=4))
    digest = world.poster.to("#jobs")[-1]
    assert "50% of this week's follow-ups brought something new" in digest.body


async def test_channel_off_stops_digests(world: World) -> None:
    await group_on(world)
    await world.say(ALICE, "digest thursday 09:00", JOBS)
    await world.say(ALICE, "channel off", JOBS)
    await world.advance(timedelta(weeks=3))
    assert [m.title for m in world.poster.to("#jobs")] == ["Group mode is on in this channel"]
    assert await world.runtime.digests.next_due_at() is None


async def test_digest_off_stops_digests(world: World) -> None:
    await group_on(world)
    await world.say(ALICE, "digest thursday 09:00", JOBS)
    assert (await world.say(ALICE, "digest off", JOBS)).title == "Weekly digest stopped"
    await world.advance(timedelta(weeks=2))
    assert len(world.poster.to("#jobs")) == 1


@pytest.mark.parametrize(
    ("zone", "start", "times"),
    [
        # Europe/Berlin leaves summer time on Sun 25 Oct 2026: 09:00 is 07:00 UTC, then 08:00 UTC.
        (
            "Europe/Berlin",
            "2026-10-14T12:00:00+00:00",
            ["2026-10-19T07:00:00+00:00", "2026-10-26T08:00:00+00:00", "2026-11-02T08:00:00+00:00"],
        ),
        # New York on Sun 1 Nov 2026: 09:00 is 13:00 UTC, then 14:00 UTC.
        (
            "America/New_York",
            "2026-10-21T12:00:00+00:00",
            ["2026-10-26T13:00:00+00:00", "2026-11-02T14:00:00+00:00", "2026-11-09T14:00:00+00:00"],
        ),
    ],
)
async def test_digest_stays_at_local_time_across_dst(
    sqlite_url: str, zone: str, start: str, times: list[str]
) -> None:
    world = await make_world(sqlite_url, start=datetime.fromisoformat(start))
    try:
        await group_on(world)
        await world.say(ALICE, f"digest mon 09:00 {zone}", JOBS)
        await world.advance(timedelta(days=25))
        posted = [at for _, m, at in world.poster.posts if m.title.startswith("Weekly digest")]
        assert posted == [datetime.fromisoformat(t) for t in times]
    finally:
        await world.runtime.close()


async def test_digest_missed_while_down_is_posted_once_late(sqlite_url: str) -> None:
    first = await make_world(sqlite_url)
    await group_on(first)
    await first.say(ALICE, "digest monday 09:00", JOBS)  # first due Mon 30 Nov 08:00 UTC
    await first.runtime.close()

    later = datetime(2026, 12, 16, 10, 0, tzinfo=UTC)  # three Mondays missed
    second = await make_world(sqlite_url, start=later, worker_id="after-restart")
    try:
        report = await second.runtime.digests.run_once()
        assert (report.delivered, report.late) == (1, 1)
        [digest] = second.poster.to("#jobs")
        assert digest.body.startswith(
            "This digest was due Mon 30 Nov 09:00 — posted late because I was offline."
        )
        assert (await second.runtime.digests.run_once()).delivered == 0
        assert await second.runtime.digests.next_due_at() == datetime(
            2026, 12, 21, 8, 0, tzinfo=UTC
        )
    finally:
        await second.runtime.close()


async def test_digest_retries_a_transient_failure_and_skips_a_week_on_a_permanent_one(
    world: World,
) -> None:
    await group_on(world)
    await world.say(ALICE, "digest wednesday 12:00", JOBS)  # 11:00 UTC today
    world.poster.script.extend([TransientDeliveryError("rate limited", retry_after=60)])
    await world.advance(timedelta(hours=3))
    assert [m.title.split(" —")[0] for m in world.poster.to("#jobs")] == [
        "Group mode is on in this channel",
        "Weekly digest",
    ]

    world.poster.script.append(PermanentDeliveryError("the bot was removed from the channel"))
    await world.advance(timedelta(weeks=1))
    status = await world.say(ALICE, "channel", JOBS)
    assert any(
        f.value == "couldn't be posted: the bot was removed from the channel" for f in status.fields
    )
    await world.advance(timedelta(weeks=1))
    assert len(world.poster.to("#jobs")) == 3  # the week after, it goes out again


async def test_two_dispatchers_post_each_digest_once(database_url: str) -> None:
    """Two processes on one database (SQLite, and PostgreSQL when configured), 25 digests due."""
    channels = 25
    async with processes(database_url, 2) as worlds:
        for i in range(channels):
            where = Place(f"#group{i}", is_direct=False, has_admins=False)
            await worlds[0].say(ALICE, "channel on", where)
            await worlds[0].say(ALICE, "digest wednesday 12:00 UTC", where)
        for w in worlds:
            w.clock.set(datetime(2026, 11, 25, 12, 0, 1, tzinfo=UTC))
            w.poster.posts.clear()
        reports = await asyncio.gather(*(w.runtime.digests.run_once() for w in worlds))
        posted = sorted(ref.channel_id for w in worlds for ref, _, _ in w.poster.posts)
        assert posted == sorted(f"#group{i}" for i in range(channels))  # each exactly once
        assert sum(r.delivered for r in reports) == channels


# ---- forget-me ----------------------------------------------------------------------------------


async def test_forget_me_removes_shares_and_opt_ins(world: World) -> None:
    await group_on(world)
    await world.say(BOB, "add Bobco; Analyst; yesterday 11:00", DM)
    await world.say(BOB, "share 1", JOBS)
    assert (await world.row_counts())["channel_shares"] == 1
    await world.say(BOB, "forget-me confirm", JOBS)
    counts = await world.row_counts()
    assert counts["channel_shares"] == 0 and counts["channel_members"] == 1  # alice's only
    await world.say(ALICE, "board", JOBS)
    assert world.poster.to("#jobs")[-1].body.startswith("Nobody has shared here yet")
    assert "bob" not in (await world.dump()).lower()


# ---- the wake-ups --------------------------------------------------------------------------------


async def test_digest_jobs_are_rebuilt_from_the_database(world: World) -> None:
    await group_on(world)
    await world.say(ALICE, "digest tuesday 18:30 America/New_York", JOBS)
    jobs = world.runtime.digest_jobs
    await jobs.rebuild()
    [trigger] = jobs.channel_jobs.values()
    assert "day_of_week='tue'" in trigger and "hour='18'" in trigger and "minute='30'" in trigger
    assert "America/New_York" in trigger
    await world.say(ALICE, "channel off", JOBS)
    await jobs.rebuild()
    assert jobs.channel_jobs == {}


async def test_starting_the_scheduler_posts_an_overdue_digest(world: World) -> None:
    """The real APScheduler: on start the digest jobs are rebuilt and what is overdue is posted."""
    await group_on(world)
    await world.say(ALICE, "digest wednesday 10:00 UTC", JOBS)  # due in an hour
    world.clock.advance(timedelta(days=1))  # the bot was "down" when it fell due
    posted = asyncio.Event()

    class Watch:
        async def post(
            self, channel: ChannelRef, message: Message, delivery: Delivery | None = None
        ) -> None:
            await world.poster.post(channel, message, delivery)
            posted.set()

    world.plug.poster = Watch()
    world.runtime.scheduler.start()
    try:
        await asyncio.wait_for(posted.wait(), timeout=10)
        assert len(world.runtime.digest_jobs.channel_jobs) == 1
    finally:
        await world.runtime.scheduler.stop()
        await world.runtime.digest_jobs.stop()
    assert world.poster.to("#jobs")[-1].body.startswith("This digest was due Wed 25 Nov 10:00")


# ---- the console ------------------------------------------------------------------------------

CONSOLE_SCRIPT = """\
add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe
:in #jobs
channel on
digest thu 13:00
share 1
:as bob
add Bobco; Analyst; tomorrow 11:00
channel off
board
:as alice
:advance 2d
:dm
channel on
:quit
"""


async def test_console_group_channel_end_to_end(tmp_path: Path) -> None:
    out = io.StringIO()
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}")
    await run_console(
        config,
        user="alice",
        timezone="Europe/Berlin",
        now="2026-11-25T10:00:00+01:00",
        json_lines=True,
        stdin=io.StringIO(CONSOLE_SCRIPT),
        stdout=out,
    )
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    kinds = [(r["kind"], r["user"], r["channel"]) for r in records]
    assert kinds == [
        ("reply", "alice", None),  # add
        ("channel", "followup", "#jobs"),  # the intro
        ("reply", "alice", "#jobs"),  # channel on
        ("reply", "alice", "#jobs"),  # digest
        ("channel", "followup", "#jobs"),  # alice's milestone
        ("reply", "alice", "#jobs"),  # share
        ("reply", "bob", "#jobs"),  # add, typed in the channel: the reply is bob's alone
        ("reply", "bob", "#jobs"),  # channel off: refused
        ("channel", "followup", "#jobs"),  # the board
        ("reply", "bob", "#jobs"),  # board
        ("dm", "alice", None),  # Thu 12:00: alice's thank-you nudge
        ("dm", "bob", None),  # Thu 13:00: bob's (his round ends at 12:00)
        ("channel", "followup", "#jobs"),  # Thu 13:00: the digest, in time order with the nudges
        ("reply", "alice", None),  # channel on in a DM: refused
    ], kinds
    intro, milestone, board, digest = (r for r in records if r["kind"] == "channel")
    assert "alice turned on Followup's group mode" in intro["text"]
    assert milestone["text"].startswith("alice has an interview lined up with Acme Corp.")
    assert "Only the person who turned group mode on" in records[7]["text"]
    assert board["text"].startswith("Board — this week (since Mon 23 Nov)\nalice: 0 follow-ups")
    assert (
        "Bobco" not in board["text"] + digest["text"]
        and "bob" not in board["text"] + digest["text"]
    )
    assert digest["at"] == "2026-11-26T13:00:00+01:00" and digest["text"].startswith(
        "Weekly digest — Thu 19 Nov to Thu 26 Nov"
    )
    assert "Interviews: 2" in digest["text"]
    assert "works in a group channel, not in a direct message" in records[-1]["text"]


# ---- the schedule itself ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    after=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    weekday=st.integers(0, 6),
    at=st.times(),
    tz=st.sampled_from(
        ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
    ),
)
def test_next_digest_is_the_next_local_weekday_and_time(
    after: datetime, weekday: int, at: time, tz: str
) -> None:
    schedule = DigestSchedule(weekday, at, tz)
    due = next_digest_at(schedule, after)
    assert after < due <= after + timedelta(days=7, hours=1)
    local = due.astimezone(ZoneInfo(tz))
    real = datetime.combine(local.date(), at, tzinfo=ZoneInfo(tz))
    if real.astimezone(UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None) == real.replace(
        tzinfo=None
    ):
        assert (local.weekday(), local.time()) == (weekday, at)  # a wall time that exists that day


_COUNTS = st.lists(
    st.builds(
        ActivityCount,
        user_id=st.integers(1, 6),
        kind=st.sampled_from(list(MilestoneKind)),
        count=st.integers(1, 5),
        step=st.sampled_from(list(Step)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(counts=_COUNTS, opted_in=st.sets(st.integers(1, 6)))
def test_one_pass_tallies_match_counting_each_member_alone(
    counts: list[ActivityCount], opted_in: set[int]
) -> None:
    tallies = group_views.tally(counts)
    for user_id in range(1, 7):
        mine = [c for c in counts if c.user_id == user_id]
        alone = tallies.of(user_id)
        assert alone.interviews == sum(c.count for c in mine if c.kind is MilestoneKind.INTERVIEW)
        assert alone.follow_ups == sum(c.count for c in mine if c.kind is MilestoneKind.SENT)
        assert alone.heard == sum(c.count for c in mine if c.kind is MilestoneKind.HEARD)
        assert alone.offers == sum(c.count for c in mine if c.kind is MilestoneKind.OFFER)
    total = tallies.total
    assert total.follow_ups == sum(tallies.of(u).follow_ups for u in range(1, 7))
    assert total.interviews == sum(tallies.of(u).interviews for u in range(1, 7))
    members = [Member(u, f"Person {u}", u in opted_in) for u in range(1, 7)]
    digest = group_views.digest(
        members, counts, datetime(2026, 3, 9, 9, tzinfo=UTC), ZoneInfo("UTC")
    )
    for member in members:
        assert (f"{member.display_name}:" in digest.body) is member.opted_in
    assert f"Follow-ups sent: {total.follow_ups}" in digest.body
