"""The group channel model: a shared channel where job seekers keep each other going.

A channel is set up once (`channel on`) by someone allowed to manage it; from then on the
people who use the bot there are its members. A member is named in the channel only after
opting in (`share`); everyone else only counts in totals. A weekly digest has a schedule in
the channel's own timezone, and `next_digest_at` turns it into instants that stay at the
same local time across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain import Place, Step
from bot.messages import Message

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class ChannelRef:
    """A channel on one platform: (platform, workspace or guild, channel id)."""

    platform: str
    workspace: str
    channel_id: str


@dataclass(frozen=True)
class ChannelPost:
    """A message meant for everyone in a channel (a shared milestone, the board, a digest)."""

    channel: ChannelRef
    message: Message


@dataclass(frozen=True)
class DigestSchedule:
    weekday: int  # 0 = Monday
    at: time
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        return f"{WEEKDAYS[self.weekday].title()}s at {self.at:%H:%M} ({self.timezone})"


@dataclass(frozen=True)
class GroupChannel:
    id: int
    ref: ChannelRef
    enabled: bool
    owner_id: int | None  # who turned group mode on; None once they asked to be forgotten
    schedule: DigestSchedule | None = None
    next_digest_at: datetime | None = None
    last_digest_error: str | None = None


@dataclass(frozen=True)
class Member:
    """Someone who used the bot in the channel while group mode was on."""

    user_id: int
    display_name: str
    opted_in: bool


class MilestoneKind(StrEnum):
    INTERVIEW = "interview"
    SENT = "sent"
    HEARD = "heard"
    OFFER = "offer"


@dataclass(frozen=True)
class ActivityCount:
    """How many times a member did one countable thing in a period (a follow-up of one step
    sent, an interview held, a reply heard, an offer), with no company or person attached."""

    user_id: int
    kind: MilestoneKind
    count: int
    step: Step | None = None


@dataclass(frozen=True)
class ClaimedDigest:
    """A digest claimed for delivery: only the holder of `claim_token` may record it."""

    channel: GroupChannel
    due_at: datetime
    attempts: int
    claim_token: str
    # Set when an earlier attempt may have reached the platform unseen (its poster died, or
    # the platform never answered): the next attempt must check before it posts.
    unknown_since: datetime | None = None

    @property
    def id(self) -> int:
        """The digest's id in its queue: its channel's (one digest row per channel)."""
        return self.channel.id


def may_manage(channel: GroupChannel | None, user_id: int, where: Place) -> bool:
    """Who may change a channel's group settings.

    Anyone the platform says can manage the channel (`where.can_manage`) may; so may the person
    who turned group mode on. A channel nobody owns (never set up, or its owner was forgotten)
    may be claimed by the first person only where the platform has no administrators at all
    (`where.has_admins` False: the console)."""
    if where.can_manage:
        return True
    if channel is not None and channel.owner_id is not None:
        return channel.owner_id == user_id
    return not where.has_admins


def next_digest_at(schedule: DigestSchedule, after: datetime) -> datetime:
    """The first instant strictly after `after` that falls on the schedule's weekday and local
    time, in UTC. Built from the local wall clock each week, so it survives DST changes."""
    zone = schedule.zone
    local_after = after.astimezone(zone)
    day = local_after.date() + timedelta(days=(schedule.weekday - local_after.weekday()) % 7)
    for _ in range(3):
        candidate = datetime.combine(day, schedule.at, tzinfo=zone).astimezone(UTC)
        if candidate > after:
            return candidate
        day += timedelta(days=7)
    raise AssertionError("unreachable: a week later is always after")


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Monday 00:00 of the local week containing `now`, as a UTC instant."""
    local_now = now.astimezone(zone)
    monday = local_now.date() - timedelta(days=local_now.weekday())
    return datetime.combine(monday, time(0, 0), tzinfo=zone).astimezone(UTC)
