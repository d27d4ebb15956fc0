"""`Database`: the engine and session factory for one database URL, and the unit-of-work
factory the core is handed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.engine import create_engine
from storage.uow import SqlUnitOfWork


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )

    @classmethod
    def from_url(cls, url: str, **engine_options: Any) -> Database:
        """Plain URLs are accepted (`sqlite:///followup.db`, `postgresql://user@host/db`)."""
        return cls(create_engine(url, **engine_options))

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work; `database.unit_of_work` is a `UnitOfWorkFactory`."""
        return SqlUnitOfWork(self.sessions)

    async def dispose(self) -> None:
        await self.engine.dispose()
