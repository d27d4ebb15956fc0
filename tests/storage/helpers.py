"""Helpers for the storage tests: a fixed instant, and builders for users and applications.

(A plain module: the test modules import it as `tests.storage.helpers`.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import Application, Identity, Interviewer, NewRound, RoundKind, User
from storage.database import Database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def identity(name: str = "U1", *, platform: str = "slack", tz: str | None = None) -> Identity:
    return Identity(platform=platform, workspace="T1", user_id=name, display_name=name, timezone=tz)


def first_round(start: datetime = NOW) -> NewRound:
    return NewRound(
        kind=RoundKind.INTERVIEW,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        interviewers=(Interviewer("Jane Doe", "Engineering Manager"), Interviewer("Bo Li")),
    )


async def make_user(db: Database, name: str = "U1") -> User:
    async with db.unit_of_work() as uow:
        user = await uow.users.get_or_create(identity(name), NOW)
        await uow.commit()
    return user


async def make_application(db: Database, user: User, company: str = "Acme") -> Application:
    async with db.unit_of_work() as uow:
        app = await uow.applications.create(user.id, company, "Data Engineer", first_round(), NOW)
        await uow.commit()
    return app
