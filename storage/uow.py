"""`SqlUnitOfWork`: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ports import (
    ApplicationRepository,
    CalendarRepository,
    DigestRepository,
    GroupRepository,
    NudgeRepository,
    UserRepository,
)
from storage.applications import SqlApplicationRepository
from storage.calendar import SqlCalendarRepository
from storage.digests import SqlDigestRepository
from storage.groups import SqlGroupRepository
from storage.nudges import SqlNudgeRepository
from storage.users import SqlUserRepository


class SqlUnitOfWork:
    """Use as `async with uow: ...; await uow.commit()`. Anything not committed when the block
    ends is rolled back. The repositories exist inside the block only."""

    # Typed as the ports: protocol attributes are invariant, so the concrete classes would not
    # satisfy `bot.ports.UnitOfWork`.
    users: UserRepository
    applications: ApplicationRepository
    nudges: NudgeRepository
    groups: GroupRepository
    digests: DigestRepository
    calendar: CalendarRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already in use")
        session = self._session_factory()
        self._session = session
        self.users = SqlUserRepository(session)
        created: set[int] = set()  # applications created in this unit of work
        self.applications = SqlApplicationRepository(session, created)
        self.nudges = SqlNudgeRepository(session, new=created)
        self.groups = SqlGroupRepository(session)
        self.digests = SqlDigestRepository(session)
        self.calendar = SqlCalendarRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._session

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
