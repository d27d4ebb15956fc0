"""Delivering due nudges: the nudge side of the leased queue (`bot.leased_queue`).

The queue claims due nudges, renews their leases while they are sent, retries, gives up and
verifies unknown outcomes; this module says what is particular to a nudge: it is rendered from
its application and its person's settings (both loaded for a whole batch in one unit of work),
sent as a direct message by the person's platform's `Notifier`, becomes `sent` once delivered
and `failed` when refused for good (then shown to the person at their next command). Every
log line written while a nudge is being delivered carries its id (`bot.tracing`).
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.clock import Clock
from bot.domain import Application, Nudge, User
from bot.leased_queue import (
    DEFAULT_IN_FLIGHT,
    DEFAULT_LEASE,
    DeliveryReport,
    LeasedQueue,
    Parcel,
    RetryPolicy,
    max_in_flight,
)
from bot.leased_queue import delivery_key as _key
from bot.messages import Message
from bot.method import plan
from bot.nudges import nudge_message
from bot.ports import Delivery, Notifier, NudgeRepository, UnitOfWork, UnitOfWorkFactory
from bot.tracing import nudge_scope

__all__ = ["DEFAULT_IN_FLIGHT", "DEFAULT_LEASE", "DispatchReport", "Dispatcher", "RetryPolicy", "delivery_key", "max_in_flight"]

log = logging.getLogger(__name__)

DispatchReport = DeliveryReport


def delivery_key(nudge: Nudge) -> str:
    """The nudge's delivery key: the same on every attempt, 21 characters."""
    return _key("n", nudge.id, nudge.application_id, nudge.key)


class NudgeDeliveries:
    """Nudges in the leased queue: direct messages, one per row of `nudges`."""

    kind = "nudge"
    log = log

    def repository(self, uow: UnitOfWork) -> NudgeRepository:
        return uow.nudges

    def key(self, item: Nudge) -> str:
        return delivery_key(item)

    def label(self, item: Nudge) -> str:
        return f"nudge {item.id}"

    def extra(self, item: Nudge) -> dict[str, Any]:
        return {"nudge_id": item.id}

    def scope(self, item: Nudge) -> contextlib.AbstractContextManager[None]:
        return nudge_scope(item.id)

    async def load(self, uow: UnitOfWork, claimed: Sequence[Nudge], now: datetime) -> dict[int, Parcel | str]:
        apps = await uow.applications.get_many({n.application_id for n in claimed})
        users = await uow.users.get_many({n.user_id for n in claimed})
        parcels: dict[int, Parcel | str] = {}
        for nudge in claimed:
            app, user = apps.get(nudge.application_id), users.get(nudge.user_id)
            if app is None or user is None:
                parcels[nudge.id] = "the application or user was deleted"
            else:
                parcels[nudge.id] = Parcel(user.platform, partial(_send, nudge, app, user, now))
        return parcels

    async def mark_delivered(self, uow: UnitOfWork, delivered: Sequence[tuple[Nudge, bool]], at: datetime) -> set[int]:
        return await uow.nudges.mark_delivered_many([(n.id, n.claim_token or "", late) for n, late in delivered], at)

    async def mark_failed(self, uow: UnitOfWork, item: Nudge, at: datetime, error: str) -> bool:
        return await uow.nudges.mark_failed(item.id, item.claim_token or "", at, error)


async def _send(nudge: Nudge, app: Application, user: User, now: datetime, notifier: Notifier, delivery: Delivery) -> None:
    await notifier.send_direct(user, Dispatcher.render(nudge, app, user, now), delivery)


class Dispatcher(LeasedQueue[Nudge]):
    """The nudge queue: delivers due nudges through the platforms' notifiers."""

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
        super().__init__(
            NudgeDeliveries(), uow_factory, clock, notifiers,
            worker_id=worker_id, lease=lease, retry=retry, rng=rng, audience=audience,
        )

    @staticmethod
    def render(nudge: Nudge, app: Application, user: User, now: datetime) -> Message:
        return nudge_message(nudge, app, plan(app, user.settings, now), user.settings, now)
