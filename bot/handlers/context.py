"""What every handler is given: the unit of work, the speaking user, the instant, the place.

Handlers that speak to a whole channel add `ChannelPost`s to `posts`: they are delivered only
after the unit of work has committed, while the reply to the person stays private."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time

from bot import dates
from bot.catalogue import BY_NAME
from bot.date_order import effective_order
from bot.domain import Application, DateOrder, DeliverySettings, Place, Plan, Status, User
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
    # The bot's public address, when it has one (calendar subscriptions are served there).
    public_url: str | None = None
    # Reads a file on this machine, given its path: only where the person *is* on this
    # machine (the console); None on chat platforms, where files arrive as bytes.
    local_files: Callable[[str], bytes] | None = None
    _applications: list[Application] | None = field(default=None, repr=False)
    _due: dict[datetime, list[Application]] = field(default_factory=dict, repr=False)
    _plans: dict[int, tuple[Application, DeliverySettings, Plan]] = field(
        default_factory=dict, repr=False
    )

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
        self,
        text: str,
        intent: dates.Intent,
        command: str,
        *,
        default_time: time | None = None,
        default_label: str = "",
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

    async def applications(
        self, *, active_only: bool = False, due_by: datetime | None = None
    ) -> list[Application]:
        """The user's applications, read once per command however many views show them (Home
        shows them three ways); `replan` forgets them, since it follows every change. With
        `due_by`, at least those with a nudge due by then (all of them if already read)."""
        if due_by is not None and self._applications is None:
            if due_by not in self._due:
                self._due[due_by] = await self.uow.applications.list_for_user(
                    self.user.id, due_by=due_by
                )
            return self._due[due_by]
        if self._applications is None:
            self._applications = await self.uow.applications.list_for_user(
                self.user.id, active_only=False
            )
        if active_only:
            return [app for app in self._applications if app.status is Status.ACTIVE]
        return self._applications

    def plan(self, app: Application) -> Plan:
        """The method's plan for `app` now, worked out once per command for each application."""
        known = self._plans.get(id(app))
        if known is not None and known[0] is app and known[1] is self.settings:
            return known[2]
        fresh = plan(app, self.settings, self.now)
        self._plans[id(app)] = (app, self.settings, fresh)
        return fresh

    async def replan(self, app: Application) -> Plan:
        """Work out `app`'s plan afresh and store what it schedules."""
        return (await self.replan_all([app]))[0]

    async def replan_all(self, apps: list[Application]) -> list[Plan]:
        """`replan` for each of `apps`, stored in a few statements for them all: each plan's
        earliest due time (with the change that led to it, on SQLite), then its nudges."""
        self._applications = None
        self._due.clear()
        fresh = [self.plan(app) for app in apps]
        await self.uow.applications.set_plan_due(
            {app.id: earliest_due(planned) for app, planned in zip(apps, fresh, strict=True)}
        )
        await self.uow.nudges.sync_many(
            [(app, planned.nudges) for app, planned in zip(apps, fresh, strict=True)], self.now
        )
        self.changed.add(ScheduleChanged.NUDGES)
        return fresh


def earliest_due(planned: Plan) -> datetime | None:
    """When the first of a plan's emails or nudges is (or was) due; None if it has none. As
    time passes a plan only drops or moves on from these, never adds an earlier one, so an
    application whose recorded earliest time is after a view's horizon has nothing to show
    in it (`today` reads only the others)."""
    return min(
        (*(t.due_at for t in planned.tasks), *(n.due_at for n in planned.nudges)), default=None
    )
