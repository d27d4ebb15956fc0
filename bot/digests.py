"""Posting weekly digests: claim the due ones from the schedule, render, post, move on a week.

Digests get the same guarantees as nudges (`bot.dispatcher`): each channel's next digest is a
row, claimed with a lease before it is posted, so several processes never post one twice and
a crashed poster's claim comes back after the lease. After a post the row moves to the next
occurrence *after now*, so a digest missed during downtime is posted once, late (saying so),
and not once per missed week. A channel whose group mode was turned off is skipped silently.
Each digest is recorded as soon as it is posted, and a cancelled run (shutdown) still records
the one in flight.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import group_views
from bot.clock import Clock
from bot.dispatcher import RetryPolicy
from bot.groups import ClaimedDigest, next_digest_at
from bot.messages import Message
from bot.ports import (
    ChannelPoster,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=10)
WEEK = timedelta(days=7)


@dataclass
class DigestReport:
    posted: int = 0
    late: int = 0
    retried: int = 0
    skipped: int = 0
    lost: int = 0  # claims taken over by another process before we could record them


class DigestDispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        posters: Mapping[str, ChannelPoster],
        *,
        worker_id: str,
        lease: timedelta = timedelta(minutes=5),
        batch_size: int = 20,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._posters = posters
        self.worker_id = worker_id
        self._lease = lease
        self._batch_size = batch_size
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()

    async def next_due_at(self) -> datetime | None:
        async with self._uow_factory() as uow:
            return await uow.digests.next_due_at(platforms=frozenset(self._posters))

    async def run_once(self, max_batches: int = 100) -> DigestReport:
        """Post every digest due now, then return what happened."""
        report = DigestReport()
        for _ in range(max_batches):
            async with self._uow_factory() as uow:
                claimed = await uow.digests.claim_due(
                    self._clock.now(), self.worker_id, self._lease, self._batch_size, platforms=frozenset(self._posters)
                )
                await uow.commit()
            if not claimed:
                break
            for digest in claimed:
                posting = asyncio.ensure_future(self._deliver(digest, report))
                try:
                    await asyncio.shield(posting)
                except asyncio.CancelledError:
                    # Shutting down: finish recording this one, so a digest the platform accepted
                    # is never posted again; the rest of the batch is still claimed, and comes
                    # back when the lease runs out.
                    await posting
                    raise
        return report

    async def render(self, digest: ClaimedDigest, now: datetime) -> Message:
        """The digest for the week that ends at its due time: totals for every member, names
        only for those who opted in."""
        channel = digest.channel
        assert channel.schedule is not None
        async with self._uow_factory() as uow:
            members = await uow.groups.members(channel.id)
            activity = await uow.groups.activity(channel.id, digest.due_at - WEEK, digest.due_at)
        late = now - digest.due_at > LATE_AFTER
        # Off the event loop: for thousands of members the tally and the text take tens of ms.
        return await asyncio.to_thread(group_views.digest, members, activity, digest.due_at, channel.schedule.zone, late=late)

    async def _deliver(self, digest: ClaimedDigest, report: DigestReport) -> None:
        channel, token = digest.channel, digest.claim_token
        now = self._clock.now()
        if not channel.enabled or channel.schedule is None:
            report.skipped += await self._record(report, lambda uow: uow.digests.mark_skipped(channel.id, token, "group mode is off", None))
            return
        following = next_digest_at(channel.schedule, now)
        poster = self._posters.get(channel.ref.platform)
        if poster is None:
            retry_at = now + self._retry.delay(digest.attempts + 1, None, self._rng)
            error = f"{channel.ref.platform} is not connected"
            report.retried += await self._record(report, lambda uow: uow.digests.mark_retry(channel.id, token, retry_at, error))
            return
        try:
            await poster.post(channel.ref, await self.render(digest, now))
        except PermanentDeliveryError as refusal:
            log.warning("digest for channel %s not posted: %s", channel.id, refusal.reason)
            reason = refusal.reason
            report.skipped += await self._record(report, lambda uow: uow.digests.mark_skipped(channel.id, token, reason, following))
            return
        except Exception as problem:  # transient, or a poster bug: try again with backoff
            reason = problem.reason if isinstance(problem, TransientDeliveryError) else f"unexpected error: {type(problem).__name__}"
            if not isinstance(problem, TransientDeliveryError):
                log.exception("digest for channel %s: unexpected posting error", channel.id)
            attempts = digest.attempts + 1
            if attempts >= self._retry.max_attempts:
                error = f"gave up after {attempts} attempts: {reason}"
                report.skipped += await self._record(report, lambda uow: uow.digests.mark_skipped(channel.id, token, error, following))
                return
            after = problem.retry_after if isinstance(problem, TransientDeliveryError) else None
            retry_at = now + self._retry.delay(attempts, after, self._rng)
            report.retried += await self._record(report, lambda uow: uow.digests.mark_retry(channel.id, token, retry_at, reason))
            return
        late = now - digest.due_at > LATE_AFTER
        posted_at = self._clock.now()
        if await self._record(report, lambda uow: uow.digests.mark_posted(channel.id, token, posted_at, following)):
            report.posted += 1
            report.late += late
            log.info("digest for channel %s posted%s", channel.id, " late" if late else "")

    async def _record(self, report: DigestReport, record: Callable[[UnitOfWork], Awaitable[bool]]) -> bool:
        """Record an outcome in its own unit of work; False (and counted lost) if the claim
        was taken over meanwhile."""
        async with self._uow_factory() as uow:
            kept = await record(uow)
            await uow.commit()
        report.lost += not kept
        return kept
