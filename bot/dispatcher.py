"""Delivering due nudges: the nudge side of the leased queue (`bot.leased_queue`).

The queue claims due nudges, renews their leases while they are sent, retries, gives up and
verifies unknown outcomes; this module says what is particular to a nudge: it is rendered from
its application and its person's settings (both loaded for a whole batch in the claim's unit
of work), sent as a direct message by the person's platform's `Notifier`, becomes `sent` once
delivered and `failed` when refused for good (then shown to the person at their next command).
Every log line written while a nudge is being delivered carries its id (`bot.tracing`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from bot.domain import Application, Nudge, User
from bot.leased_queue import Kind, LeasedQueue, Parcel
from bot.leased_queue import delivery_key as _key
from bot.messages import Message
from bot.method import outlook
from bot.nudge_message import nudge_message
from bot.ports import Delivery, Notifier, NudgeRepository, UnitOfWork
from bot.tracing import nudge_scope

log = logging.getLogger(__name__)

def delivery_key(nudge: Nudge) -> str:
    """The nudge's delivery key: the same on every attempt, 21 characters."""
    return _key("n", nudge.id, nudge.application_id, nudge.key)


class NudgeDeliveries:
    """Nudges in the leased queue: direct messages, one per row of `nudges`."""

    about = Kind("nudge", "nudge", "nudge_id", log, nudge_scope)
    loads_with_claim = True  # a batch's applications and people: a few indexed reads

    def repository(self, uow: UnitOfWork) -> NudgeRepository:
        return uow.nudges

    def key(self, item: Nudge) -> str:
        return delivery_key(item)

    async def load(
        self, uow: UnitOfWork, claimed: Sequence[Nudge], now: datetime
    ) -> dict[int, Parcel | str]:
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

    async def mark_delivered(
        self, uow: UnitOfWork, delivered: Sequence[tuple[Nudge, bool]], at: datetime
    ) -> set[int]:
        return await uow.nudges.mark_delivered_many(
            [(n.id, n.claim_token or "", late) for n, late in delivered], at
        )

    async def mark_failed(self, uow: UnitOfWork, item: Nudge, at: datetime, error: str) -> bool:
        return await uow.nudges.mark_failed(item.id, item.claim_token or "", at, error)


async def _send(
    nudge: Nudge,
    app: Application,
    user: User,
    now: datetime,
    notifier: Notifier,
    delivery: Delivery,
) -> None:
    await notifier.send_direct(user, Dispatcher.render(nudge, app, user, now), delivery)


class Dispatcher(LeasedQueue[Nudge]):
    """The nudge queue: delivers due nudges through the platforms' notifiers (its senders)."""

    deliveries = NudgeDeliveries()

    @staticmethod
    def render(nudge: Nudge, app: Application, user: User, now: datetime) -> Message:
        """The nudge's message; what it shows of the plan needs no schedule (`outlook`)."""
        return nudge_message(nudge, app, outlook(app, user.settings, now), user.settings, now)
