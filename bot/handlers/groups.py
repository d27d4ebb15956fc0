"""Handlers for group channels: `channel`, `digest`, `share`, `board`.

They work only in a shared channel. Replies go to the person who typed the command (private);
what is meant for the group (the intro, a milestone, the board) is added to `ctx.posts`.
Who may change settings is decided by `bot.groups.may_manage` from what the platform told us.
"""

from __future__ import annotations

import asyncio

from bot import commands as c
from bot import formatting, group_views
from bot.catalogue import BY_NAME
from bot.dates import read_time_of_day, zone
from bot.errors import BadInput
from bot.events import ScheduleChanged
from bot.groups import (
    WEEKDAYS,
    ChannelPost,
    ChannelRef,
    DigestSchedule,
    GroupChannel,
    may_manage,
    next_digest_at,
    week_start,
)
from bot.handlers.context import Context
from bot.messages import Field, Message, Tone
from bot.milestones import latest_milestone, milestone_sentence, why_it_matters


def _bad(command: str, problem: str) -> BadInput:
    spec = BY_NAME[command]
    return BadInput(problem, spec.usage, spec.example)


def _where(ctx: Context, command: str) -> ChannelRef:
    ref = ctx.channel
    if ref is None:
        raise _bad(
            command,
            f"`{command}` works in a group channel, not in a direct message: type it in the "
            "channel the group shares.",
        )
    return ref


async def _active(ctx: Context, command: str) -> tuple[ChannelRef, GroupChannel]:
    ref = _where(ctx, command)
    channel = await ctx.uow.groups.get(ref)
    if channel is None or not channel.enabled:
        raise _bad(
            command,
            "Group mode is off in this channel. Someone who manages the channel can turn it on "
            "with `channel on`.",
        )
    return ref, channel


def _check_may_manage(ctx: Context, channel: GroupChannel | None, command: str) -> None:
    if may_manage(channel, ctx.user.id, ctx.where):
        return
    if channel is None or channel.owner_id is None:
        raise _bad(
            command,
            "Only someone who manages this channel can turn group mode on here. Nothing changed.",
        )
    raise _bad(
        command,
        "Only the person who turned group mode on, or someone who manages this channel, can "
        "change its settings. Nothing changed.",
    )


async def channel_mode(cmd: c.ChannelMode, ctx: Context) -> Message:
    ref = _where(ctx, "channel")
    channel = await ctx.uow.groups.get(ref)
    if cmd.on is None:
        return await _status(channel, ctx)
    if cmd.on:
        if channel is not None and channel.enabled:
            return Message(
                title="Group mode is already on here.", body="`channel` shows its settings."
            )
        _check_may_manage(ctx, channel, "channel")
        channel = await ctx.uow.groups.enable(ref, ctx.user.id, ctx.now)
        await ctx.uow.groups.join(channel.id, ctx.user.id, ctx.now)
        ctx.posts.append(ChannelPost(ref, group_views.intro(ctx.user.display_name or "Someone")))
        return Message(
            title="Group mode is on in this channel",
            body="I've posted a short intro here. Set a weekly digest "
            f"next:\n{BY_NAME['digest'].example}",
            tone=Tone.SUCCESS,
            changed=True,
        )
    if channel is None or not channel.enabled:
        return Message(title="Group mode is already off here.")
    _check_may_manage(ctx, channel, "channel")
    await ctx.uow.groups.disable(channel.id, ctx.now)
    ctx.changed.add(ScheduleChanged.DIGESTS)
    return Message(
        title="Group mode is off in this channel",
        body="No more digests or boards here. Members' opt-ins are kept in case it comes back "
        "on; anyone can still `share off`.",
        tone=Tone.SUCCESS,
        changed=True,
    )


async def _status(channel: GroupChannel | None, ctx: Context) -> Message:
    if channel is None or not channel.enabled:
        return Message(
            title="Group mode is off in this channel",
            body="Someone who manages the channel can turn it on with `channel on`: members can "
            "then share milestones, see a board and get a weekly digest.",
        )
    owner = await ctx.uow.users.get(channel.owner_id) if channel.owner_id is not None else None
    members = await ctx.uow.groups.members(channel.id)
    me = next((m for m in members if m.user_id == ctx.user.id), None)
    if channel.schedule and channel.next_digest_at:
        digest = (
            f"{channel.schedule.describe()}; next "
            f"{formatting.when(channel.next_digest_at, ctx.settings, ctx.now)} your time"
        )
    else:
        digest = f"none yet ({BY_NAME['digest'].example})"
    fields = [
        Field("Turned on by", owner.display_name if owner else "someone no longer here"),
        Field("Weekly digest", digest),
        Field("Members", str(len(members))),
        Field(
            "You",
            "named here (you shared)"
            if me and me.opted_in
            else "counted in totals only (`share <id>` to be named)",
        ),
    ]
    if channel.last_digest_error:
        fields.append(Field("Last digest", f"couldn't be posted: {channel.last_digest_error}"))
    who = (
        "You can change these settings."
        if may_manage(channel, ctx.user.id, ctx.where)
        else "Only the person who turned it on, or someone who manages the channel, can change "
        "them."
    )
    return Message(title="Group mode is on in this channel", fields=tuple(fields), footer=who)


async def schedule_digest(cmd: c.ScheduleDigest, ctx: Context) -> Message:
    _, channel = await _active(ctx, "digest")
    _check_may_manage(ctx, channel, "digest")
    try:
        at, assumed = read_time_of_day(
            cmd.at, usage=BY_NAME["digest"].usage, example=BY_NAME["digest"].example
        )
        tz = zone(cmd.timezone).key if cmd.timezone else ctx.settings.timezone
    except BadInput as problem:
        raise _bad("digest", problem.problem) from None
    schedule = DigestSchedule(cmd.weekday, at, tz)
    due = next_digest_at(schedule, ctx.now)
    await ctx.uow.digests.set_schedule(channel.id, schedule, due)
    ctx.changed.add(ScheduleChanged.DIGESTS)
    first = due.astimezone(schedule.zone)
    return Message(
        title=f"Weekly digest: {schedule.describe()}",
        body=(
            f"The first one is posted {first:%a} {first.day} {first:%b} at {first:%H:%M} ({tz}). "
            "It counts follow-ups sent, interviews, replies and offers for everyone here, and "
            "names only the people who shared."
            + (f" ({formatting.assumptions(assumed)})" if assumed else "")
        ),
        footer=""
        if cmd.timezone
        else f"That's your timezone; to use another: digest {WEEKDAYS[cmd.weekday]} {at:%H:%M} "
        "America/New_York",
        tone=Tone.SUCCESS,
        changed=True,
    )


async def stop_digest(cmd: c.StopDigest, ctx: Context) -> Message:
    _, channel = await _active(ctx, "digest")
    _check_may_manage(ctx, channel, "digest")
    if channel.schedule is None:
        return Message(title="There is no weekly digest here to stop.")
    await ctx.uow.digests.set_schedule(channel.id, None, None)
    ctx.changed.add(ScheduleChanged.DIGESTS)
    return Message(
        title="Weekly digest stopped",
        body="Nothing more is posted here on a schedule.",
        tone=Tone.SUCCESS,
        changed=True,
    )


async def share(cmd: c.Share, ctx: Context) -> Message:
    ref, channel = await _active(ctx, "share")
    app = await ctx.application(cmd.number, "share")
    milestone = latest_milestone(app)
    if milestone is None:
        raise _bad("share", f"{app.label} has nothing to share yet.")
    sentence = milestone_sentence(milestone, app.company, ctx.now)
    await ctx.uow.groups.set_opt_in(channel.id, ctx.user.id, True, ctx.now)
    fresh = await ctx.uow.groups.record_share(
        channel.id, ctx.user.id, app.id, milestone.kind, milestone.mark, ctx.now
    )
    if not fresh:
        return Message(
            title="You already shared that here",
            body=f"“{sentence}” was posted before, so I haven't posted it again. You're named in "
            "this channel's board and digests.",
            changed=True,
        )
    name = ctx.user.display_name or "Someone"
    ctx.posts.append(
        ChannelPost(ref, group_views.milestone_post(name, sentence, why_it_matters(milestone)))
    )
    return Message(
        title="Shared with the channel",
        body=(
            f"Posted: “{name} {sentence}.”\nYou're now named on this channel's board and in its "
            "digests (counts only; your other applications stay private). `share off` stops that."
        ),
        tone=Tone.SUCCESS,
        changed=True,
    )


async def stop_sharing(_: c.StopSharing, ctx: Context) -> Message:
    ref = _where(ctx, "share")
    channel = await ctx.uow.groups.get(ref)
    if channel is not None:
        await ctx.uow.groups.set_opt_in(channel.id, ctx.user.id, False, ctx.now)
    return Message(
        title="You're no longer named in this channel",
        body="Your follow-ups still count in the totals, without your name. What was already "
        "posted stays in the channel's history; delete it there if you want it gone.",
        tone=Tone.SUCCESS,
        changed=True,
    )


async def board(_: c.Board, ctx: Context) -> Message:
    ref, channel = await _active(ctx, "board")
    members = await ctx.uow.groups.members(channel.id)
    tz = channel.schedule.zone if channel.schedule else ctx.settings.zone
    since = week_start(ctx.now, tz)
    activity = await ctx.uow.groups.activity(channel.id, since, ctx.now)
    # Off the event loop: for thousands of members the tally and the text take tens of ms.
    board = await asyncio.to_thread(group_views.board, members, activity, since, tz)
    ctx.posts.append(ChannelPost(ref, board))
    return Message(title="Posted this week's board to the channel.")
