"""Posting weekly digests: the digest side of the leased queue (`bot.leased_queue`).

Digests get the very mechanism nudges get: each channel's next digest is a row, claimed with a
short lease renewed while it is posted, retried with the same policy, verified after a crash or
a post the platform never answered, so several processes never post one twice and a crashed
poster's claim comes back one lease later. What is particular to a digest: it is rendered from
the channel's members and their activity in the week that ends at its due time, posted by the
channel's platform's `ChannelPoster`, and its key is derived from the channel and that due time
(one key per week's digest). Once posted, the row moves to the next occurrence *after now*, so a
digest missed during downtime is posted once, late (saying so), and not once per missed week; a
digest refused for good or given up on skips to the next week (the reason is kept and shown by
`channel`). A channel whose group mode was turned off loses its digest, silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from bot import group_views
from bot.groups import ActivityCount, ClaimedDigest, Member, next_digest_at
from bot.leased_queue import Kind, LeasedQueue, Parcel, delivery_key, is_late
from bot.messages import Message
from bot.ports import ChannelPoster, Delivery, DigestRepository, UnitOfWork

log = logging.getLogger(__name__)

WEEK = timedelta(days=7)
GROUP_MODE_OFF = "group mode is off"


def digest_key(digest: ClaimedDigest) -> str:
    """This week's digest of this channel: the same on every attempt, new every week."""
    ref = digest.channel.ref
    return delivery_key(
        "d",
        digest.channel.id,
        ref.platform,
        ref.workspace,
        ref.channel_id,
        digest.due_at.isoformat(),
    )


def render(
    digest: ClaimedDigest, members: list[Member], activity: list[ActivityCount], now: datetime
) -> Message:
    """The digest for the week that ends at its due time: totals for every member, names only
    for those who opted in."""
    schedule = digest.channel.schedule
    assert schedule is not None
    return group_views.digest(
        members, activity, digest.due_at, schedule.zone, late=is_late(digest.due_at, now)
    )


class DigestDeliveries:
    """Digests in the leased queue: channel posts, one row of `channel_digests` per channel."""

    about = Kind("digest", "digest for channel", "channel_id", log)
    # A week of a whole channel's activity (thousands of members): loaded after the claim's
    # transaction, so SQLite's write lock isn't held meanwhile.
    loads_with_claim = False

    def repository(self, uow: UnitOfWork) -> DigestRepository:
        return uow.digests

    def key(self, item: ClaimedDigest) -> str:
        return digest_key(item)

    async def load(
        self, uow: UnitOfWork, claimed: Sequence[ClaimedDigest], now: datetime
    ) -> dict[int, Parcel | str]:
        parcels: dict[int, Parcel | str] = {}
        for digest in claimed:
            channel = digest.channel
            if not channel.enabled or channel.schedule is None:
                parcels[digest.id] = GROUP_MODE_OFF
                continue
            members, activity = await _week(uow, digest)
            parcels[digest.id] = Parcel(
                channel.ref.platform, partial(_post, digest, members, activity, now)
            )
        return parcels

    async def mark_delivered(
        self, uow: UnitOfWork, delivered: Sequence[tuple[ClaimedDigest, bool]], at: datetime
    ) -> set[int]:
        kept: set[int] = set()
        for digest, _late in delivered:
            assert digest.channel.schedule is not None
            if await uow.digests.mark_posted(
                digest.id, digest.claim_token, at, next_digest_at(digest.channel.schedule, at)
            ):
                kept.add(digest.id)
        return kept

    async def mark_failed(
        self, uow: UnitOfWork, item: ClaimedDigest, at: datetime, error: str
    ) -> bool:
        schedule = item.channel.schedule
        following = (
            next_digest_at(schedule, at) if schedule is not None and item.channel.enabled else None
        )
        return await uow.digests.mark_skipped(item.id, item.claim_token, error, following)


async def _week(uow: UnitOfWork, digest: ClaimedDigest) -> tuple[list[Member], list[ActivityCount]]:
    """The channel's members, and what they did in the week that ends at the digest's due time."""
    channel_id = digest.channel.id
    return await uow.groups.members(channel_id), await uow.groups.activity(
        channel_id, digest.due_at - WEEK, digest.due_at
    )


async def _post(
    digest: ClaimedDigest, members: list[Member], activity: list[ActivityCount], now: datetime,
    poster: ChannelPoster, delivery: Delivery,
) -> None:
    # Off the event loop: for thousands of members the tally and the text take tens of ms.
    message = await asyncio.to_thread(render, digest, members, activity, now)
    await poster.post(digest.channel.ref, message, delivery)


class DigestDispatcher(LeasedQueue[ClaimedDigest]):
    """The digest queue: posts due digests through the platforms' channel posters (its senders)."""

    deliveries = DigestDeliveries()

    async def render(self, digest: ClaimedDigest, now: datetime) -> Message:
        """The digest as it would be posted now (the benchmark renders it on its own)."""
        async with self._uow_factory() as uow:
            members, activity = await _week(uow, digest)
        return await asyncio.to_thread(render, digest, members, activity, now)
