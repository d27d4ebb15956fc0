"""What every handler is given: the unit of work, the speaking user, the instant, the place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.catalogue import BY_NAME
from bot.domain import Application, DeliverySettings, Place, Plan, User
from bot.errors import BadInput
from bot.method import plan
from bot.ports import UnitOfWork


@dataclass
class Context:
    uow: UnitOfWork
    user: User
    now: datetime
    where: Place
    forgotten: bool = False

    @property
    def settings(self) -> DeliverySettings:
        return self.user.settings

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
        return fresh
