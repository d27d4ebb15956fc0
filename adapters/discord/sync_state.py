"""Remembering which command set Discord already has, so commands are synced only on change.

Syncing on every start is slow and rate limited (Discord allows 200 command creations a day
per guild), so the client hashes the exact payload it would send and syncs only when the hash
differs from the last one synced for that application and scope (global, or one guild).

The hash lives in the bot's own database, in a one-table schema this adapter owns
(`discord_command_sync`, created on first use with SQLAlchemy Core): it is durable wherever
the data is (a SQLite file or PostgreSQL), and every bot process sharing that database agrees
on it — a file next to the database would not exist for PostgreSQL deployments or survive a
fresh container.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

metadata = MetaData()
command_sync = Table(
    "discord_command_sync",
    metadata,
    Column("scope", String(80), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("synced_at", DateTime(timezone=True), nullable=False),
)


def digest(payload: list[dict[str, Any]]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def scope(application_id: int | None, guild_id: int | None) -> str:
    return f"{application_id}:{'global' if guild_id is None else f'guild:{guild_id}'}"


class CommandSyncState:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._ready = False

    async def _ensure(self) -> None:
        if not self._ready:
            try:
                async with self._engine.begin() as conn:
                    await conn.run_sync(metadata.create_all, checkfirst=True)
            except DBAPIError:
                # Another process sharing the database created it at the same moment.
                async with self._engine.begin() as conn:
                    await conn.run_sync(metadata.create_all, checkfirst=True)
            self._ready = True

    async def last(self, key: str) -> str | None:
        await self._ensure()
        async with self._engine.connect() as conn:
            row = await conn.execute(
                select(command_sync.c.digest).where(command_sync.c.scope == key)
            )
            return row.scalar_one_or_none()

    async def record(self, key: str, value: str) -> None:
        await self._ensure()
        now = datetime.now(UTC)
        try:
            await self._write(key, value, now)
        except IntegrityError:
            # Another process starting at the same moment inserted the row first: update it.
            await self._write(key, value, now)

    async def _write(self, key: str, value: str, now: datetime) -> None:
        async with self._engine.begin() as conn:
            updated = await conn.execute(
                command_sync.update()
                .where(command_sync.c.scope == key)
                .values(digest=value, synced_at=now)
            )
            if not updated.rowcount:
                await conn.execute(
                    command_sync.insert().values(scope=key, digest=value, synced_at=now)
                )
