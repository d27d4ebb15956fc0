"""Delivering due nudges: claim them from the schedule, render, send, record.

The database is the schedule. A dispatcher claims due nudges with a lease (so several
processes can share one database, and a crashed one's claims come back after the lease),
renders each nudge from the application's current state, hands it to the platform's
notifier, and records the outcome: delivered (marked late if it was due long ago), retried
with exponential backoff and jitter on a transient error, or failed with the reason on a
permanent one. What wakes the dispatcher is the scheduler's business (`adapters/scheduler.py`).

A claimed batch is always finished and recorded, even when the sweep running it is cancelled
(APScheduler cancels running jobs on shutdown). Outcomes are recorded as the sends finish (whatever finished while the previous record was
being written goes in one transaction), not once per batch: a process killed mid-batch has
recorded every delivery the platform confirmed more than one commit ago, so the nudges it
sent are not sent again by the process that takes over its expired claims. Every log line
written while a nudge is being delivered carries its id (`bot.tracing`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain import Application, Nudge, User
from bot.messages import Message
from bot.method import plan
from bot.nudges import is_late, nudge_message
from bot.ports import Notifier, PermanentDeliveryError, TransientDeliveryError, UnitOfWorkFactory
from bot.tracing import nudge_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(minutes=30)

    def delay(self, attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
        """Exponential backoff with jitter; a platform's Retry-After is honoured as a floor."""
        exponential = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** max(0, attempts - 1))
        jittered = exponential * (0.5 + rng.random() / 2)
        return timedelta(seconds=max(jittered, retry_after or 0.0))


@dataclass
class DispatchReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0  # claims taken over by another process before we could record them
    late: int = 0
    delivered_ids: list[int] = field(default_factory=list)

    def add(self, other: DispatchReport) -> None:
        self.delivered += other.delivered
        self.retried += other.retried
        self.failed += other.failed
        self.lost += other.lost
        self.late += other.late
        self.delivered_ids.extend(other.delivered_ids)


@dataclass(frozen=True)
class _Outcome:
    nudge: Nudge
    delivered: bool = False
    late: bool = False
    retry_at: datetime | None = None
    error: str | None = None


class Dispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        notifiers: Mapping[str, Notifier],
        *,
        worker_id: str,
        lease: timedelta = timedelta(minutes=5),
        batch_size: int = 200,
        concurrency: int = 32,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        audience: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._notifiers = notifiers
        self.worker_id = worker_id
        self._lease = lease
        self._batch_size = batch_size
        self._limit = asyncio.Semaphore(concurrency)
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        # Who this process may deliver to (external ids), asked at every sweep; None: everyone.
        self.audience = audience

    async def next_due_at(self) -> datetime | None:
        async with self._uow_factory() as uow:
            return await uow.nudges.next_due_at(platforms=frozenset(self._notifiers), people=self._people())

    def _people(self) -> frozenset[str] | None:
        return None if self.audience is None else frozenset(self.audience())

    async def run_once(self, max_batches: int = 1000) -> DispatchReport:
        """Deliver everything due now (in batches), then return what happened."""
        report = DispatchReport()
        for _ in range(max_batches):
            now = self._clock.now()
            async with self._uow_factory() as uow:
                claimed = await uow.nudges.claim_due(
                    now, self.worker_id, self._lease, self._batch_size,
                    platforms=frozenset(self._notifiers), people=self._people(),
                )
                await uow.commit()
            if not claimed:
                break
            batch = asyncio.ensure_future(self._deliver_batch(claimed))
            try:
                report.add(await asyncio.shield(batch))
            except asyncio.CancelledError:
                # Cancelled (the scheduler shutting down): finish and record what was claimed,
                # so no message the platform accepted is left unrecorded and sent again later.
                await batch
                raise
        return report

    async def _deliver_batch(self, claimed: list[Nudge]) -> DispatchReport:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            apps = await uow.applications.get_many({n.application_id for n in claimed})
            users = await uow.users.get_many({n.user_id for n in claimed})
        sending = {
            asyncio.ensure_future(self._deliver(n, apps.get(n.application_id), users.get(n.user_id), now))
            for n in claimed
        }
        report = DispatchReport()
        try:
            for _ in range(len(claimed)):  # each round records at least one finished send
                if not sending:
                    break
                finished, sending = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                report.add(await self._record([task.result() for task in finished]))
        finally:
            for task in sending:  # recording failed (the database went away): stop sending
                task.cancel()
        return report

    async def _deliver(self, nudge: Nudge, app: Application | None, user: User | None, now: datetime) -> _Outcome:
        with nudge_scope(nudge.id):
            return await self._deliver_one(nudge, app, user, now)

    async def _deliver_one(self, nudge: Nudge, app: Application | None, user: User | None, now: datetime) -> _Outcome:
        if app is None or user is None:
            return _Outcome(nudge, error="the application or user was deleted")
        notifier = self._notifiers.get(user.platform)
        if notifier is None:
            return _Outcome(nudge, retry_at=now + self._retry.delay(nudge.attempts + 1, None, self._rng), error=f"{user.platform} is not connected")
        message = self.render(nudge, app, user, now)
        async with self._limit:
            try:
                await notifier.send_direct(user, message)
            except PermanentDeliveryError as refusal:
                return _Outcome(nudge, error=refusal.reason)
            except TransientDeliveryError as hiccup:
                return self._retry_or_give_up(nudge, now, hiccup.reason, hiccup.retry_after)
            except Exception as unexpected:  # a notifier bug must not lose the nudge
                log.exception("nudge %s: unexpected delivery error", nudge.id, extra={"nudge_id": nudge.id})
                return self._retry_or_give_up(nudge, now, f"unexpected error: {type(unexpected).__name__}", None)
        return _Outcome(nudge, delivered=True, late=is_late(nudge, now))

    @staticmethod
    def render(nudge: Nudge, app: Application, user: User, now: datetime) -> Message:
        return nudge_message(nudge, app, plan(app, user.settings, now), user.settings, now)

    def _retry_or_give_up(self, nudge: Nudge, now: datetime, reason: str, retry_after: float | None) -> _Outcome:
        attempts = nudge.attempts + 1
        if attempts >= self._retry.max_attempts:
            return _Outcome(nudge, error=f"gave up after {attempts} attempts: {reason}")
        return _Outcome(nudge, retry_at=now + self._retry.delay(attempts, retry_after, self._rng), error=reason)

    async def _record(self, outcomes: list[_Outcome]) -> DispatchReport:
        report = DispatchReport()
        now = self._clock.now()
        delivered = [o for o in outcomes if o.delivered]
        async with self._uow_factory() as uow:
            kept_ids = await uow.nudges.mark_delivered_many(
                [(o.nudge.id, o.nudge.claim_token or "", o.late) for o in delivered], now
            )
            for outcome in delivered:
                if outcome.nudge.id in kept_ids:
                    report.delivered += 1
                    report.late += outcome.late
                    report.delivered_ids.append(outcome.nudge.id)
                    log.info(
                        "nudge %s delivered%s", outcome.nudge.id, " late" if outcome.late else "",
                        extra={"nudge_id": outcome.nudge.id, "worker": self.worker_id, "late": outcome.late},
                    )
                else:
                    report.lost += 1
                    log.warning(
                        "nudge %s: claim lost before its delivery was recorded", outcome.nudge.id,
                        extra={"nudge_id": outcome.nudge.id, "worker": self.worker_id},
                    )
            for outcome in outcomes:
                nudge, token = outcome.nudge, outcome.nudge.claim_token or ""
                if outcome.delivered:
                    continue
                if outcome.retry_at is not None:
                    kept = await uow.nudges.mark_retry(nudge.id, token, outcome.retry_at, outcome.error or "")
                    report.retried += kept
                    log.warning(
                        "nudge %s will be retried: %s", nudge.id, outcome.error,
                        extra={"nudge_id": nudge.id, "worker": self.worker_id, "retry_at": outcome.retry_at, "attempt": nudge.attempts + 1},
                    )
                else:
                    kept = await uow.nudges.mark_failed(nudge.id, token, now, outcome.error or "unknown error")
                    report.failed += kept
                    log.warning(
                        "nudge %s failed: %s", nudge.id, outcome.error,
                        extra={"nudge_id": nudge.id, "worker": self.worker_id, "attempt": nudge.attempts + 1},
                    )
                report.lost += not kept
            await uow.commit()
        return report
