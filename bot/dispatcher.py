"""Delivering due nudges: claim them from the schedule, render, send, record.

The database is the schedule. A dispatcher claims only what it is about to send: as many due
nudges as each platform's notifier may have in flight (`max_in_flight`, from the platform's
rate limits), and more as sends finish. Each claim has a short lease, renewed by `heartbeat`
while the nudge is being sent (the scheduler calls it every third of a lease), so a live
sender never loses a claim it is working on and a dead one's claims come back one lease later.

Every send carries a key derived from the nudge (`Delivery.key`), which the notifier puts where
the platform can recognise it (Discord drops a second message with the same nonce; Slack's
message metadata can be looked up). An attempt may end four ways: delivered (marked late if it
was due long ago); refused for good (failed, with the reason); refused for now (retried with
exponential backoff and jitter); or no answer at all — a timeout, a connection cut after the
request went out — which is recorded as *unknown*: pending again one lease later, with
`unknown_since` set, so the next attempt verifies before it sends. A claim taken over from a
dead sender is marked the same way by the storage.

A claimed nudge is always finished and recorded, even when the run is cancelled (APScheduler
cancels running jobs on shutdown): no new claims are taken, the sends in flight finish, and
their outcomes are written. Outcomes are recorded as the sends finish (whatever finished while
the previous record was being written goes in one transaction). Every log line written while a
nudge is being delivered carries its id (`bot.tracing`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain import Application, Nudge, User
from bot.messages import Message
from bot.method import plan
from bot.nudges import is_late, nudge_message
from bot.ports import (
    Delivery,
    Notifier,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnitOfWorkFactory,
    UnknownDeliveryOutcome,
)
from bot.tracing import nudge_scope

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(seconds=15)
DEFAULT_IN_FLIGHT = 32


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
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    unknown: int = 0  # attempts with no answer, to be verified
    failed: int = 0
    lost: int = 0  # claims taken over by another process before we could record them
    late: int = 0
    delivered_ids: list[int] = field(default_factory=list)

    def add(self, other: DispatchReport) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retried += other.retried
        self.unknown += other.unknown
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
    unknown: bool = False
    error: str | None = None


def delivery_key(nudge: Nudge) -> str:
    """A short key that is the same on every attempt at this nudge and differs between nudges
    (and between two databases that happen to share a nudge id): 21 characters, within
    Discord's 25-character nonce."""
    digest = hashlib.sha256(f"{nudge.id}:{nudge.application_id}:{nudge.key}".encode()).hexdigest()
    return f"n{digest[:20]}"


class Dispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        notifiers: Mapping[str, Notifier],
        *,
        worker_id: str,
        lease: timedelta = DEFAULT_LEASE,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        audience: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._notifiers = notifiers
        self.worker_id = worker_id
        self.lease = lease
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._held: Counter[str] = Counter()  # claim token → nudges under it still being worked on
        # Who this process may deliver to (external ids), asked at every sweep; None: everyone.
        self.audience = audience

    async def next_due_at(self) -> datetime | None:
        async with self._uow_factory() as uow:
            return await uow.nudges.next_due_at(platforms=frozenset(self._notifiers), people=self._people())

    def _people(self) -> frozenset[str] | None:
        return None if self.audience is None else frozenset(self.audience())

    async def heartbeat(self) -> int:
        """Renew the lease of every claim still being worked on; how many claims held."""
        tokens = {token for token, count in self._held.items() if count > 0}
        if not tokens:
            return 0
        async with self._uow_factory() as uow:
            held = await uow.nudges.renew(tokens, self._clock.now() + self.lease)
            await uow.commit()
        for token in tokens - held:
            if self._held.get(token):
                # Either its last nudges are being recorded right now, or the lease ran out
                # (this process stalled) and another process took it over.
                log.info("claim %s not renewed: being recorded, or taken over", token[:8], extra={"worker": self.worker_id})
        return len(held)

    async def run_once(self) -> DispatchReport:
        """Deliver everything due now, claiming only as much as can be sent at once, then
        return what happened."""
        stop = asyncio.Event()
        work = asyncio.ensure_future(self._run(stop))
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            # Cancelled (the scheduler shutting down): claim nothing more, finish and record
            # what was claimed, so no message the platform accepted is sent again later.
            stop.set()
            await work
            raise

    def _room(self, sending: Mapping[asyncio.Future[_Outcome], str]) -> dict[str, int]:
        busy = Counter(sending.values())
        return {p: max_in_flight(n) - busy[p] for p, n in self._notifiers.items()}

    async def _run(self, stop: asyncio.Event) -> DispatchReport:
        report = DispatchReport()
        sending: dict[asyncio.Future[_Outcome], str] = {}  # send → its platform
        exhausted: set[str] = set()  # platforms with nothing left to claim in this run
        try:
            while True:
                if not stop.is_set():
                    wanted = {
                        platform: free
                        for platform, free in self._room(sending).items()
                        if platform not in exhausted and free > 0
                        and (free * 2 >= max_in_flight(self._notifiers[platform]) or platform not in sending.values())
                    }
                    for platform, free in wanted.items():
                        claimed = await self._claim(platform, free)
                        report.claimed += len(claimed)
                        if len(claimed) < free:
                            exhausted.add(platform)
                        sending.update({task: platform for task in await self._start(claimed)})
                if not sending:
                    break
                finished, _ = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    del sending[task]
                report.add(await self._record([task.result() for task in finished]))
        finally:
            for task in sending:  # recording failed (the database went away): stop sending
                task.cancel()
        return report

    async def _claim(self, platform: str, limit: int) -> list[Nudge]:
        async with self._uow_factory() as uow:
            claimed = await uow.nudges.claim_due(
                self._clock.now(), self.worker_id, self.lease, limit, platforms={platform}, people=self._people()
            )
            await uow.commit()
        for nudge in claimed:
            self._held[nudge.claim_token or ""] += 1
        return claimed

    async def _start(self, claimed: list[Nudge]) -> list[asyncio.Future[_Outcome]]:
        if not claimed:
            return []
        now = self._clock.now()
        try:
            async with self._uow_factory() as uow:
                apps = await uow.applications.get_many({n.application_id for n in claimed})
                users = await uow.users.get_many({n.user_id for n in claimed})
        except BaseException:
            for nudge in claimed:  # never sent: the claims simply run out
                self._release(nudge)
            raise
        return [
            asyncio.ensure_future(self._deliver(n, apps.get(n.application_id), users.get(n.user_id), now))
            for n in claimed
        ]

    def _release(self, nudge: Nudge) -> None:
        token = nudge.claim_token or ""
        self._held[token] -= 1
        if self._held[token] <= 0:
            del self._held[token]

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
        try:
            await notifier.send_direct(user, message, Delivery(delivery_key(nudge), nudge.unknown_since))
        except PermanentDeliveryError as refusal:
            return _Outcome(nudge, error=refusal.reason)
        except TransientDeliveryError as hiccup:
            return self._retry_or_give_up(nudge, now, hiccup.reason, hiccup.retry_after)
        except UnknownDeliveryOutcome as silence:
            return _Outcome(nudge, unknown=True, retry_at=self._clock.now() + self.lease, error=silence.reason)
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
        try:
            return await self._write(outcomes)
        finally:
            for outcome in outcomes:
                self._release(outcome.nudge)

    async def _write(self, outcomes: list[_Outcome]) -> DispatchReport:
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
                if outcome.unknown and outcome.retry_at is not None:
                    kept = await uow.nudges.mark_unknown(nudge.id, token, outcome.retry_at, outcome.error or "")
                    report.unknown += kept
                    log.warning(
                        "nudge %s: no answer from the platform (%s); will check before sending again", nudge.id, outcome.error,
                        extra={"nudge_id": nudge.id, "worker": self.worker_id, "verify_at": outcome.retry_at, "attempt": nudge.attempts + 1},
                    )
                elif outcome.retry_at is not None:
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


def max_in_flight(notifier: Notifier) -> int:
    """How many sends to run at once on the notifier's platform (at least one)."""
    return max(1, int(getattr(notifier, "max_in_flight", DEFAULT_IN_FLIGHT)))
