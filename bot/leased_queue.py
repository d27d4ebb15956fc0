"""The leased queue: how everything the bot sends on a schedule is delivered — a nudge to one
person (`bot.dispatcher`), a weekly digest to a channel (`bot.digests`). One mechanism, one
set of rules; what differs between the two is a `Deliveries` (what to load, how to send, what
"delivered" and "failed" mean for the row).

The database is the queue. A queue claims only what it is about to send: as many due items as
each platform's sender may have in flight (`max_in_flight`, from the platform's rate limits),
and more as sends finish. Each claim has a short lease, renewed by `heartbeat` while the item
is being sent (the scheduler calls it every third of a lease), so a live sender never loses a
claim it is working on and a dead one's claims come back one lease later.

Every send carries a key derived from the item (`Delivery.key`), which the sender puts where
the platform can recognise it (Discord drops a second message with the same nonce; Slack's
message metadata can be looked up). An attempt may end four ways: delivered (marked late if it
was due more than `LATE_AFTER` ago); refused for good (failed, with the reason); refused for
now (retried with exponential backoff and jitter, a platform's Retry-After as a floor, given up
after `RetryPolicy.max_attempts`); or no answer at all — a timeout, a connection cut after the
request went out — recorded as *unknown*: pending again after the same backoff, at least one
lease later, with `unknown_since` set, so the next attempt verifies before it sends; given up
like any failure after `RetryPolicy.max_attempts` (saying it may have arrived all the same).
A claim taken over from a dead sender is marked the same way by the storage, and the dead
sender's attempt counts: an item that stops every sender holding it (one that crashes the
process, say) is given up once it has had `RetryPolicy.max_attempts`, without another send. A
platform with no sender in this process ("not connected") is retried with backoff.

A claimed item is always finished and recorded, even when the run is cancelled (APScheduler
cancels running jobs on shutdown): no new claims are taken, the sends in flight finish, and
their outcomes are written. Outcomes are recorded in batches: once at least as many sends have
finished as are still in flight, and when the last one finishes — so a fast platform's sends
cost a transaction per half a window, not one per send, and a slow one's are recorded as they
finish. A batch is recorded in the transaction that claims (and loads) the next one, if any:
a claim that fails leaves that batch unrecorded too, so its items come back one lease later as
unknown and are verified before they are sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from bot.clock import Clock
from bot.ports import (
    Delivery,
    LeasedRepository,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnitOfWork,
    UnitOfWorkFactory,
    UnknownDeliveryOutcome,
)

STOPPED = "the bot stopped while sending it"
"""Why an item's last attempt has no outcome when its sender stopped holding the claim."""
LATE_AFTER = timedelta(minutes=10)
"""Delivered more than this after its due time: the item says it is late."""
DEFAULT_LEASE = timedelta(seconds=15)
DEFAULT_IN_FLIGHT = 32


def is_late(due_at: datetime, now: datetime) -> bool:
    return now - due_at > LATE_AFTER


def delivery_key(prefix: str, *parts: object) -> str:
    """A short key that is the same on every attempt at one item and differs between items
    (and between two databases that happen to share an id): 21 characters, within Discord's
    25-character nonce."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}{digest[:20]}"


class Claim(Protocol):
    """A claimed row of a leased queue, as the storage returns it."""

    @property
    def id(self) -> int: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def attempts(self) -> int: ...
    @property
    def claim_token(self) -> str | None: ...
    @property
    def unknown_since(self) -> datetime | None: ...


T = TypeVar("T", bound=Claim)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(minutes=30)

    def delay(self, attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
        """Exponential backoff with jitter; a platform's Retry-After is honoured as a floor."""
        exponential = min(
            self.cap.total_seconds(), self.base.total_seconds() * 2 ** max(0, attempts - 1)
        )
        jittered = exponential * (0.5 + rng.random() / 2)
        return timedelta(seconds=max(jittered, retry_after or 0.0))


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    unknown: int = 0  # attempts with no answer, to be verified
    failed: int = 0
    lost: int = 0  # claims taken over by another process before we could record them
    late: int = 0
    delivered_ids: list[int] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retried += other.retried
        self.unknown += other.unknown
        self.failed += other.failed
        self.lost += other.lost
        self.late += other.late
        self.delivered_ids.extend(other.delivered_ids)


@dataclass(frozen=True)
class Parcel:
    """One claimed item, ready to go: the platform it goes to, and how to send it with that
    platform's sender (a `Notifier`, a `ChannelPoster`)."""

    platform: str
    send: Callable[[Any, Delivery], Awaitable[None]]


@dataclass(frozen=True)
class Kind:
    """What one kind of queued item is called."""

    name: str  # "nudge", "digest": in the delivery (so the platform's metadata) and the logs
    noun: str  # how a log line names one, before its id ("nudge", "digest for channel")
    id_field: str  # its id's name in structured logs ("nudge_id")
    log: logging.Logger
    # what log lines carry while it is sent
    scope: Callable[[int], contextlib.AbstractContextManager[None]] | None = None


class Deliveries(Protocol[T]):
    """What one kind of queued item needs from the mechanism's side: its repository, how it is
    loaded and sent, and what its final outcomes do to the row."""

    about: Kind
    # `load` reads little (a batch of rows, no more): it may run in the claim's transaction,
    # which holds the claimed rows' locks (on SQLite, the write lock) while it runs.
    loads_with_claim: bool

    def repository(self, uow: UnitOfWork) -> LeasedRepository[T]: ...

    def key(self, item: T) -> str: ...

    async def load(
        self, uow: UnitOfWork, claimed: Sequence[T], now: datetime
    ) -> dict[int, Parcel | str]:
        """For each claimed item (by id) its parcel, or why there is nothing to send."""
        ...

    async def mark_delivered(
        self, uow: UnitOfWork, delivered: Sequence[tuple[T, bool]], at: datetime
    ) -> set[int]:
        """Record (item, late) deliveries; the ids whose claim still held come back."""
        ...

    async def mark_failed(self, uow: UnitOfWork, item: T, at: datetime, error: str) -> bool: ...


@dataclass(frozen=True)
class _Outcome(Generic[T]):
    item: T
    delivered: bool = False
    late: bool = False
    retry_at: datetime | None = None
    unknown: bool = False
    error: str | None = None


class LeasedQueue(Generic[T]):
    """A queue of one kind of item: a subclass names its `deliveries`."""

    deliveries: Deliveries[T]

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        senders: Mapping[str, Any],
        *,
        worker_id: str,
        lease: timedelta = DEFAULT_LEASE,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        audience: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self._deliveries = self.deliveries
        self._about = self.deliveries.about
        self._uow_factory = uow_factory
        self._clock = clock
        self._senders = senders
        self.worker_id = worker_id
        self.lease = lease
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._held: Counter[str] = Counter()  # claim token → items under it still being worked on
        # Who this process may deliver to (external ids), asked at every sweep; None: everyone.
        self.audience = audience

    async def next_due_at(self) -> datetime | None:
        async with self._uow_factory() as uow:
            return await self._deliveries.repository(uow).next_due_at(
                platforms=frozenset(self._senders), people=self._people()
            )

    def _people(self) -> frozenset[str] | None:
        return None if self.audience is None else frozenset(self.audience())

    async def heartbeat(self) -> int:
        """Renew the lease of every claim still being worked on; how many claims held."""
        tokens = {token for token, count in self._held.items() if count > 0}
        if not tokens:
            return 0
        async with self._uow_factory() as uow:
            held = await self._deliveries.repository(uow).renew(
                tokens, self._clock.now() + self.lease
            )
            await uow.commit()
        for token in tokens - held:
            if self._held.get(token):
                # Either its last items are being recorded right now, or the lease ran out
                # (this process stalled) and another process took it over.
                self._about.log.info(
                    "claim %s not renewed: being recorded, or taken over",
                    token[:8],
                    extra={"worker": self.worker_id},
                )
        return len(held)

    async def run_once(self) -> DeliveryReport:
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

    def _room(self, sending: Mapping[asyncio.Future[_Outcome[T]], str]) -> dict[str, int]:
        busy = Counter(sending.values())
        return {p: max_in_flight(s) - busy[p] for p, s in self._senders.items()}

    def _wanted(
        self, sending: Mapping[asyncio.Future[_Outcome[T]], str], exhausted: set[str]
    ) -> dict[str, int]:
        """How many to claim for each platform: none until half its window is free (or
        nothing of it is in flight), so claims come in batches."""
        return {
            platform: free
            for platform, free in self._room(sending).items()
            if platform not in exhausted
            and free > 0
            and (
                free * 2 >= max_in_flight(self._senders[platform])
                or platform not in sending.values()
            )
        }

    async def _run(self, stop: asyncio.Event) -> DeliveryReport:
        report = DeliveryReport()
        sending: dict[asyncio.Future[_Outcome[T]], str] = {}  # send → its platform
        exhausted: set[str] = set()  # platforms with nothing left to claim in this run
        finished: list[_Outcome[T]] = []  # sends that ended, not due to be recorded yet
        recording: list[_Outcome[T]] = []  # to be recorded in the next transaction
        try:
            while True:
                wanted = {} if stop.is_set() else self._wanted(sending, exhausted)
                if recording or wanted:
                    outcomes, recording = recording, []
                    recorded, claims = await self._turn(outcomes, wanted)
                    report.add(recorded)
                    for platform, free, claimed, parcels, now in claims:
                        report.claimed += len(claimed)
                        if len(claimed) < free:
                            exhausted.add(platform)
                        sending.update(
                            {task: platform for task in self._start(claimed, parcels, now)}
                        )
                if not sending:
                    break
                ended, _ = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                for task in ended:
                    del sending[task]
                finished += [task.result() for task in ended]
                if len(finished) >= len(sending):
                    recording, finished = finished, []
        finally:
            for task in sending:  # recording failed (the database went away): stop sending
                task.cancel()
            for outcome in finished + recording:  # never recorded: their claims simply run out
                self._release(outcome.item)
        return report

    async def _turn(
        self, outcomes: list[_Outcome[T]], wanted: Mapping[str, int]
    ) -> tuple[DeliveryReport, list[tuple[str, int, list[T], dict[int, Parcel | str], datetime]]]:
        """One transaction — on SQLite its first statement and its commit each cost a trip to
        the database's thread, the statements between them are quick: record `outcomes`,
        then claim up to `wanted` items for each platform and load them. What was recorded,
        and for each platform: how many were wanted, the items claimed, their parcels and the
        time they were loaded at. A load that is not quick (`Deliveries.loads_with_claim`)
        runs after the commit; one that fails in the transaction leaves nothing claimed."""
        deliveries = self._deliveries
        claims: list[tuple[str, int, list[T], dict[int, Parcel | str], datetime]] = []
        try:
            async with self._uow_factory() as uow:
                recorded = await self._write(uow, outcomes) if outcomes else DeliveryReport()
                for platform, limit in wanted.items():
                    claimed = list(
                        await deliveries.repository(uow).claim_due(
                            self._clock.now(),
                            self.worker_id,
                            self.lease,
                            limit,
                            platforms={platform},
                            people=self._people(),
                        )
                    )
                    now = self._clock.now()
                    parcels = (
                        await deliveries.load(uow, claimed, now)
                        if claimed and deliveries.loads_with_claim
                        else {}
                    )
                    claims.append((platform, limit, claimed, parcels, now))
                await uow.commit()
        finally:
            for outcome in outcomes:
                self._release(outcome.item)
        for _, _, claimed, _, _ in claims:
            for item in claimed:
                self._held[item.claim_token or ""] += 1
        if deliveries.loads_with_claim:
            return recorded, claims
        loaded = []
        try:
            for platform, limit, claimed, _, now in claims:
                async with self._uow_factory() as uow:
                    parcels = await deliveries.load(uow, claimed, now) if claimed else {}
                loaded.append((platform, limit, claimed, parcels, now))
        except BaseException:
            for _, _, claimed, _, _ in claims:  # never sent: the claims simply run out
                for item in claimed:
                    self._release(item)
            raise
        return recorded, loaded

    def _start(
        self, claimed: list[T], parcels: Mapping[int, Parcel | str], now: datetime
    ) -> list[asyncio.Future[_Outcome[T]]]:
        return [
            asyncio.ensure_future(self._deliver(item, parcels.get(item.id, "it was deleted"), now))
            for item in claimed
        ]

    def _release(self, item: T) -> None:
        token = item.claim_token or ""
        self._held[token] -= 1
        if self._held[token] <= 0:
            del self._held[token]

    async def _deliver(self, item: T, parcel: Parcel | str, now: datetime) -> _Outcome[T]:
        scope = self._about.scope
        with scope(item.id) if scope is not None else contextlib.nullcontext():
            return await self._deliver_one(item, parcel, now)

    async def _deliver_one(self, item: T, parcel: Parcel | str, now: datetime) -> _Outcome[T]:
        if isinstance(parcel, str):
            return _Outcome(item, error=parcel)
        if item.attempts >= self._retry.max_attempts:
            # Its last attempts were taken over from senders that stopped (the storage counts
            # those): no more, or an item that crashes its sender would be tried forever.
            return self._retry_or_give_up(item, now, STOPPED, None, unknown=True, tried=False)
        sender = self._senders.get(parcel.platform)
        if sender is None:
            return _Outcome(
                item,
                retry_at=now + self._retry.delay(item.attempts + 1, None, self._rng),
                error=f"{parcel.platform} is not connected",
            )
        try:
            await parcel.send(
                sender, Delivery(self._deliveries.key(item), item.unknown_since, self._about.name)
            )
        except PermanentDeliveryError as refusal:
            return _Outcome(item, error=refusal.reason)
        except TransientDeliveryError as hiccup:
            return self._retry_or_give_up(item, now, hiccup.reason, hiccup.retry_after)
        except UnknownDeliveryOutcome as silence:
            return self._retry_or_give_up(
                item, self._clock.now(), silence.reason, self.lease.total_seconds(), unknown=True
            )
        except Exception as unexpected:  # a sender bug must not lose the item
            self._about.log.exception(
                "%s: unexpected delivery error", self._label(item), extra=self._extra(item)
            )
            return self._retry_or_give_up(
                item, now, f"unexpected error: {type(unexpected).__name__}", None
            )
        return _Outcome(item, delivered=True, late=is_late(item.due_at, now))

    def _label(self, item: T) -> str:
        return f"{self._about.noun} {item.id}"

    def _extra(self, item: T) -> dict[str, Any]:
        return {self._about.id_field: item.id, "worker": self.worker_id}

    def _retry_or_give_up(
        self,
        item: T,
        at: datetime,
        reason: str,
        floor: float | None,
        *,
        unknown: bool = False,
        tried: bool = True,
    ) -> _Outcome[T]:
        """Another attempt after a backoff (never sooner than `floor` seconds: a platform's
        Retry-After, or for an unanswered send the lease, so a late answer has that long to
        arrive), or — after `RetryPolicy.max_attempts`, answered or not — given up. An
        unanswered send is tried again as unknown (verified first), and its give-up says the
        message may have arrived all the same. `tried`: this run made an attempt of its own
        (not so when the attempts ran out on takeovers)."""
        attempts = item.attempts + tried
        if attempts >= self._retry.max_attempts:
            maybe = "; it may have arrived all the same" if unknown else ""
            return _Outcome(item, error=f"gave up after {attempts} attempts: {reason}{maybe}")
        return _Outcome(
            item,
            unknown=unknown,
            retry_at=at + self._retry.delay(attempts, floor, self._rng),
            error=reason,
        )

    async def _write(self, uow: UnitOfWork, outcomes: list[_Outcome[T]]) -> DeliveryReport:
        """Record the outcomes in the unit of work (its owner commits)."""
        report = DeliveryReport()
        now = self._clock.now()
        kinds, log = self._deliveries, self._about.log
        delivered = [o for o in outcomes if o.delivered]
        kept_ids = (
            await kinds.mark_delivered(uow, [(o.item, o.late) for o in delivered], now)
            if delivered
            else set()
        )
        for outcome in delivered:
            item = outcome.item
            if item.id in kept_ids:
                report.delivered += 1
                report.late += outcome.late
                report.delivered_ids.append(item.id)
                late = " late" if outcome.late else ""
                log.info(
                    "%s delivered%s",
                    self._label(item),
                    late,
                    extra={**self._extra(item), "late": outcome.late},
                )
            else:
                report.lost += 1
                log.warning(
                    "%s: claim lost before its delivery was recorded",
                    self._label(item),
                    extra=self._extra(item),
                )
        for outcome in outcomes:
            if not outcome.delivered:
                report.add(await self._write_undelivered(uow, outcome, now))
        return report

    async def _write_undelivered(
        self, uow: UnitOfWork, outcome: _Outcome[T], now: datetime
    ) -> DeliveryReport:
        report = DeliveryReport()
        kinds, log = self._deliveries, self._about.log
        item, token = outcome.item, outcome.item.claim_token or ""
        about = {**self._extra(item), "attempt": item.attempts + 1}
        if outcome.unknown and outcome.retry_at is not None:
            kept = await kinds.repository(uow).mark_unknown(
                item.id, token, outcome.retry_at, outcome.error or ""
            )
            report.unknown += kept
            log.warning(
                "%s: no answer from the platform (%s); will check before sending again",
                self._label(item),
                outcome.error,
                extra={**about, "verify_at": outcome.retry_at},
            )
        elif outcome.retry_at is not None:
            kept = await kinds.repository(uow).mark_retry(
                item.id, token, outcome.retry_at, outcome.error or ""
            )
            report.retried += kept
            log.warning(
                "%s will be retried: %s",
                self._label(item),
                outcome.error,
                extra={**about, "retry_at": outcome.retry_at},
            )
        else:
            kept = await kinds.mark_failed(uow, item, now, outcome.error or "unknown error")
            report.failed += kept
            log.warning("%s failed: %s", self._label(item), outcome.error, extra=about)
        report.lost += not kept
        return report


def max_in_flight(sender: object) -> int:
    """How many sends to run at once on the sender's platform (at least one)."""
    return max(1, int(getattr(sender, "max_in_flight", DEFAULT_IN_FLIGHT)))
