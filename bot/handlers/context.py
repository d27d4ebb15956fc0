"""What every handler is given: the unit of work, the speaking user, the instant, the place.

Handlers that speak to a whole channel add `ChannelPost`s to `posts`: they are delivered only
after the unit of work has committed, while the reply to the person stays private."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from bot import dates
from bot.catalogue import BY_NAME
from bot.date_order import effective_order
from bot.domain import Application, DateOrder, DeliverySettings, Place, Plan, User
from bot.errors import BadInput
from bot.events import ScheduleChanged
from bot.groups import ChannelPost, ChannelRef
from bot.method import plan
from bot.ports import UnitOfWork


@dataclass
class Context:
    uow: UnitOfWork
    user: User
    now: datetime
    where: Place
    forgotten: bool = False
    posts: list[ChannelPost] = field(default_factory=list)
    changed: set[ScheduleChanged] = field(default_factory=set)  # published after the commit

    @property
    def channel(self) -> ChannelRef | None:
        """The group channel this command was typed in, if it was typed in one."""
        if self.where.is_direct or not self.where.channel_id:
            return None
        return ChannelRef(self.user.platform, self.user.workspace, self.where.channel_id)

    @property
    def settings(self) -> DeliverySettings:
        return self.user.settings

    @property
    def date_order(self) -> DateOrder | None:
        """How this person writes numeric dates; None when their locale and timezone disagree."""
        return effective_order(self.settings.date_order, self.user.locale, self.settings.timezone)

    def read_date(
        self, text: str, intent: dates.Intent, command: str, *, default_time: time | None = None, default_label: str = ""
    ) -> dates.Reading:
        """`text` read as a date for `intent` in this person's timezone and date order, or
        BadInput with `command`'s form (the one way every handler reads a date)."""
        spec = BY_NAME[command]
        return dates.read(
            text,
            intent,
            tz=self.settings.zone,
            now=self.now,
            order=self.date_order,
            usage=spec.usage,
            example=spec.example,
            default_time=default_time,
            default_label=default_label,
        )

    async def application(self, number: int, command: str) -> Application:
        """The user's own application with this number, or BadInput (never anyone else's)."""
        app = await self.uow.applications.get_by_number(self.user.id, number)
        if app is None:
            spec = BY_NAME[command]
            raise BadInput(
                f"You have no application #{number}. `list` shows yours.",
                spec.usage,
                spec.example,
            )
        return app

    def plan(self, app: Application) -> Plan:
        return plan(app, self.settings, self.now)

    async def replan(self, app: Application) -> Plan:
        fresh = self.plan(app)
        await self.uow.nudges.sync(app, fresh.nudges, self.now)
        self.changed.add(ScheduleChanged.NUDGES)
        return fresh
